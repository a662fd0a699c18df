/**
 * The quarterly report before and after a change, in one run on one loaded database (issue 17): the report
 * module of `--before` (a git ref) is timed first on the database as it is, then the pending migrations are
 * applied (and the touched tables vacuumed, as autovacuum would), then the current module is timed, and
 * both modules' answers are compared (JSON of rows, totals and funds) for several quarters and groupings.
 *
 *   npx tsx bench/report-before-after.ts --pg-url postgres://… --before 11239c9 [--runs 5]
 *
 * Run it on a database migrated only up to the `--before` ref's migrations, else both sides get the indexes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, rows } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { quarterlyReport, type Dimension } from '../src/reports/quarterly.ts';

const { values } = parseArgs({ options: { 'pg-url': { type: 'string' }, before: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const oldFile = path.join(ROOT, 'bench', `.report-before-${process.pid}.ts`);
const source = execFileSync('git', ['show', `${values.before}:src/reports/quarterly.ts`], { cwd: ROOT, encoding: 'utf8' })
  .replace(/from '\.\.\/\.\.\/adapters\//g, "from '../adapters/")
  .replace(/from '\.\.\/(db|identity|shared|ledger)\//g, "from '../src/$1/");
fs.writeFileSync(oldFile, source);
const database = await openDatabase({ databaseUrl: values['pg-url']!, dataDir: null });
try {
  const before = (await import(oldFile)) as { quarterlyReport: typeof quarterlyReport };
  const busiest = await rows<{ y: number; q: number }>(
    database.db,
    sql`SELECT extract(year FROM paid_on)::int AS y, extract(quarter FROM paid_on)::int AS q FROM aid_records
        WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND paid_on IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
  );
  const { y, q } = busiest[0]!;
  const groupings: Dimension[][] = [['AGENCY', 'COUNTY'], ['CITY', 'PROGRAM'], [], ['CATEGORY'], ['SYSTEM', 'CATEGORY', 'COUNTY']];
  const j = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  const time = async (f: typeof quarterlyReport, g: Dimension[]) => {
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
  const results: Array<{ g: string; before: Awaited<ReturnType<typeof time>>; after?: Awaited<ReturnType<typeof time>> }> = [];
  for (const g of groupings) results.push({ g: g.join(' × ') || 'totals only', before: await time(before.quarterlyReport, g) });
  const t0 = Date.now();
  await migrate(database);
  for (const t of ['aid_records', 'persons', 'statuses']) await database.db.execute(sql.raw(`VACUUM ANALYZE ${t}`));
  console.error(`migrations and VACUUM ANALYZE in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (let i = 0; i < groupings.length; i++) results[i]!.after = await time(quarterlyReport, groupings[i]!);
  console.log(`\n${y} Q${q}, median of ${values.runs} warm runs after a first one (ms):\n`);
  console.log('| grouping | before: first | before: median (min) | after: first | after: median (min) | after / before | same answer |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const a = r.after!;
    console.log(`| ${r.g} | ${r.before.cold.toFixed(0)} | ${r.before.median.toFixed(0)} (${r.before.min.toFixed(0)}) | ${a.cold.toFixed(0)} | ${a.median.toFixed(0)} (${a.min.toFixed(0)}) | ${(a.median / r.before.median).toFixed(2)} | ${a.answer === r.before.answer ? 'yes' : 'NO'} |`);
  }
  // Other quarters: the same answers.
  for (const [yy, qq] of [[2026, 1], [2026, 3], [2019, 1]] as const) {
    for (const g of groupings) {
      if (j(await before.quarterlyReport(database.db, yy, qq, g)) !== j(await quarterlyReport(database.db, yy, qq, g))) {
        console.log(`DIFFERENT: ${yy} Q${qq} ${g.join(' × ')}`);
        process.exitCode = 1;
      }
    }
  }
  if (results.some((r) => r.after!.answer !== r.before.answer)) process.exitCode = 1;
} finally {
  fs.rmSync(oldFile, { force: true });
  await database.close();
}
