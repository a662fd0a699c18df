/**
 * The reports' SQL: the quarterly figures' pass over the quarter's aid and the fund accounts' sums
 * (quarterly.ts), the quarterly indicators' pass over stays and warnings, what was published and when, and
 * what a report document states beside its figures (data as of, policies in force).
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db, type Tx } from '../db/client.ts';
import { withoutJit } from '../overlap/store.ts';
import { KEY_CATEGORIES } from '../codes.ts';
import { adapters, socialChannelSystems } from '../../adapters/index.ts';
import { cityOf, reportCounty } from '../identity/regions.ts';
import { categoryOn, countsSql } from '../shared/rules.ts';
import { quarterRange, type Dimension } from './quarter.ts';

/* ----------------------------------------------------------------- the quarterly figures */

const COLUMN: Record<Dimension, SQL> = {
  SYSTEM: sql`b.system`,
  AGENCY: sql`b.agency`,
  PROGRAM: sql`b.program`,
  COUNTY: sql`b.county`,
  CITY: sql`b.city`,
  CATEGORY: sql`b.category`,
};

const AID_METRICS = sql`
  count(DISTINCT b.person_id) FILTER (WHERE b.counts)::int AS persons,
  count(*) FILTER (WHERE b.counts)::int AS "personTimes",
  COALESCE(sum(b.amount_fen) FILTER (WHERE b.counts), 0)::text AS amount,
  count(*) FILTER (WHERE b.duplicate_of IS NOT NULL)::int AS "duplicateCount",
  COALESCE(sum(b.amount_fen) FILTER (WHERE b.duplicate_of IS NOT NULL), 0)::text AS "duplicateAmount",
  COALESCE(sum(b.excess_fen) FILTER (WHERE b.counts), 0)::text AS excess`;

/** A row of the quarterly figures as the database returns it (the dimensions grouped by, then the metrics). */
export type QuarterRaw = Record<string, string | number | null>;

/** The regions of every county code seen, from the one table of divisions (src/identity/regions.ts), as a CTE body. */
async function regionsTable(db: Db): Promise<SQL> {
  // The distinct codes by a loose scan of persons_county_idx (one probe per code, not a pass over every person).
  const codes = (
    await rows<{ c: string | null }>(
      db,
      sql`/* report.county-codes */ WITH RECURSIVE c(code) AS (
            SELECT min(county_code) FROM persons
            UNION ALL
            SELECT (SELECT min(county_code) FROM persons WHERE county_code > c.code) FROM c WHERE c.code IS NOT NULL)
          SELECT code AS c FROM c WHERE code IS NOT NULL
          UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM persons WHERE county_code IS NULL)`,
    )
  ).map((r) => r.c ?? '');
  return sql`SELECT * FROM unnest(${A(codes)}::text[], ${A(codes.map(reportCounty))}::text[], ${A(codes.map(cityOf))}::text[]) AS r(code, county, city)`;
}

/**
 * The quarter's aid records with their dimensions, as the CTEs `regions`, `agencies` and `b`: one pass over the
 * quarter's range of `aid_records_paid_idx`, no join to persons and no lookup per record. The payer's county code
 * and category on the payment day are derived columns (src/overlap/store.ts sets them for every record of each
 * derivation's scope); a record no derivation has covered yet (category null, right after the migration that
 * added them) asks `categoryOn` itself.
 */
async function aidBase(db: Db, from: string, to: string): Promise<SQL> {
  const systems = adapters.map((a) => a.code);
  return sql`
    WITH regions AS (${await regionsTable(db)}),
    agencies AS (SELECT * FROM unnest(${A(systems)}::text[], ${A(adapters.map((a) => a.agency))}::text[]) AS g(system, agency)),
    b AS (
      SELECT a.person_id, a.system, g.agency, a.program, a.amount_fen, a.excess_fen, a.duplicate_of,
        ${countsSql('a')} AS counts,
        COALESCE(r.county, 'COUNTY_UNKNOWN') AS county, COALESCE(r.city, 'COUNTY_UNKNOWN') AS city,
        COALESCE(a.category_on_paid, ${categoryOn(sql`a.person_id`, sql`a.paid_on`)}) AS category
      FROM aid_records a
      LEFT JOIN regions r ON r.code = COALESCE(a.person_county_code, '')
      LEFT JOIN agencies g ON g.system = a.system
      WHERE a.paid_on >= ${from}::date AND a.paid_on <= ${to}::date
    )`;
}

/**
 * Runs the quarter's pass in a read-only transaction with JIT off. The planner prices the rule's lookup for
 * records not yet derived (never run once they are) and, at full scale, the pass itself above `jit_above_cost`:
 * compiling took 61 ms of a 232 ms statement at 100,000 persons and bought nothing (see `withoutJit`).
 */
function withoutJitRead<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return (db as Tx).transaction(async (tx) => {
    await withoutJit(tx);
    return work(tx);
  });
}

/** A condition that the CTE row under `alias` falls in one of the groups `keys` (values of `dims`, in order). */
function inGroups(alias: string, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): SQL {
  if (dims.length === 0) return sql`true`;
  const cols = dims.map((_, i) => sql.raw(`c${i}`));
  const arrays = sql.join(
    dims.map((_, i) => sql`${A(keys.map((k) => k[i] ?? null))}::text[]`),
    sql`, `,
  );
  const match = sql.join(
    dims.map((d, i) => sql`${sql.raw(`${alias}.${d.toLowerCase()}`)} IS NOT DISTINCT FROM k.${cols[i]}`),
    sql` AND `,
  );
  return sql`EXISTS (SELECT 1 FROM unnest(${arrays}) AS k(${sql.join(cols, sql`, `)}) WHERE ${match})`;
}

/** Distinct persons with counted aid paid from `from` to `to` over the given groups together. */
export async function aidPersonsInGroups(db: Db, from: string, to: string, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): Promise<number> {
  const base = await aidBase(db, from, to);
  const r = await withoutJitRead(db, (tx) => rows<{ n: number }>(tx, sql`/* report.persons-in-groups */ ${base} SELECT count(DISTINCT b.person_id) FILTER (WHERE b.counts)::int AS n FROM b WHERE ${inGroups('b', dims, keys)}`));
  return Number(r[0]!.n);
}

/**
 * The figures of the aid paid from `from` to `to`: without dimensions the totals alone; else one row per group
 * of `dims` (ordered by them) and the totals, in one pass over the quarter's aid (grouping sets).
 */
export async function aidAggregates(db: Db, from: string, to: string, dims: readonly Dimension[]): Promise<{ grouped: QuarterRaw[]; totals: QuarterRaw }> {
  const base = await aidBase(db, from, to);
  if (dims.length === 0) return { grouped: [], totals: (await withoutJitRead(db, (tx) => rows<QuarterRaw>(tx, sql`/* report.totals */ ${base} SELECT ${AID_METRICS} FROM b`)))[0]! };
  const cols = sql.join(dims.map((d) => sql`${COLUMN[d]} AS ${sql.raw(d.toLowerCase())}`), sql`, `);
  const by = sql.join(dims.map((d) => COLUMN[d]), sql`, `);
  const all = await withoutJitRead(db, (tx) =>
    rows<QuarterRaw & { total: number }>(
      tx,
      sql`/* report.rows */ ${base} SELECT ${cols}, ${AID_METRICS}, (GROUPING(${by}) <> 0) AS total FROM b GROUP BY GROUPING SETS ((${by}), ()) ORDER BY ${by}`,
    ),
  );
  return { grouped: all.filter((r) => !r.total), totals: all.find((r) => r.total)! };
}

/** A fund's sums for a quarter, in fen as text: the balance before it, what came in and went out in it, and what is paid but not arrived at its end. */
export interface FundSumsRow {
  fund: string;
  agency: string | null;
  program: string | null;
  opening: string;
  inflows: string;
  outflows: string;
  pna: string;
}

/**
 * The fund accounts' sums by value date (the day the money moved, so the figures follow from the current facts
 * and not from the order of delivery; a reversal or correction is netted against what it corrects, on its value
 * date), and what is paid but not arrived from its sums per fund and payment day (transit_daily, kept with the
 * records by the rule AWAITING_ARRIVAL); by fund code.
 */
export async function fundQuarterSums(db: Db, from: string, to: string): Promise<FundSumsRow[]> {
  return rows<FundSumsRow>(
    db,
    sql`/* report.funds */ SELECT f.code AS fund, f.agency, f.program,
          COALESCE(sum(d.inflows_fen - d.outflows_fen) FILTER (WHERE d.day < ${from}::date), 0)::text AS opening,
          COALESCE(sum(d.inflows_fen) FILTER (WHERE d.day >= ${from}::date AND d.day <= ${to}::date), 0)::text AS inflows,
          COALESCE(sum(d.outflows_fen) FILTER (WHERE d.day >= ${from}::date AND d.day <= ${to}::date), 0)::text AS outflows,
          COALESCE(min(t.pna), 0)::text AS pna
        FROM fund_accounts f
        LEFT JOIN ledger_daily d ON d.account_code = f.code
        LEFT JOIN (
          SELECT fund_code, sum(amount_fen) AS pna FROM transit_daily WHERE paid_on <= ${to}::date GROUP BY fund_code
        ) t ON t.fund_code = f.code
        WHERE f.kind = 'FUND'
        GROUP BY f.code, f.agency, f.program ORDER BY f.code`,
  );
}

/* ----------------------------------------------------------------- the quarterly indicators */

async function base(db: Db, year: number, quarter: number): Promise<SQL> {
  const { from, to, nextFrom } = quarterRange(year, quarter);
  const start = `${from}T00:00:00+08:00`;
  const end = `${nextFrom}T00:00:00+08:00`;
  const cst = (col: SQL) => sql`((${col}) AT TIME ZONE 'UTC' + interval '8 hours')::date`;
  return sql`
    WITH regions AS (${await regionsTable(db)}),
    stays AS (
      SELECT s.settlement_id, s.person_id, s.discharged_on, s.policy_scope_fen, s.assistance_fen, s.burden_fen, p.county_code
      FROM settlements s JOIN persons p ON p.id = s.person_id
      WHERE s.refunded_by IS NULL AND s.discharged_on >= ${from}::date AND s.discharged_on <= ${to}::date
    ),
    aid AS (
      SELECT a.linked_settlement_id AS sid,
        COALESCE(sum(a.amount_fen - a.excess_fen) FILTER (WHERE a.system <> ALL(${A(socialChannelSystems())}::text[])), 0) AS public_net,
        sum(a.amount_fen) AS all_aid
      FROM aid_records a JOIN stays x ON x.settlement_id = a.linked_settlement_id
      WHERE a.duplicate_of IS NULL AND a.status <> 'REVERSED'
      GROUP BY a.linked_settlement_id
    ),
    u AS (
      SELECT x.person_id AS pid, COALESCE(r.county, 'COUNTY_UNKNOWN') AS county, COALESCE(r.city, 'COUNTY_UNKNOWN') AS city,
        ${categoryOn(sql`x.person_id`, sql`x.discharged_on`)} AS category,
        1 AS stay, x.policy_scope_fen AS scope, x.assistance_fen + COALESCE(g.public_net, 0) AS covered,
        GREATEST(0, x.burden_fen - COALESCE(g.all_aid, 0)) AS left_fen,
        EXISTS (SELECT 1 FROM warnings w WHERE w.kind = 'MISSED_ASSISTANCE' AND w.settlement_id = x.settlement_id AND w.closed_at IS NULL)::int AS missed,
        0 AS opened, 0 AS closed
      FROM stays x LEFT JOIN regions r ON r.code = COALESCE(x.county_code, '') LEFT JOIN aid g ON g.sid = x.settlement_id
      UNION ALL
      SELECT COALESCE(w.person_id, -w.household_id), COALESCE(r.county, 'COUNTY_UNKNOWN'), COALESCE(r.city, 'COUNTY_UNKNOWN'),
        CASE WHEN w.person_id IS NULL THEN 'NONE' ELSE ${categoryOn(sql`w.person_id`, cst(sql`w.opened_at`))} END,
        0, 0, 0, 0, 0,
        (w.opened_at >= ${start}::timestamptz AND w.opened_at < ${end}::timestamptz)::int,
        (w.closed_at IS NOT NULL AND w.closed_at >= ${start}::timestamptz AND w.closed_at < ${end}::timestamptz)::int
      FROM warnings w LEFT JOIN regions r ON r.code = COALESCE(w.county_code, '')
      WHERE (w.opened_at >= ${start}::timestamptz AND w.opened_at < ${end}::timestamptz)
         OR (w.closed_at >= ${start}::timestamptz AND w.closed_at < ${end}::timestamptz)
    )`;
}

const KEY = sql`u.category = ANY(${A([...KEY_CATEGORIES])}::text[])`;
const METRICS = sql`
  count(DISTINCT u.pid)::int AS persons,
  COALESCE(sum(u.stay), 0)::int AS stays,
  COALESCE(sum(u.stay) FILTER (WHERE ${KEY}), 0)::int AS "keyStays",
  COALESCE(sum(u.scope) FILTER (WHERE ${KEY}), 0)::text AS "keyPolicyScope",
  COALESCE(sum(u.covered) FILTER (WHERE ${KEY}), 0)::text AS "keyCovered",
  COALESCE(sum(u.left_fen), 0)::text AS "burdenLeft",
  COALESCE(sum(u.missed), 0)::int AS "missedAssistance",
  COALESCE(sum(u.opened), 0)::int AS "warningsOpened",
  COALESCE(sum(u.closed), 0)::int AS "warningsClosed"`;

export type IndicatorRaw = Record<string, string | number | null | boolean>;

/**
 * The indicators of a quarter: without dimensions one row of totals; else one row per group of `dims` and the
 * totals (`total: true`), in one pass (grouping sets).
 */
export async function indicatorAggregates(db: Db, year: number, quarter: number, dims: readonly Dimension[]): Promise<Array<IndicatorRaw & { total: boolean }>> {
  const b = await base(db, year, quarter);
  if (dims.length === 0) {
    return (await rows<IndicatorRaw>(db, sql`/* report.indicators-totals */ ${b} SELECT ${METRICS} FROM u`)).map((r) => ({ ...r, total: true }));
  }
  const cols = sql.join(dims.map((d) => sql`u.${sql.raw(d.toLowerCase())} AS ${sql.raw(d.toLowerCase())}`), sql`, `);
  const by = sql.join(dims.map((d) => sql`u.${sql.raw(d.toLowerCase())}`), sql`, `);
  return rows<IndicatorRaw & { total: boolean }>(db, sql`/* report.indicators */ ${b} SELECT ${cols}, ${METRICS}, (GROUPING(${by}) <> 0) AS total FROM u GROUP BY GROUPING SETS ((${by}), ()) ORDER BY ${by}`);
}

/** Distinct persons of several indicator groups together (for folding small cells). */
export async function indicatorPersonsInGroups(db: Db, year: number, quarter: number, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): Promise<number> {
  const r = await rows<{ n: number }>(db, sql`/* report.indicators-persons-in-groups */ ${await base(db, year, quarter)} SELECT count(DISTINCT u.pid)::int AS n FROM u WHERE ${inGroups('u', dims, keys)}`);
  return Number(r[0]!.n);
}

export interface PublishedRow {
  year: number;
  quarter: number;
  group_by: string[];
  report: unknown;
  at: string;
  by: string;
  document: unknown;
  manifest: unknown;
}

/** The quarter as it was published, or null. */
export async function publishedRow(db: Db, year: number, quarter: number): Promise<PublishedRow | null> {
  const r = await rows<PublishedRow>(
    db,
    sql`/* report.published */ SELECT year, quarter, group_by, report, document, manifest, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, published_by AS by
        FROM published_reports WHERE year = ${year} AND quarter = ${quarter}`,
  );
  return r[0] ?? null;
}

/** Keeps a quarter as published (the table refuses a second time and any change). */
export async function insertPublished(
  db: Db,
  p: { year: number; quarter: number; groupBy: readonly string[]; report: unknown; publishedBy: string; publishedAt: string; document: unknown; manifest: unknown },
): Promise<void> {
  await db.execute(sql`/* report.publish */ 
    INSERT INTO published_reports (year, quarter, group_by, report, published_by, published_at, document, manifest)
    VALUES (${p.year}, ${p.quarter}, ${A(p.groupBy)}::text[], ${JSON.stringify(p.report)}::jsonb, ${p.publishedBy},
            ${p.publishedAt}::timestamptz, ${JSON.stringify(p.document)}::json, ${JSON.stringify(p.manifest)}::json)`);
}

/** The quarters published before this one, in order. */
export async function publishedBefore(db: Db, year: number, quarter: number): Promise<Array<{ year: number; quarter: number }>> {
  const r = await rows<{ year: number; quarter: number }>(
    db,
    sql`/* report.published-before */ SELECT year, quarter FROM published_reports WHERE (year, quarter) < (${year}, ${quarter}) ORDER BY year, quarter`,
  );
  return r.map((p) => ({ year: Number(p.year), quarter: Number(p.quarter) }));
}

/** When the latest delivery was applied (seconds), or null. */
export async function dataAsOf(db: Db): Promise<string | null> {
  const asOf = await rows<{ at: string | null }>(db, sql`/* report.data-as-of */ SELECT to_char(max(finished_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at FROM ingest_runs`);
  return asOf[0]?.at ?? null;
}

/** The version of every policy in force on a day. */
export async function policiesInForce(db: Db, day: string): Promise<Array<{ code: string; version: number; title: string; effective_from: string }>> {
  return rows<{ code: string; version: number; title: string; effective_from: string }>(
    db,
    sql`/* report.policies */ SELECT DISTINCT ON (code) code, version, title, effective_from::text AS effective_from FROM policies
        WHERE effective_from <= ${day}::date AND (effective_to IS NULL OR effective_to >= ${day}::date)
        ORDER BY code, effective_from DESC, version DESC`,
  );
}

/** When the quarter was published, or null. */
export async function issuedAt(db: Db, year: number, quarter: number): Promise<string | null> {
  const r = await rows<{ at: string }>(
    db,
    sql`/* report.issued */ SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM published_reports WHERE year = ${year} AND quarter = ${quarter}`,
  );
  return r[0]?.at ?? null;
}
