/**
 * Demo data: a small synthetic province from the generator, ingested file by file, so that a newcomer sees a
 * populated hub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from './db/client.ts';
import { ingestRunCount, lookupCandidates } from './db/demo.ts';
import { generateProvince } from '../generator/index.ts';
import { ingestFile } from './ingest/service.ts';
import type { IngestSummary } from './ingest/pipeline.ts';

/** The demo caseworker: civil affairs in Xiuying, Haikou. */
export const DEMO_CASEWORKER = { agency: 'civil-affairs', county: '460108' } as const;

/**
 * The generated agency history overdraws most funds (as real history may: reports flag it). The demo
 * caseworker's own fund gets a budget allocation, so that aid recorded in the console can be paid; the other
 * funds stay as the history left them.
 */
async function fundDemoCaseworker(database: Database): Promise<void> {
  const { adapters } = await import('../adapters/index.ts');
  const { allocateFunds } = await import('./ledger/service.ts');
  const { fundBalances } = await import('./ledger/store.ts');
  for (const a of adapters.filter((x) => x.agency === DEMO_CASEWORKER.agency)) {
    for (const p of a.programs) {
      const fund = `FUND:${p.code}`;
      const balance = (await fundBalances(database.db, fund))[0]?.balanceFen ?? 0n;
      const budget = 100_000_000n; // 1,000,000 yuan above what the history spent
      await allocateFunds(database, fund, (balance < 0n ? -balance : 0n) + budget, '演示数据：年度预算拨款 demo budget allocation', 'demo');
    }
  }
}

export async function isEmpty(database: Database): Promise<boolean> {
  return (await ingestRunCount(database.db)) === 0;
}

/** Lists a generated province's files in delivery order: `<system>/<file>` sorted by name within each system. */
export function provinceFiles(dir: string): Array<{ system: string; file: string }> {
  const out: Array<{ system: string; file: string }> = [];
  for (const system of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, system);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).sort()) out.push({ system, file: path.join(sub, f) });
  }
  return out;
}

export async function loadDemo(database: Database, opts: { persons?: number; seed?: number } = {}): Promise<IngestSummary[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-demo-'));
  try {
    await generateProvince({ persons: opts.persons ?? 300, seed: opts.seed ?? 7, out: dir });
    const out: IngestSummary[] = [];
    for (const { system, file } of provinceFiles(dir)) out.push(await ingestFile(database, system, file));
    await fundDemoCaseworker(database);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


/**
 * A few identity numbers worth looking up as the demo caseworker: persons of its county or aided by its
 * agency (it sees their numbers in full), those with hospital stays, flagged records and long histories first.
 */
export async function demoLookups(database: Database, limit = 3): Promise<Array<{ idNumber: string; name: string | null }>> {
  const { systemsOfAgency } = await import('./access/policy.ts');
  const systems = systemsOfAgency(DEMO_CASEWORKER.agency);
  // Persons a newcomer can look up to see the console's person page at its fullest
  return lookupCandidates(database.db, DEMO_CASEWORKER.county, systems, limit);
}

/** What `serve --demo` prints: a sign-in link per role (the token travels in the fragment, never to the server's logs) and numbers to look up. */
export async function demoSignIn(database: Database, keys: { mint(c: import('./access/auth.ts').TokenClaims): Promise<string> }, base: string): Promise<string> {
  const tokens = {
    caseworker: await keys.mint({ role: 'CASEWORKER', ...DEMO_CASEWORKER, sub: 'demo-caseworker' }),
    platform: await keys.mint({ role: 'PLATFORM', sub: 'demo-platform' }),
    charity: await keys.mint({ role: 'CHARITY', sub: 'demo-charity' }),
    auditor: await keys.mint({ role: 'AUDITOR', sub: 'demo-auditor' }),
  };
  const lookups = await demoLookups(database);
  return [
    '',
    '控制台 / the console — open a sign-in link (valid 8 h):',
    `  经办人员 caseworker (民政厅 civil-affairs, 美兰区 460108): ${base}#token=${tokens.caseworker}`,
    `  省医疗救助平台 platform:                                  ${base}#token=${tokens.platform}`,
    `  慈善机构 charity:                                          ${base}#token=${tokens.charity}`,
    `  审计人员 auditor:                                          ${base}#token=${tokens.auditor}`,
    '',
    '可查询的身份证号 / identity numbers to look up as the caseworker:',
    ...lookups.map((l) => `  ${l.idNumber}  ${l.name ?? ''}`),
    '',
    `platform token (8 h), for curl -H "authorization: Bearer $TOKEN" ${base}graphql:`,
    tokens.platform,
    '',
    `caseworker token, ${DEMO_CASEWORKER.agency} / ${DEMO_CASEWORKER.county} (8 h):`,
    tokens.caseworker,
    '',
  ].join('\n');
}
