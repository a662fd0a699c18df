/**
 * The console's loading: bundle size (raw and gzip: what the first page needs, and everything) and, in
 * Debian's Chromium against a hub on loopback with demo data, first contentful paint and first meaningful
 * paint (the caseworker's lookup form ready after a sign-in link), and the time from "look up" to the person
 * page. Medians of --runs cold loads (a new browser context each: nothing cached). Measured here, never in a
 * timed test.
 *
 *   npm run bench:console [-- --persons 300 --runs 5]
 *   npx tsx bench/console.ts --pg-url postgres://… [--background 16] [--json]
 *
 * `--pg-url`: against a database already loaded (the province of `npm run bench`) instead of the demo, as the
 * caseworker of the query benchmark, a different person of that caseworker's county each run.
 * `--background N`: while the browser runs, N connections from a second process ask the household aid-history
 * query of the query benchmark of the same hub (the console under load); their throughput is printed too.
 * `--json`: print only the result as one JSON line (what `npm run bench` reads).
 *
 * Budget (BENCHMARKS.md): first page ≤ 300 KB gzip, all assets ≤ 700 KB gzip, first meaningful paint
 * ≤ 1,500 ms, lookup → person page ≤ 1,500 ms. Exit 1 when over budget.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildConsole } from '../console/build.ts';
import { consoleDist } from '../src/server/console.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server/http.ts';
import { DEMO_CASEWORKER, demoLookups, loadDemo } from '../src/demo.ts';
import { CHROMIUM, launch } from '../dev/chromium.ts';
import { CASEWORKER, failuresOf, HUB_QUERY, PURPOSE, runLoadProcess, sampleIdNumbers, type Stats } from './query-load.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
    'pg-url': { type: 'string' },
    background: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const pgUrl = values['pg-url'];
const background = Number(values.background);

export const BUDGET = { firstPageGzipKB: 300, allGzipKB: 700, firstMeaningfulPaintMs: 1500, lookupMs: 1500 };

const kb = (n: number) => Math.round(n / 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await buildConsole();
const files = fs.readdirSync(path.join(consoleDist, 'assets')).map((f) => path.join('assets', f));
const size = (f: string) => {
  const b = fs.readFileSync(path.join(consoleDist, f));
  return { raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length };
};
const index = fs.readFileSync(path.join(consoleDist, 'index.html'), 'utf8');
const firstPage = ['index.html', ...[...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!)];
const sum = (fs_: string[]) => fs_.map(size).reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
const first = sum(firstPage);
const all = sum(['index.html', ...files]);

if (!fs.existsSync(CHROMIUM)) {
  if (values.json) {
    process.stdout.write(JSON.stringify({ firstPage: { gzipKB: kb(first.gzip), rawKB: kb(first.raw) }, all: { gzipKB: kb(all.gzip), rawKB: kb(all.raw) }, noBrowser: CHROMIUM }) + '\n');
    process.exit(0);
  }
  process.stdout.write(`bundle: first page ${kb(first.gzip)} KB gzip (${kb(first.raw)} KB), all ${kb(all.gzip)} KB gzip (${kb(all.raw)} KB)\n${CHROMIUM} missing: no paint timings\n`);
  process.exit(0);
}

const database = await openDatabase({ databaseUrl: pgUrl ?? null, dataDir: null });
await migrate(database);
if (!pgUrl) await loadDemo(database, { persons: Number(values.persons) });
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  AUTH_SECRET: 'relief-hub-bench-secret-0123456789abcdef',
  ...(background > 0 ? { RATE_LIMIT_PER_MINUTE: '1000000' } : {}), // the limit stays on, counted, out of the load's way
});
const server = await startServer(database, config, pino({ level: 'silent' }));
const origin = server.url.replace(/\/graphql$/, '');
const caseworker = pgUrl ? { agency: CASEWORKER.agency, county: CASEWORKER.county } : DEMO_CASEWORKER;
// The persons looked up: on a loaded province a different one each run (nothing of the person page cached).
const ids = pgUrl ? await sampleIdNumbers(pgUrl, Math.max(runs, 200), true, caseworker.county) : (await demoLookups(database, 50)).map((l) => l.idNumber);
if (ids.length === 0) throw new Error('no person to look up');
const browser = await launch();

// The console under load: the household query from a second process for the whole of the browser runs.
let load: Promise<Stats> | null = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-console-bench-'));
if (background > 0) {
  const token = await server.keys.mint({ role: 'CASEWORKER', ...caseworker, sub: 'bench-background' });
  const file = path.join(tmp, 'bodies.json');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': PURPOSE };
  fs.writeFileSync(file, JSON.stringify(ids.map((id) => ({ body: JSON.stringify({ query: HUB_QUERY, variables: { id } }), headers }))));
  load = runLoadProcess(server.url, file, background, 5 + runs * 6);
  await new Promise((r) => setTimeout(r, 3000)); // the load under way before the first page
}

const fcp: number[] = [];
const fmp: number[] = [];
const lookup: number[] = [];
for (let i = 0; i < runs; i++) {
  const token = await server.keys.mint({ role: 'CASEWORKER', ...caseworker, sub: `bench-${i}` });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}/#token=${token}`);
  await page.getByRole('textbox', { name: /身份证号/ }).waitFor();
  const t = await page.evaluate(() => {
    const p = globalThis as unknown as { performance: { now(): number; getEntriesByName(n: string): Array<{ startTime: number }> } };
    return { now: p.performance.now(), fcp: p.performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN };
  });
  fcp.push(t.fcp);
  fmp.push(t.now);
  await page.getByRole('textbox', { name: /身份证号/ }).fill(pgUrl ? ids[i % ids.length]! : ids[0]!);
  await page.getByRole('combobox', { name: /查询用途/ }).locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " ant-select-selector ")][1]').click();
  await page.locator('.ant-select-item-option').first().click();
  const started = Date.now();
  await page.getByRole('button', { name: /查\s*询/ }).click();
  await page.getByText('基本信息').waitFor();
  await page.locator('table').first().waitFor();
  lookup.push(Date.now() - started);
  await context.close();
}
await browser.close();
const loadStats = load ? await load : null;
fs.rmSync(tmp, { recursive: true, force: true });
await server.close();
await database.close();

const result = {
  firstPage: { files: firstPage.length, rawKB: kb(first.raw), gzipKB: kb(first.gzip) },
  all: { files: files.length + 1, rawKB: kb(all.raw), gzipKB: kb(all.gzip) },
  firstContentfulPaintMs: Math.round(median(fcp)),
  firstMeaningfulPaintMs: Math.round(median(fmp)),
  lookupToPersonPageMs: Math.round(median(lookup)),
  runs,
  data: pgUrl ? 'a loaded database (--pg-url)' : `demo, ${Number(values.persons)} persons`,
  background: loadStats
    ? { connections: background, requestsPerSec: loadStats.requestsPerSec, p99: loadStats.p99, failed: failuresOf(loadStats) }
    : null,
  budget: BUDGET,
};
const over = [
  result.firstPage.gzipKB > BUDGET.firstPageGzipKB && 'first page size',
  result.all.gzipKB > BUDGET.allGzipKB && 'total size',
  result.firstMeaningfulPaintMs > BUDGET.firstMeaningfulPaintMs && 'first meaningful paint',
  result.lookupToPersonPageMs > BUDGET.lookupMs && 'lookup',
].filter(Boolean);
if (values.json) {
  process.stdout.write(JSON.stringify({ ...result, over }) + '\n');
  process.exit(over.length ? 1 : 0);
}
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
process.stdout.write(
  [
    '',
    '| measure | result | budget |',
    '|---|---|---|',
    `| first page (index.html + entry JS + CSS), gzip | ${result.firstPage.gzipKB} KB (${result.firstPage.rawKB} KB raw) | ≤ ${BUDGET.firstPageGzipKB} KB |`,
    `| all assets, gzip | ${result.all.gzipKB} KB (${result.all.rawKB} KB raw, ${result.all.files} files) | ≤ ${BUDGET.allGzipKB} KB |`,
    `| first contentful paint (median of ${runs}) | ${result.firstContentfulPaintMs} ms | — |`,
    `| first meaningful paint: lookup form ready after a sign-in link | ${result.firstMeaningfulPaintMs} ms | ≤ ${BUDGET.firstMeaningfulPaintMs} ms |`,
    `| "查询" → person page with its history | ${result.lookupToPersonPageMs} ms | ≤ ${BUDGET.lookupMs} ms |`,
    ...(result.background ? [`| background load: household query, ${background} connections | ${result.background.requestsPerSec} req/s, p99 ${result.background.p99} ms, ${result.background.failed} failed | — |`] : []),
    '',
    over.length ? `OVER BUDGET: ${over.join(', ')}` : 'within budget',
    '',
  ].join('\n'),
);
process.exit(over.length ? 1 : 0);
