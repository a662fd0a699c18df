/**
 * The quarterly report before and after a change, in one run on one loaded database (issue 17): the report
 * module of `--before` (a git ref) is timed first on the database as it is, then the pending migrations are
 * applied (and the touched tables vacuumed, as autovacuum would), then the current module is timed, and
 * both modules' answers are compared (JSON of rows, totals and funds) for several quarters and groupings.
 *
 *   npx tsx bench/report-before-after.ts --pg-url postgres://… --before 11239c9 [--runs 5]
 *
 * Run it on a database migrated only up to the `--before` ref's migrations, else both sides get the indexes.
 * After the migrations the whole database is derived again (the current derivation fills any derived column a
 * migration added), timed; and the derivation's statement of both sides is timed once more on the derived data
 * in a transaction rolled back (what a change of derived columns costs every ingest).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, rows, transaction, type Tx } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { quarterlyReport, quarterRange, type Dimension } from '../src/reports/quarterly.ts';
import { aidAggregates } from '../src/reports/store.ts';
import { deriveAll } from '../src/overlap/derive.ts';
import { withoutJit } from '../src/overlap/store.ts';

const { values } = parseArgs({ options: { 'pg-url': { type: 'string' }, before: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const oldDir = path.join(ROOT, `.before-${process.pid}`); // two levels below the root, as src/<module>/ is

/**
 * Writes `file` (under src/) as it was at the `--before` ref into oldDir/<its folder>/, with the files of its own
 * folder it imports ('./x.ts') likewise; imports of other folders point at the current src/. Returns the path.
 */
function oldModule(file: string): string {
  const dir = path.dirname(file);
  const seen = new Set<string>();
  const copy = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const source = execFileSync('git', ['show', `${values.before}:${dir}/${name}`], { cwd: ROOT, encoding: 'utf8' });
    fs.mkdirSync(path.join(oldDir, path.basename(dir)), { recursive: true });
    fs.writeFileSync(path.join(oldDir, path.basename(dir), name), source.replace(/from '\.\.\/(?!\.\.)/g, "from '../../src/"));
    for (const m of source.matchAll(/from '\.\/([\w.-]+\.ts)'/g)) copy(m[1]!);
  };
  copy(path.basename(file));
  return path.join(oldDir, path.basename(dir), path.basename(file));
}

/** Milliseconds of `work` in a transaction that is rolled back afterwards (the database stays as it was). */
async function timedRolledBack(database: Awaited<ReturnType<typeof openDatabase>>, work: (tx: Tx) => Promise<unknown>): Promise<number> {
  let ms = 0;
  await transaction(database, async (tx) => {
    await withoutJit(tx);
    const t = process.hrtime.bigint();
    await work(tx);
    ms = Number(process.hrtime.bigint() - t) / 1e6;
    throw new RolledBack();
  }).catch((e) => {
    if (!(e instanceof RolledBack)) throw e;
  });
  return ms;
}
class RolledBack extends Error {}

const database = await openDatabase({ databaseUrl: values['pg-url']!, dataDir: null });
try {
  const before = (await import(oldModule('src/reports/quarterly.ts'))) as { quarterlyReport: typeof quarterlyReport };
  const beforeStore = (await import(oldModule('src/reports/store.ts'))) as { aidAggregates: typeof aidAggregates };
  const beforeDerive = (await import(oldModule('src/overlap/derive.ts'))) as { deriveAll: typeof deriveAll };
  const busiest = await rows<{ y: number; q: number }>(
    database.db,
    sql`SELECT extract(year FROM paid_on)::int AS y, extract(quarter FROM paid_on)::int AS q FROM aid_records
        WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND paid_on IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
  );
  const { y, q } = busiest[0]!;
  const groupings: Dimension[][] = [['AGENCY', 'COUNTY'], ['CITY', 'PROGRAM'], [], ['CATEGORY'], ['SYSTEM', 'CATEGORY', 'COUNTY']];
  const j = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  const time = async (f: (db: typeof database.db, y: number, q: number, g: Dimension[]) => Promise<unknown>, g: Dimension[]) => {
    const ms: number[] = [];
    let answer = '';
    for (let i = 0; i <= Number(values.runs); i++) {
      const t = process.hrtime.bigint();
      answer = j(await f(database.db, y!, q!, g));
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const warm = ms.slice(1).sort((a, b) => a - b);
    return { cold: ms[0]!, median: warm[warm.length >> 1]!, min: warm[0]!, answer };
  };
  type Timed = Awaited<ReturnType<typeof time>>;
  // The aid pass alone (the quarter's figures, without the funds' sums and the regions' codes), each side's store.
  const { from, to } = quarterRange(y!, q!);
  const aidPass = (f: typeof aidAggregates) => (db: typeof database.db, _y: number, _q: number, g: Dimension[]) => f(db, from, to, g);
  const results: Array<{ g: string; before: Timed; after?: Timed; beforePass: Timed; beforeMigrated?: Timed; afterPass?: Timed }> = [];
  for (const g of groupings) results.push({ g: g.join(' × ') || 'totals only', before: await time(before.quarterlyReport, g), beforePass: await time(aidPass(beforeStore.aidAggregates), g) });
  const deriveBefore = await timedRolledBack(database, (tx) => beforeDerive.deriveAll(tx));
  let t0 = Date.now();
  await migrate(database);
  console.error(`migrations in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  await transaction(database, async (tx) => {
    await withoutJit(tx);
    await deriveAll(tx);
  });
  console.error(`derived everything again (the current derivation, writing what changed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  // The derivation just rewrote every aid record once (the new columns): compact the table, as a load of fresh data
  // would leave it, so that both modules read the same compact table and index below.
  await database.db.execute(sql.raw('VACUUM FULL aid_records'));
  for (const t of ['aid_records', 'persons', 'statuses']) await database.db.execute(sql.raw(`VACUUM ANALYZE ${t}`));
  console.error(`VACUUM FULL aid_records, VACUUM ANALYZE in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const deriveAfter = await timedRolledBack(database, (tx) => deriveAll(tx));
  console.log(`\nderiving every person on derived data (nothing to write), one run each: before ${deriveBefore.toFixed(0)} ms, after ${deriveAfter.toFixed(0)} ms`);
  for (let i = 0; i < groupings.length; i++) {
    // The old module again on the migrated, compacted database: the same tables, pages and cache as the new one.
    results[i]!.beforeMigrated = await time(aidPass(beforeStore.aidAggregates), groupings[i]!);
    results[i]!.after = await time(quarterlyReport, groupings[i]!);
    results[i]!.afterPass = await time(aidPass(aidAggregates), groupings[i]!);
  }
  console.log(`\n${y} Q${q}, median of ${values.runs} warm runs after a first one (ms):\n`);
  console.log('| grouping | before: first | before: median (min) | after: first | after: median (min) | after / before | same answer |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const a = r.after!;
    console.log(`| ${r.g} | ${r.before.cold.toFixed(0)} | ${r.before.median.toFixed(0)} (${r.before.min.toFixed(0)}) | ${a.cold.toFixed(0)} | ${a.median.toFixed(0)} (${a.min.toFixed(0)}) | ${(a.median / r.before.median).toFixed(2)} | ${a.answer === r.before.answer ? 'yes' : 'NO'} |`);
  }
  // Other quarters: the same answers.
  for (const [yy, qq] of [[2025, 1], [2025, 3], [2026, 1], [2026, 3], [2019, 1]] as const) {
    for (const g of groupings) {
      if (j(await before.quarterlyReport(database.db, yy, qq, g)) !== j(await quarterlyReport(database.db, yy, qq, g))) {
        console.log(`DIFFERENT: ${yy} Q${qq} ${g.join(' × ')}`);
        process.exitCode = 1;
      }
    }
  }
  console.log(`\nThe aid pass alone (store.aidAggregates: rows and totals, no funds), median of ${values.runs} warm runs (ms):\n`);
  console.log('| grouping | before: median (min) | before, on the migrated database: median (min) | after: median (min) | after / before (migrated) | same answer |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of results) {
    const [b, m, a] = [r.beforePass, r.beforeMigrated!, r.afterPass!];
    console.log(`| ${r.g} | ${b.median.toFixed(0)} (${b.min.toFixed(0)}) | ${m.median.toFixed(0)} (${m.min.toFixed(0)}) | ${a.median.toFixed(0)} (${a.min.toFixed(0)}) | ${(a.median / m.median).toFixed(2)} | ${a.answer === b.answer && m.answer === b.answer ? 'yes' : 'NO'} |`);
  }
  if (results.some((r) => r.after!.answer !== r.before.answer || r.afterPass!.answer !== r.beforePass.answer)) process.exitCode = 1;
} finally {
  fs.rmSync(oldDir, { recursive: true, force: true });
  await database.close();
}
