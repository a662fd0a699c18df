/**
 * EXPLAIN ANALYZE of the quarterly report's statements (issue 17): runs quarterlyReport once with every
 * statement it sends prefixed by EXPLAIN (ANALYZE, BUFFERS) and prints the plans, then times it.
 *
 *   npx tsx bench/report-explain.ts --pg-url postgres://… [--year 2025 --quarter 4] [--group AGENCY,COUNTY] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, rows } from '../src/db/client.ts';
import { quarterlyReport, type Dimension } from '../src/reports/quarterly.ts';

const { values } = parseArgs({
  options: {
    'pg-url': { type: 'string' },
    year: { type: 'string' },
    quarter: { type: 'string' },
    group: { type: 'string', default: 'AGENCY,COUNTY' },
    runs: { type: 'string', default: '3' },
    'no-explain': { type: 'boolean', default: false },
    /** Planner settings for the timed runs (each run in a transaction with SET LOCAL), e.g. 'enable_hashjoin=off'. */
    set: { type: 'string' },
  },
});
const database = await openDatabase({ databaseUrl: values['pg-url']!, dataDir: null });
try {
  let year = Number(values.year);
  let quarter = Number(values.quarter);
  if (!values.year) {
    const r = await rows<{ y: number; q: number }>(
      database.db,
      sql`SELECT extract(year FROM paid_on)::int AS y, extract(quarter FROM paid_on)::int AS q FROM aid_records
          WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND paid_on IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
    );
    year = r[0]!.y;
    quarter = r[0]!.q;
  }
  const dims = values.group === '' ? [] : (values.group!.split(',') as Dimension[]);
  if (!values['no-explain']) {
    const db = database.db;
    type Handle = { execute: (q: SQL) => Promise<unknown>; transaction: (work: (tx: Handle) => Promise<unknown>) => Promise<unknown> };
    // Every statement on the handle, and on the transactions it opens (the aid pass runs in one, JIT off), is explained first.
    const explaining = (h: Handle): Handle & { restore: () => void } => {
      const execute = h.execute.bind(h);
      const transaction = h.transaction.bind(h);
      h.execute = async (q: SQL) => {
        const text = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string } } }).dialect.sqlToQuery(q).sql;
        if (/^\s*(\/\*.*?\*\/\s*)?(WITH|SELECT)/s.test(text) && /aid_records|ledger_daily/.test(text)) {
          const plan = (await execute(sql`EXPLAIN (ANALYZE, BUFFERS) ${q}`)) as unknown as { rows: Array<Record<string, string>> };
          console.log(`\n-- ${text.slice(0, 120).replace(/\s+/g, ' ')}\n${plan.rows.map((r) => Object.values(r)[0]).join('\n')}`);
        }
        return execute(q);
      };
      h.transaction = (work) => transaction((tx) => work(explaining(tx)));
      return Object.assign(h, { restore: () => void Object.assign(h, { execute, transaction }) });
    };
    const patched = explaining(db as unknown as Handle);
    await quarterlyReport(db, year, quarter, dims);
    patched.restore();
  }
  const ms: number[] = [];
  for (let i = 0; i < Number(values.runs) + 1; i++) {
    const t = process.hrtime.bigint();
    if (values.set) {
      await database.db.transaction(async (tx) => {
        for (const kv of values.set!.split(',')) await tx.execute(sql.raw(`SET LOCAL ${kv}`));
        await quarterlyReport(tx as never, year, quarter, dims);
      });
    } else await quarterlyReport(database.db, year, quarter, dims);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`\n${year} Q${quarter} by ${dims.join(' × ') || 'totals only'}: first ${ms[0]!.toFixed(0)} ms, then ${ms.slice(1).map((m) => m.toFixed(0)).join(', ')} ms`);
} finally {
  await database.close();
}
