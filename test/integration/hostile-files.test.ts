/**
 * Every file is hostile until read (sources.md; issue 14): a generated corpus of hostile files, each run
 * through the real command line in a child process whose heap is capped at 256 MB, must end in a quarantined
 * record with its reason or a file refused with its code, and the process must finish with its own exit code
 * (never an out-of-memory abort, never a crash). Then some of them through the `ingest` mutation: the server
 * answers each with a summary, the same one as the command line, and goes on serving.
 */
import { asRole, OWNER_ROLE, SERVING_ROLE } from '../../dev/pg-cluster.ts';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { A, openDatabase, rows, type Database } from '../../src/db/client.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { CAPPED_LIMITS, cappedCorpus, defaultCorpus, type HostileCase } from '../support/hostile.ts';
import { withLimits } from '../../src/formats/limits.ts';

const BIN = path.resolve('bin/relief-hub.mjs');
let dir: string;
let env: Record<string, string>;
let corpus: { default: HostileCase[]; capped: HostileCase[] };

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** The command line with a 256 MB heap: a reader that held a hostile file whole would die here. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--max-old-space-size=256', BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; signal?: string }) | null;
      resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

function writeCorpus(sub: string, cases: HostileCase[]): string {
  const root = path.join(dir, sub);
  for (const c of cases) {
    fs.mkdirSync(path.join(root, c.system), { recursive: true });
    fs.writeFileSync(path.join(root, c.system, c.name), c.content);
  }
  return root;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-hostile-'));
  env = { ...(process.env as Record<string, string>), LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.DATABASE_OWNER_URL;
  delete env.INGEST_LIMITS;
  if (testDbKind === 'postgres') {
    const base = inject('databaseUrl');
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS relief_hostile');
    await admin.query(`CREATE DATABASE relief_hostile OWNER ${OWNER_ROLE}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = '/relief_hostile';
    // As in production: migrations as the owner, the hub serving as a role that owns nothing.
    env.DATABASE_URL = asRole(url.toString(), SERVING_ROLE);
    env.DATABASE_OWNER_URL = asRole(url.toString(), OWNER_ROLE);
  } else {
    env.DATA_DIR = path.join(dir, 'data');
  }
  corpus = { default: await defaultCorpus(), capped: await cappedCorpus() };
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Summary = { system: string; file: string; records: number; new: number; quarantined: number; rejected: boolean; reason: string | null };

/** One summary per file of a `load` run, by `system/file`. */
function summaries(stdout: string): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const line of stdout.trim().split('\n')) {
    const s = JSON.parse(line) as Summary;
    if (s.system) out.set(`${s.system}/${s.file}`, s);
  }
  return out;
}

function expectOutcome(c: HostileCase, s: Summary | undefined): void {
  expect(s, `${c.system}/${c.name} (${c.what}) has a summary`).toBeDefined();
  if ('rejected' in c.expect) {
    expect({ what: c.what, rejected: s!.rejected, reason: s!.reason, records: s!.records }).toEqual({ what: c.what, rejected: true, reason: c.expect.rejected, records: 0 });
  } else {
    expect({ what: c.what, rejected: s!.rejected, records: s!.records, quarantined: s!.quarantined }).toEqual({ what: c.what, rejected: false, records: c.expect.records, quarantined: c.expect.quarantined });
  }
}

async function withCliDatabase<T>(fn: (d: Database) => Promise<T>): Promise<T> {
  const d = await openDatabase({ databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.DATA_DIR! });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

describe(`hostile files through the command line, heap capped at 256 MB (${testDbKind})`, () => {
  it('each file of the corpus is a quarantined record or a file refused with its code; nothing crashes, nothing large is stored', async () => {
    const root = writeCorpus('default', corpus.default);
    const run = await cli(['load', root]);
    // Exit 2: some files were refused whole. Not 1 (a fault), not 134 or a signal (out of memory).
    expect({ code: run.code, signal: run.signal, stderr: run.stderr.slice(0, 2000) }).toEqual({ code: 2, signal: null, stderr: '' });
    const got = summaries(run.stdout);
    for (const c of corpus.default) expectOutcome(c, got.get(`${c.system}/${c.name}`));

    await withCliDatabase(async (d) => {
      const q = await rows<{ system: string; file: string; reason_code: string; raw: string; location: { rawEncoding?: string } }>(
        d.db,
        sql`SELECT system, file, reason_code, raw, location FROM quarantine ORDER BY id`,
      );
      for (const c of corpus.default) {
        if ('rejected' in c.expect) continue;
        const mine = q.filter((r) => r.system === c.system && r.file === c.name);
        expect({ what: c.what, reasons: mine.map((r) => r.reason_code).sort() }).toEqual({ what: c.what, reasons: c.expect.reasons });
        if (c.expect.rawBase64) {
          // The record's bytes, exactly as received: recoverable, never text with U+FFFD.
          expect(mine).toHaveLength(1);
          expect(mine[0]!.location.rawEncoding).toBe('base64');
          expect(Buffer.from(mine[0]!.raw, 'base64').equals(c.expect.rawBase64)).toBe(true);
        }
      }
      expect(q.some((r) => r.raw.includes('\ufffd'))).toBe(false);
      // Nothing of a refused file, and no value past the bounds, was stored.
      const longest = await rows<{ n: number | null }>(d.db, sql`SELECT max(length(raw))::int AS n FROM (SELECT raw FROM quarantine UNION ALL SELECT raw FROM source_records) t`);
      expect(longest[0]!.n).toBeLessThan(1 << 20);
      const refused = corpus.default.filter((c) => 'rejected' in c.expect).map((c) => c.name);
      const stored = await rows<{ n: number }>(d.db, sql`SELECT count(*)::int AS n FROM source_records WHERE file = ANY(${A(refused)}::text[])`);
      expect(stored[0]!.n).toBe(0);
    });
  }, 300_000);

  it('with the limits capped (INGEST_LIMITS), small files prove the bounds that 200 MB, 20-million and 1 GiB inputs meet', async () => {
    const root = writeCorpus('capped', corpus.capped);
    const run = await cli(['load', root], { INGEST_LIMITS: JSON.stringify(CAPPED_LIMITS) });
    expect({ code: run.code, signal: run.signal, stderr: run.stderr.slice(0, 2000) }).toEqual({ code: 2, signal: null, stderr: '' });
    const got = summaries(run.stdout);
    for (const c of corpus.capped) expectOutcome(c, got.get(`${c.system}/${c.name}`));
  }, 300_000);

  it('`ingest` of a single file: exit 2 and the refusal on the last line, or exit 0 and the quarantine count', async () => {
    const col = corpus.default.find((c) => c.name === 'col-2-32.xlsx')!;
    const nul = corpus.default.find((c) => c.name === 'nul.ndjson')!;
    const a = await cli(['ingest', col.system, path.join(dir, 'default', col.system, col.name)]);
    expect({ code: a.code, signal: a.signal }).toEqual({ code: 2, signal: null });
    expect(JSON.parse(a.stdout.trim().split('\n').at(-1)!)).toMatchObject({ system: col.system, rejected: true, reason: 'MALFORMED' });
    const b = await cli(['ingest', nul.system, path.join(dir, 'default', nul.system, nul.name)]);
    expect({ code: b.code, signal: b.signal, stderr: b.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(JSON.parse(b.stdout.trim().split('\n').at(-1)!)).toMatchObject({ rejected: false, records: 3, quarantined: 1 });
  }, 300_000);
});

describe(`a hostile claims API through the command line (${testDbKind})`, () => {
  it('`pull --max-tries 1 --timeout 1` gives up on a silent server after its timeout, printing no credential', async () => {
    const seen: Array<string | undefined> = [];
    const silent = http.createServer((req) => void seen.push(req.headers.authorization)); // never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const run = await cli(['pull', 'union-women', '--base', `http://ngak:s3cret-pw@127.0.0.1:${port}`, '--max-tries', '1', '--timeout', '1']);
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { base: string; error: { code: string; tries: number } };
      expect(summary.error).toMatchObject({ code: 'PULL_TIMEOUT', tries: 1 });
      expect(summary.base).toBe(`http://***@127.0.0.1:${port}/`);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/s3cret|ngak/);
      expect(seen).toEqual([`Basic ${Buffer.from('ngak:s3cret-pw').toString('base64')}`]);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 300_000);
});

const INGEST = `mutation($s: String!, $c: String!, $e: ContentEncoding, $f: String) {
  ingest(system: $s, content: $c, encoding: $e, fileName: $f) { system file records new quarantined rejected reason }
}`;

describe(`hostile files through the ingest mutation (${testDbKind})`, () => {
  let database: Database;
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    database = await testDatabase();
    hub = await startTestHub(database);
  }, 120_000);
  afterAll(async () => hub?.close());
  beforeEach(async () => resetDatabase(database), 60_000);

  const send = (c: HostileCase) =>
    gql<{ ingest: Summary }>(hub.url, INGEST, { s: c.system, c: c.content.toString('base64'), e: 'BASE64', f: c.name });

  it('answers each with the summary the command line gives, and goes on serving', async () => {
    const picked = ['col-2-32.xlsx', 'deep.json', 'deep-line.ndjson', 'nul.ndjson', 'bad-gb18030.csv', 'payments.csv', 'long-fields.json', 'big-attribute.xml'];
    for (const name of picked) {
      for (const c of corpus.default.filter((x) => x.name === name)) {
        const r = await send(c);
        expect({ what: c.what, status: r.status, errors: r.body.errors }).toEqual({ what: c.what, status: 200, errors: undefined });
        expectOutcome(c, r.body.data!.ingest);
      }
    }
    const alive = await gql<{ hub: { version: string } }>(hub.url, '{ hub { version } }');
    expect(alive.body.data?.hub.version).toEqual(expect.any(String));
  }, 120_000);

  it('refuses a line past the line limit as the command line does, whether it arrives as TEXT or BASE64 (one reader path)', async () => {
    const line = corpus.capped.find((c) => c.name === 'line.csv')!;
    await withLimits(CAPPED_LIMITS, async () => {
      const asText = await gql<{ ingest: Summary }>(hub.url, INGEST, { s: line.system, c: line.content.toString('utf8'), f: line.name });
      const asBase64 = await send(line);
      for (const r of [asText, asBase64]) expect(r.body.data!.ingest).toMatchObject({ rejected: true, reason: 'MALFORMED', records: 0 });
    });
    // TEXT that no encoding can carry (a lone surrogate) is refused, not stored as U+FFFD.
    const surrogate = await gql<{ ingest: Summary }>(hub.url, INGEST, { s: 'women-children', c: '{"records":[{"recordNo":"FL-1","beneficiary":{"name":"\ud800"}}]}' });
    expect(surrogate.body.errors?.[0]?.extensions?.code).toBe('INVALID_CONTENT');
    // A file name with a NUL would fail the insert of every record it names: refused before anything is read.
    const nulName = await gql<{ ingest: Summary }>(hub.url, INGEST, { s: 'charity', c: '类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目\n', f: 'a\u0000.csv' });
    expect(nulName.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(nulName.status).not.toBe(500);
    const stored = await rows<{ n: number }>(database.db, sql`SELECT (SELECT count(*) FROM source_records) + (SELECT count(*) FROM quarantine) AS n`);
    expect(Number(stored[0]!.n)).toBe(0);
  }, 60_000);
});
