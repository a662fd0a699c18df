/**
 * `npm run bench`: the hub at provincial scale on a throwaway PostgreSQL cluster.
 *
 *   npx tsx bench/main.ts [--persons 1150000] [--seed 1] [--runs 3] [--duration 30] [--connections 16]
 *                         [--data DIR] [--skip-query] [--only ingest,copy,report,eligibility,query,console,corrections] [--keep]
 *                         [--pg-url postgres://…]
 *
 * 1. generates a province (generator/; reused from --data when it holds one of the same size and seed);
 * 2. bulk-loads every export through the hub (`ingestBatch`, the path of `relief-hub load`) in a process of its
 *    own: records/s per format and overall, the once-per-load derivation, and that process's peak RSS;
 * 3. loads the same canonical rows with COPY into an empty copy of the schema (median of --runs), and the ratio;
 * 4. times the quarterly report for the busiest quarter in five groupings (median of --runs after a warm-up each);
 * 5. counts eligibility checks per second, in-process over one connection and through the GraphQL API under load;
 * 6. runs the household aid-history query under load against the hub and against PostGraphile 4 on the same
 *    database (bench/query-load.ts), alternating, --runs times each;
 * 7. measures the console in Chromium against the hub on this database, alone and under the household query's load
 *    (bench/console.ts --pg-url, a process of its own);
 * 8. delivers corrections of 1% of every system's records (bench/corrections.ts), one ingest per system as the
 *    agencies send them, and times them against the full load of step 2 (last: it changes the database);
 * 9. prints every figure against issue 17's target in one table.
 * --keep leaves the cluster running (its URL on stderr); --pg-url measures a database already loaded (with
 * --only report,eligibility,query: a section again after a change, on the same data).
 * Prints Markdown tables on stdout (progress on stderr) and writes them, with the raw figures, to
 * `<data>/results.json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { generateProvince, type Expected } from '../generator/index.ts';
import { adapters } from '../adapters/index.ts';
import { openDatabase, rows } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { quarterlyReport, type Dimension } from '../src/reports/quarterly.ts';
import { eligibility } from '../src/policy/eligibility.ts';
import { findPgBinDir, startCluster } from '../dev/pg-cluster.ts';
import { CANONICAL_TABLES, copyInto, exportRows, stateTables } from './copy-reference.ts';
import { correctionDelivery, deliverCorrections } from './corrections.ts';
import { baseEnv, CASEWORKER, failuresOf, formatQueryTable, runLoadProcess, runQueryBench, sampleIdNumbers, startHub, stopChild } from './query-load.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '1150000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '16' },
    data: { type: 'string' },
    'skip-query': { type: 'boolean', default: false },
    only: { type: 'string', default: 'ingest,copy,report,eligibility,query,console,corrections' },
    keep: { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
  },
});
const persons = Number(values.persons);
const seed = Number(values.seed);
const runs = Number(values.runs);
const duration = Number(values.duration);
const connections = Number(values.connections);
const only = new Set(values.only!.split(',').map((x) => x.trim()));
if (values['skip-query']) only.delete('query');
const dataDir = path.resolve(values.data ?? path.join(os.tmpdir(), `relief-hub-bench-${persons}-${seed}`));
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/**
 * The server settings of the benchmark cluster: durability off (a throwaway cluster; the figures are the
 * hub's work, not the disk's), memory sized for a 24 GiB machine, checkpoints out of the way of a bulk load.
 */
const PG_SETTINGS = ['shared_buffers=4GB', 'work_mem=64MB', 'maintenance_work_mem=1GB', 'max_wal_size=32GB', 'checkpoint_timeout=1h', 'effective_cache_size=16GB'];

const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function province(): Promise<{ expected: Expected; seconds: number | null }> {
  const file = path.join(dataDir, 'expected.json');
  if (fs.existsSync(file)) {
    const e = JSON.parse(fs.readFileSync(file, 'utf8')) as Expected;
    if (e.generatedFor.persons === persons && e.seed === seed) {
      log(`reusing the province in ${dataDir}`);
      return { expected: e, seconds: null };
    }
  }
  log(`generating ${persons} persons into ${dataDir}`);
  const t0 = Date.now();
  const expected = await generateProvince({ persons, seed, out: dataDir });
  return { expected, seconds: (Date.now() - t0) / 1000 };
}

interface LoadResult {
  files: Array<{ system: string; file: string; records: number; quarantined: number; rejected: boolean; ms: number }>;
  duplicates: number;
  settleMs: number;
  ms: number;
  maxRssMiB: number;
}


/**
 * The V8 heap cap a bulk load runs with (`node --max-old-space-size`, or NODE_OPTIONS for `relief-hub load`). The
 * load's live data is bounded (two batches of records, one slice of persons); without a cap V8 lets garbage pile
 * up to what the machine has (742 MiB peak RSS at 100,000 persons), with it the heap is collected at the cap (450
 * MiB, same time within noise).
 */
const LOAD_HEAP_MIB = 512;

async function load(url: string): Promise<LoadResult> {
  const child = spawn(process.execPath, [`--max-old-space-size=${LOAD_HEAP_MIB}`, '--import', 'tsx', path.join(ROOT, 'bench/load-child.ts'), dataDir], {
    cwd: ROOT,
    env: baseEnv({ DATABASE_URL: url, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/load-child.ts exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

/** The format's first words ("CSV (GB18030, header row)", "XLSX workbook per county"). */
function shortFormat(f: string): string {
  const first = f.split(/[:;]/)[0]!.replace(/, one .*$/, '').trim();
  return first.length > 40 ? first.slice(0, first.indexOf(' (') > 0 ? first.indexOf(' (') : 40) : first;
}

function ingestTable(r: LoadResult): { markdown: string; records: number; seconds: number } {
  const by = new Map<string, { files: number; records: number; ms: number }>();
  for (const f of r.files) {
    const e = by.get(f.system) ?? { files: 0, records: 0, ms: 0 };
    e.files++;
    e.records += f.records;
    e.ms += f.ms;
    by.set(f.system, e);
  }
  const lines = ['| system | format | files | records | seconds | records/s |', '|---|---|---:|---:|---:|---:|'];
  for (const a of adapters) {
    const e = by.get(a.code);
    if (!e) continue;
    lines.push(`| ${a.code} | ${shortFormat(a.format)} | ${e.files} | ${fmt(e.records)} | ${fmt(e.ms / 1000, 1)} | ${fmt((e.records * 1000) / e.ms)} |`);
  }
  const records = r.files.reduce((n, f) => n + f.records, 0);
  const readMs = r.files.reduce((n, f) => n + f.ms, 0);
  lines.push(`| reading and writing facts, all files | | ${r.files.length} | ${fmt(records)} | ${fmt(readMs / 1000, 1)} | ${fmt((records * 1000) / readMs)} |`);
  lines.push(`| deriving rules 2–5, booking the ledger, warnings (once) | | | | ${fmt(r.settleMs / 1000, 1)} | |`);
  lines.push(`| **all** (wall time of the load) | | ${r.files.length} | ${fmt(records)} | ${fmt(r.ms / 1000, 1)} | **${fmt((records * 1000) / r.ms)}** |`);
  return { markdown: lines.join('\n'), records, seconds: r.ms / 1000 };
}

async function busiestQuarter(url: string): Promise<{ year: number; quarter: number; counted: number }> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null });
  try {
    const r = await rows<{ y: number; q: number; n: string }>(
      database.db,
      sql`SELECT extract(year FROM paid_on)::int AS y, extract(quarter FROM paid_on)::int AS q, count(*)::text AS n
          FROM aid_records WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND paid_on IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1`,
    );
    return { year: r[0]!.y, quarter: r[0]!.q, counted: Number(r[0]!.n) };
  } finally {
    await database.close();
  }
}

/** The groupings the report is timed in: the platform's usual one, then the others issue 17's "any grouping" covers. */
const REPORT_GROUPINGS: Dimension[][] = [['AGENCY', 'COUNTY'], ['CITY', 'PROGRAM'], [], ['CATEGORY'], ['SYSTEM', 'CATEGORY', 'COUNTY']];

async function reportTimes(url: string, year: number, quarter: number): Promise<Array<{ groupBy: Dimension[]; cold: number; ms: number[]; rows: number }>> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null });
  try {
    const out = [];
    for (const groupBy of REPORT_GROUPINGS) {
      const time = async () => {
        const t = process.hrtime.bigint();
        const r = await quarterlyReport(database.db, year, quarter, groupBy);
        return { ms: Number(process.hrtime.bigint() - t) / 1e6, rows: r.rows.length };
      };
      const cold = await time();
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push((await time()).ms);
      out.push({ groupBy, cold: cold.ms, ms, rows: cold.rows });
    }
    return out;
  } finally {
    await database.close();
  }
}

const ELIGIBILITY_POLICIES = fs
  .readdirSync(path.join(ROOT, 'policies'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'policies', f), 'utf8')) as { code: string; kind: string; forCharities?: boolean })
  .filter((p) => p.kind === 'ELIGIBILITY')
  .sort((a, b) => a.code.localeCompare(b.code));
const ELIGIBILITY_RULES = ELIGIBILITY_POLICIES.map((p) => p.code);
/** What a charity may ask through the API: the rules published for charities (src/access/policy.ts). */
const CHARITY_RULES = ELIGIBILITY_POLICIES.filter((p) => p.forCharities).map((p) => p.code);


/** Eligibility answered in-process over one connection, back to back, for `seconds`: checks per second. */
async function eligibilityInProcess(url: string, ids: string[], seconds: number): Promise<number> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null });
  try {
    let n = 0;
    const until = Date.now() + seconds * 1000;
    const t = process.hrtime.bigint();
    while (Date.now() < until) {
      await eligibility(database.db, ids[n % ids.length]!, ELIGIBILITY_RULES[n % ELIGIBILITY_RULES.length]!, null);
      n++;
    }
    return (n * 1e9) / Number(process.hrtime.bigint() - t);
  } finally {
    await database.close();
  }
}

/** Eligibility through the GraphQL API as a charity, under load from a second process. */
async function eligibilityUnderLoad(url: string, ids: string[]) {
  const secret = 'bench-eligibility-secret-0123456789abcdef';
  const hub = await startHub(url, secret, {}, []);
  try {
    const tok = spawnSync(process.execPath, [path.join(ROOT, 'bin/relief-hub.mjs'), 'token', '--role', 'CHARITY', '--sub', 'bench-charity'], {
      cwd: ROOT,
      env: baseEnv({ AUTH_SECRET: secret, DATABASE_URL: url, LOG_LEVEL: 'warn' }),
      encoding: 'utf8',
    });
    if (tok.status !== 0) throw new Error(`relief-hub token failed: ${tok.stderr}`);
    const token = tok.stdout.trim().split('\n').at(-1)!;
    const query = 'query Eligible($id: String!, $rule: String!) { eligibility(idNumber: $id, rule: $rule) { eligible reasons ruleCode ruleVersion } }';
    const bodies = ids.map((id, i) => ({
      body: JSON.stringify({ query, variables: { id, rule: CHARITY_RULES[i % CHARITY_RULES.length] } }),
      // A charity states why it reads, like every reader of personal data (contract.md, x-purpose)
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'checking a charity rule (benchmark)' },
    }));
    const file = path.join(dataDir, 'eligibility-bodies.json');
    fs.writeFileSync(file, JSON.stringify(bodies));
    await runLoadProcess(hub.url, file, connections, 5); // warm-up
    const stats = [];
    for (let i = 0; i < runs; i++) {
      const s = await runLoadProcess(hub.url, file, connections, duration);
      // A refused request is answered fast: a rate with failures in it would measure the refusal, not the check
      if (failuresOf(s) > 0) throw new Error(`eligibility through the API: ${failuresOf(s)} of ${s.total} requests failed: ${s.errorSamples.join(' | ')}`);
      stats.push(s);
    }
    return stats;
  } finally {
    await stopChild(hub.child);
  }
}

interface ConsoleResult {
  firstPage: { gzipKB: number; rawKB: number };
  all: { gzipKB: number; rawKB: number };
  firstContentfulPaintMs: number;
  firstMeaningfulPaintMs: number;
  lookupToPersonPageMs: number;
  runs: number;
  background: { connections: number; requestsPerSec: number; p99: number; failed: number } | null;
  budget: { firstPageGzipKB: number; allGzipKB: number; firstMeaningfulPaintMs: number; lookupMs: number };
  over: string[];
}

/** bench/console.ts against this database in a process of its own (with `background` connections of the household query beside it). */
async function consoleRun(url: string, background: number): Promise<ConsoleResult> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/console.ts'), '--pg-url', url, '--runs', String(Math.max(5, runs)), '--background', String(background), '--json'], {
    cwd: ROOT,
    env: baseEnv({ LOG_LEVEL: 'warn' }),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`bench/console.ts failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const result = JSON.parse(line) as ConsoleResult & { noBrowser?: string };
  if (result.noBrowser) throw new Error(`bench/console.ts: no browser at ${result.noBrowser} (apt-get install chromium fonts-noto-cjk)`);
  return result;
}

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const { expected, seconds: genSeconds } = await province();
  const inputRecords = expected.files.reduce((n, f) => n + f.records, 0);
  log(`${expected.files.length} files, ${fmt(inputRecords)} records; ${fmt(expected.settlements.records)} settlements, ${fmt(expected.aid.records)} aid records`);

  const bin = findPgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  const cluster = values['pg-url']
    ? { url: values['pg-url'], version: 'PostgreSQL (given by --pg-url)', stop: () => undefined }
    : await startCluster(bin, PG_SETTINGS);
  if (values.keep) log(`the cluster stays up: ${cluster.url}`);
  const out: string[] = [];
  const results: Record<string, unknown> = { machine, postgres: cluster.version, persons, seed, settings: PG_SETTINGS };
  try {
    out.push(`Machine: ${machine}; ${cluster.version} (throwaway cluster: fsync, synchronous_commit and full_page_writes off; ${PG_SETTINGS.join(', ')}).`);
    out.push(
      `Data set: \`generateProvince({ persons: ${persons}, seed: ${seed} })\`${genSeconds === null ? '' : ` (generated in ${fmt(genSeconds, 0)} s)`}: ` +
        `${fmt(expected.persons)} persons, ${fmt(expected.settlements.records)} settlements, ${fmt(expected.aid.records)} aid records; ` +
        `${expected.files.length} files, ${fmt(inputRecords)} source records in twelve formats.`,
    );

    // 2. ingest
    let ingest = { markdown: '', records: 0, seconds: 0 };
    // The figures issue 17 sets targets for, filled in by the steps that measure them.
    const figures: { copyPct?: number; copyCeilingPct?: number; peakRssMiB?: number; correctionPct?: number; correctionRecordsPct?: number; throughput?: number; p99?: number; console?: ConsoleResult } = {};
    if (only.has('ingest')) {
    {
      const migrated = await openDatabase({ databaseUrl: cluster.url, dataDir: null });
      await migrate(migrated);
      await migrated.close();
    }
    log('loading the province through the hub');
    const loaded = await load(cluster.url);
    ingest = ingestTable(loaded);
    results.ingest = loaded;
    figures.peakRssMiB = loaded.maxRssMiB;
    out.push(`### Ingest (\`ingestBatch\`, one process; peak RSS ${loaded.maxRssMiB} MiB)\n\n${ingest.markdown}`);
    log(`ingest: ${fmt(ingest.records)} records in ${fmt(ingest.seconds, 1)} s, peak RSS ${loaded.maxRssMiB} MiB`);
    }

    // 3. COPY reference
    if (only.has('copy') && only.has('ingest')) {
    const copyDir = path.join(dataDir, 'copy');
    const byTable = await exportRows(cluster.url, copyDir, CANONICAL_TABLES);
    const copies = [];
    for (let i = 0; i < runs; i++) {
      copies.push(await copyInto(cluster.url, 'copy_reference', copyDir, CANONICAL_TABLES, byTable));
      log(`COPY run ${i + 1}: ${fmt(copies.at(-1)!.rows)} rows in ${fmt(copies.at(-1)!.ms / 1000, 2)} s`);
    }
    fs.rmSync(copyDir, { recursive: true, force: true });
    // The floor: COPY of everything the load left, once (it is several times the canonical rows)
    const state = await stateTables(cluster.url);
    const stateRows = await exportRows(cluster.url, copyDir, state);
    const whole = await copyInto(cluster.url, 'copy_reference', copyDir, state, stateRows);
    log(`COPY of the whole state: ${fmt(whole.rows)} rows in ${fmt(whole.ms / 1000, 2)} s`);
    fs.rmSync(copyDir, { recursive: true, force: true });
    const canonical = copies[0]!.rows;
    const copyMs = median(copies.map((c) => c.ms));
    const hubRowsPerSec = canonical / ingest.seconds;
    const copyRowsPerSec = (canonical * 1000) / copyMs;
    results.copy = { byTable, ms: copies.map((c) => c.ms), state: { byTable: whole.byTable, ms: whole.ms, msByTable: whole.msByTable } };
    figures.copyPct = (100 * hubRowsPerSec) / copyRowsPerSec;
    figures.copyCeilingPct = (100 * copyMs) / whole.ms;
    out.push(
      `### Ingest against COPY of the same canonical rows\n\n` +
        `| | canonical rows | seconds | rows/s |\n|---|---:|---:|---:|\n` +
        `| hub (whole load: parse, normalise, resolve identities, provenance, derive, ledger, warnings) | ${fmt(canonical)} | ${fmt(ingest.seconds, 1)} | ${fmt(hubRowsPerSec)} |\n` +
        `| PostgreSQL COPY (binary, same tables and indexes; median of ${runs}: ${copies.map((c) => fmt(c.ms / 1000, 1)).join(', ')} s) | ${fmt(canonical)} | ${fmt(copyMs / 1000, 1)} | ${fmt(copyRowsPerSec)} |\n` +
        `| **ratio hub / COPY** | | | **${fmt((100 * hubRowsPerSec) / copyRowsPerSec, 1)}%** |\n` +
        `| floor: COPY of everything the load keeps (${fmt(whole.rows)} rows in ${Object.keys(whole.byTable).length} tables, one run) | ${fmt(canonical)} | ${fmt(whole.ms / 1000, 1)} | ${fmt((canonical * 1000) / whole.ms)} |\n` +
        `| **the ratio a load that only wrote what it keeps would reach** | | | **${fmt(figures.copyCeilingPct, 1)}%** |\n\n` +
        `Canonical rows: ${Object.entries(byTable).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}. Everything kept (rows, seconds of COPY): ${Object.entries(whole.byTable).map(([t, n]) => `${t} ${fmt(n)} (${fmt(whole.msByTable[t]! / 1000, 1)} s)`).join(', ')}.`,
    );
    }

    // 4. quarterly report
    let reportWorstMs: number | null = null;
    if (only.has('report')) {
    const q = await busiestQuarter(cluster.url);
    const rep = await reportTimes(cluster.url, q.year, q.quarter);
    results.report = { ...q, groupings: rep };
    reportWorstMs = Math.max(...rep.map((r) => median(r.ms)));
    out.push(
      `### Quarterly report, ${q.year} Q${q.quarter} (the busiest quarter: ${fmt(q.counted)} counted aid records)\n\n` +
        `| grouping | first run | runs after it | median | rows |\n|---|---:|---|---:|---:|\n` +
        rep
          .map((r) => `| ${r.groupBy.length ? r.groupBy.join(' × ').toLowerCase() : 'totals only'} | ${fmt(r.cold)} ms | ${r.ms.map((m) => fmt(m)).join(', ')} ms | **${fmt(median(r.ms))} ms** | ${r.rows} |`)
          .join('\n'),
    );
    log(`report: slowest grouping's median ${fmt(reportWorstMs)} ms`);
    }

    // 5. eligibility
    if (only.has('eligibility')) {
    const eligIds = await sampleIdNumbers(cluster.url, 5000, false);
    const inProc: number[] = [];
    for (let i = 0; i < runs; i++) inProc.push(await eligibilityInProcess(cluster.url, eligIds, 10));
    const underLoad = await eligibilityUnderLoad(cluster.url, eligIds);
    results.eligibility = { rules: ELIGIBILITY_RULES, charityRules: CHARITY_RULES, inProcess: inProc, underLoad };
    out.push(
      `### Eligibility (${eligIds.length} persons)\n\n` +
        `| how | runs | median checks/s | p50 | p99 | failed |\n|---|---|---:|---:|---:|---:|\n` +
        `| in-process, one connection, back to back (10 s), the ${ELIGIBILITY_RULES.length} rules in rotation | ${inProc.map((x) => fmt(x)).join(', ')} | ${fmt(median(inProc))} | | | |\n` +
        `| GraphQL as a charity, ${connections} connections from a second process (${duration} s), the rules published for charities (${CHARITY_RULES.join(', ')}) | ${underLoad.map((s) => fmt(s.requestsPerSec)).join(', ')} | ` +
        `**${fmt(median(underLoad.map((s) => s.requestsPerSec)))}** | ${fmt(median(underLoad.map((s) => s.p50)))} ms | ${fmt(median(underLoad.map((s) => s.p99)))} ms | ` +
        `${underLoad.reduce((n, s) => n + failuresOf(s), 0)} |`,
    );
    log(`eligibility: ${fmt(median(underLoad.map((s) => s.requestsPerSec)))} checks/s through the API`);
    }

    // 6. household query, hub vs PostGraphile
    if (only.has('query')) {
      const ids = await sampleIdNumbers(cluster.url, 5000, true, CASEWORKER.county);
      const qr = await runQueryBench({ pgUrl: cluster.url, idNumbers: ids, runs, durationSec: duration, connections, log });
      results.query = qr;
      figures.throughput = qr.ratios.throughput;
      figures.p99 = qr.ratios.p99;
      out.push(`### Household aid-history query under load\n\n${formatQueryTable(qr)}`);
    }

    // 7. the console, alone and under the household query's load
    if (only.has('console')) {
      const alone = await consoleRun(cluster.url, 0);
      const loaded = await consoleRun(cluster.url, connections);
      results.console = { alone, underLoad: loaded };
      figures.console = loaded;
      const row = (what: string, f: (r: ConsoleResult) => string, budget: string) => `| ${what} | ${f(alone)} | ${f(loaded)} | ${budget} |`;
      out.push(
        `### The console (\`bench/console.ts --pg-url\`, Chromium, ${alone.runs} cold loads each, a different person each)\n\n` +
          `| measure | alone | under load | budget |\n|---|---:|---:|---:|\n` +
          [
            row('first page, gzip', (r) => `${r.firstPage.gzipKB} KB`, `≤ ${alone.budget.firstPageGzipKB} KB`),
            row('all assets, gzip', (r) => `${r.all.gzipKB} KB`, `≤ ${alone.budget.allGzipKB} KB`),
            row('first contentful paint (median)', (r) => `${fmt(r.firstContentfulPaintMs)} ms`, '—'),
            row('first meaningful paint: lookup form ready (median)', (r) => `${fmt(r.firstMeaningfulPaintMs)} ms`, `≤ ${fmt(alone.budget.firstMeaningfulPaintMs)} ms`),
            row('查询 → person page with its history (median)', (r) => `${fmt(r.lookupToPersonPageMs)} ms`, `≤ ${fmt(alone.budget.lookupMs)} ms`),
            row(
              'the household query beside it',
              (r) => (r.background ? `${r.background.connections} connections: ${fmt(r.background.requestsPerSec)} req/s, p99 ${fmt(r.background.p99)} ms, ${r.background.failed} failed` : 'none'),
              '—',
            ),
          ].join('\n'),
      );
      log(`console: lookup → person page ${alone.lookupToPersonPageMs} ms alone, ${loaded.lookupToPersonPageMs} ms under load`);
    }

    // 8. a correction delivery of 1% of every system's records, against the full load (last: it changes the database)
    if (only.has('corrections') && only.has('ingest')) {
      log('reading the exports back to pick 1% of every system to correct');
      const delivery = await correctionDelivery(dataDir, 0.01);
      const database = await openDatabase({ databaseUrl: cluster.url, dataDir: null });
      let delivered;
      try {
        delivered = await deliverCorrections(database, delivery);
      } finally {
        await database.close();
      }
      const records = delivered.reduce((n, d) => n + d.records, 0);
      const ms = delivered.reduce((n, d) => n + d.ms, 0);
      results.corrections = { share: 0.01, delivered, fullLoadMs: ingest.seconds * 1000 };
      figures.correctionPct = (100 * ms) / (ingest.seconds * 1000);
      figures.correctionRecordsPct = (100 * records) / ingest.records;
      out.push(
        `### A correction delivery of 1% of every system's records, against the full load\n\n` +
          `Every hundredth valid record of each system's exports read back through its adapter and delivered corrected, one ingest per system ` +
          `(bench/corrections.ts: amounts, persons, vouchers added or changed, veterans voucher upgrades, revocations, refund lines re-pointed, ` +
          `insurance payments that move the burden); each re-derives what it touches. Rosters and rural monitoring rows are not corrected: they carry no payment, and their record ids hold the person, so a change is another record.\n\n` +
          `| system | records | corrections applied | new | quarantined | seconds |\n|---|---:|---:|---:|---:|---:|\n` +
          delivered.map((d) => `| ${d.system} | ${fmt(d.records)} | ${fmt(d.updated)} | ${fmt(d.new)} | ${fmt(d.quarantined)} | ${fmt(d.ms / 1000, 2)} |`).join('\n') +
          `\n| **all** | ${fmt(records)} | ${fmt(delivered.reduce((n, d) => n + d.updated, 0))} | | | **${fmt(ms / 1000, 1)}** |\n\n` +
          `${fmt(figures.correctionRecordsPct, 2)}% of the full load's records in **${fmt(figures.correctionPct, 1)}%** of its time (${fmt(ms / 1000, 1)} s against ${fmt(ingest.seconds, 1)} s).`,
      );
      log(`corrections: ${fmt(records)} records in ${fmt(ms / 1000, 1)} s, ${fmt(figures.correctionPct, 1)}% of the full load`);
    }

    // 9. against the targets
    const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**not met**');
    const c = figures.console;
    out.push(
      `### Against issue 17's targets\n\n| target | measured | |\n|---|---|---|\n` +
        [
          `| bulk ingest ≥ 30% of COPY's rows/s | ${figures.copyPct === undefined ? '—' : `${fmt(figures.copyPct, 1)}%`}${figures.copyCeilingPct === undefined ? '' : ` (COPY of everything a load keeps allows at most ${fmt(figures.copyCeilingPct, 1)}%)`} | ${met(figures.copyPct === undefined ? undefined : figures.copyPct >= 30)} |`,
          `| peak RSS of the load < 768 MiB | ${figures.peakRssMiB === undefined ? '—' : `${fmt(figures.peakRssMiB)} MiB (heap capped at ${LOAD_HEAP_MIB} MiB)`} | ${met(figures.peakRssMiB === undefined ? undefined : figures.peakRssMiB < 768)} |`,
          `| 1% correction delivery < 5% of the full load's time | ${figures.correctionPct === undefined ? '—' : `${fmt(figures.correctionPct, 1)}% (${fmt(figures.correctionRecordsPct!, 2)}% of the records)`} | ${met(figures.correctionPct === undefined ? undefined : figures.correctionPct < 5)} |`,
          `| household query ≥ 1.3× PostGraphile's throughput | ${figures.throughput === undefined ? '—' : `${fmt(figures.throughput, 2)}×`} | ${met(figures.throughput === undefined ? undefined : figures.throughput >= 1.3)} |`,
          `| household query p99 no worse than PostGraphile's | ${figures.p99 === undefined ? '—' : `${fmt(figures.p99, 2)}×`} | ${met(figures.p99 === undefined ? undefined : figures.p99 <= 1)} |`,
          `| quarterly report < 1 s warm, any grouping | ${reportWorstMs === null ? '—' : `slowest grouping ${fmt(reportWorstMs)} ms`} | ${met(reportWorstMs === null ? undefined : reportWorstMs < 1000)} |`,
          `| console within its budget, under load | ${c ? `first page ${c.firstPage.gzipKB} KB, paint ${fmt(c.firstMeaningfulPaintMs)} ms, person page ${fmt(c.lookupToPersonPageMs)} ms` : '—'} | ${met(c ? c.over.length === 0 : undefined)} |`,
        ].join('\n'),
    );
  } finally {
    if (!values.keep) cluster.stop();
  }
  const text = out.join('\n\n') + '\n';
  fs.writeFileSync(path.join(dataDir, 'results.json'), JSON.stringify({ ...results, markdown: text }, null, 2));
  process.stdout.write(text);
}

await main();
