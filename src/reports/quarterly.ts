/**
 * The quarterly report (domain.md "Quarterly reports"): per calendar quarter of payment dates in China
 * Standard Time, grouped by any of system, agency, program, county, city and recipient category — distinct
 * persons, person-times and amount of the aid that counts, duplicates removed, excess — and per fund the
 * opening balance, inflows, outflows, closing balance, overdrawn flag and paid-not-arrived.
 *
 * Rows add up to the totals (person-times, amounts); distinct persons are counted per row and overall, so
 * a person in two rows counts once in the total. A person's category on a payment is the highest of the
 * categories held that day (key recipients first), or NONE.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db } from '../db/client.ts';
import { adapters } from '../../adapters/index.ts';
import { cityOf, reportCounty } from '../identity/regions.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { categoryOn, countsSql } from '../shared/rules.ts';

export { categoryOn };

export const DIMENSIONS = ['SYSTEM', 'AGENCY', 'PROGRAM', 'COUNTY', 'CITY', 'CATEGORY'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface ReportRow {
  system: string | null;
  agency: string | null;
  program: string | null;
  county: string | null;
  city: string | null;
  category: string | null;
  persons: number;
  personTimes: number;
  amount: bigint;
  duplicateCount: number;
  duplicateAmount: bigint;
  excess: bigint;
}

export interface FundQuarter {
  fund: string;
  agency: string | null;
  program: string | null;
  opening: bigint;
  inflows: bigint;
  outflows: bigint;
  closing: bigint;
  overdrawn: boolean;
  paidNotArrived: bigint;
}

export interface QuarterlyReport {
  year: number;
  quarter: number;
  from: string;
  to: string;
  groupBy: Dimension[];
  rows: ReportRow[];
  totals: ReportRow;
  funds: FundQuarter[];
}

export function quarterRange(year: number, quarter: number): { from: string; to: string; nextFrom: string } {
  if (!Number.isInteger(year) || year < 2000 || year > 2999) throw new HubError(ErrorCode.BAD_USER_INPUT, 'year must be between 2000 and 2999', { argument: 'year' });
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'quarter must be 1, 2, 3 or 4', { argument: 'quarter' });
  const m = (quarter - 1) * 3 + 1;
  const pad = (n: number) => String(n).padStart(2, '0');
  const from = `${year}-${pad(m)}-01`;
  const nextFrom = quarter === 4 ? `${year + 1}-01-01` : `${year}-${pad(m + 3)}-01`;
  const last = new Date(Date.UTC(Number(nextFrom.slice(0, 4)), Number(nextFrom.slice(5, 7)) - 1, 0));
  return { from, to: `${year}-${pad(last.getUTCMonth() + 1)}-${pad(last.getUTCDate())}`, nextFrom };
}

const COLUMN: Record<Dimension, SQL> = {
  SYSTEM: sql`b.system`,
  AGENCY: sql`b.agency`,
  PROGRAM: sql`b.program`,
  COUNTY: sql`b.county`,
  CITY: sql`b.city`,
  CATEGORY: sql`b.category`,
};

const METRICS = sql`
  count(DISTINCT b.person_id) FILTER (WHERE b.counts)::int AS persons,
  count(*) FILTER (WHERE b.counts)::int AS "personTimes",
  COALESCE(sum(b.amount_fen) FILTER (WHERE b.counts), 0)::text AS amount,
  count(*) FILTER (WHERE b.duplicate_of IS NOT NULL)::int AS "duplicateCount",
  COALESCE(sum(b.amount_fen) FILTER (WHERE b.duplicate_of IS NOT NULL), 0)::text AS "duplicateAmount",
  COALESCE(sum(b.excess_fen) FILTER (WHERE b.counts), 0)::text AS excess`;

type RawRow = Record<string, string | number | null>;

function toRow(r: RawRow): ReportRow {
  const s = (k: string) => (r[k] === undefined ? null : (r[k] as string | null));
  return {
    system: s('system'),
    agency: s('agency'),
    program: s('program'),
    county: s('county'),
    city: s('city'),
    category: s('category'),
    persons: Number(r.persons),
    personTimes: Number(r.personTimes),
    amount: BigInt(r.amount as string),
    duplicateCount: Number(r.duplicateCount),
    duplicateAmount: BigInt(r.duplicateAmount as string),
    excess: BigInt(r.excess as string),
  };
}

/** The regions of every county code seen, from the one table of divisions (src/identity/regions.ts), as a CTE body. */
export async function regionsTable(db: Db): Promise<SQL> {
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

/** The quarter's aid records with their dimensions, as the CTEs `regions`, `agencies` and `b`. */
async function aidBase(db: Db, from: string, to: string): Promise<SQL> {
  const systems = adapters.map((a) => a.code);
  return sql`
    WITH regions AS (${await regionsTable(db)}),
    agencies AS (SELECT * FROM unnest(${A(systems)}::text[], ${A(adapters.map((a) => a.agency))}::text[]) AS g(system, agency)),
    b AS (
      SELECT a.person_id, a.system, g.agency, a.program, a.amount_fen, a.excess_fen, a.duplicate_of,
        ${countsSql('a')} AS counts,
        COALESCE(r.county, 'COUNTY_UNKNOWN') AS county, COALESCE(r.city, 'COUNTY_UNKNOWN') AS city,
        ${categoryOn(sql`a.person_id`, sql`a.paid_on`)} AS category
      FROM aid_records a
      JOIN persons p ON p.id = a.person_id
      LEFT JOIN regions r ON r.code = COALESCE(p.county_code, '')
      LEFT JOIN agencies g ON g.system = a.system
      WHERE a.paid_on >= ${from}::date AND a.paid_on <= ${to}::date
    )`;
}

/** A condition that the CTE row `b` falls in one of the groups `keys` (values of `dims`, in order). */
export function inGroups(alias: string, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): SQL {
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

/** Distinct persons with counted aid in the quarter over the given groups together (for folding small cells). */
export async function personsInGroups(db: Db, year: number, quarter: number, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): Promise<number> {
  const { from, to } = quarterRange(year, quarter);
  const r = await rows<{ n: number }>(db, sql`/* report.persons-in-groups */ ${await aidBase(db, from, to)} SELECT count(DISTINCT b.person_id) FILTER (WHERE b.counts)::int AS n FROM b WHERE ${inGroups('b', dims, keys)}`);
  return Number(r[0]!.n);
}

export async function quarterlyReport(db: Db, year: number, quarter: number, groupBy: Dimension[] = []): Promise<QuarterlyReport> {
  const { from, to } = quarterRange(year, quarter);
  const dims = [...new Set(groupBy)];
  const base = await aidBase(db, from, to);
  // The groups and the totals in one pass over the quarter's aid (grouping sets)
  let grouped: RawRow[] = [];
  let totals: RawRow;
  if (dims.length > 0) {
    const cols = sql.join(dims.map((d) => sql`/* report.rows */ ${COLUMN[d]} AS ${sql.raw(d.toLowerCase())}`), sql`, `);
    const by = sql.join(dims.map((d) => COLUMN[d]), sql`, `);
    const all = await rows<RawRow & { total: number }>(
      db,
      sql`${base} SELECT ${cols}, ${METRICS}, (GROUPING(${by}) <> 0) AS total FROM b GROUP BY GROUPING SETS ((${by}), ()) ORDER BY ${by}`,
    );
    grouped = all.filter((r) => !r.total);
    totals = all.find((r) => r.total)!;
  } else {
    totals = (await rows<RawRow>(db, sql`/* report.totals */ ${base} SELECT ${METRICS} FROM b`))[0]!;
  }
  // The fund accounts' sums by value date (the day the money moved, so the figures follow
  // from the current facts and not from the order of delivery; a reversal or correction is netted against what it
  // corrects, on its value date), and what is paid but not arrived from the in-transit index
  const funds = await rows<{ fund: string; agency: string | null; program: string | null; opening: string; inflows: string; outflows: string; pna: string }>(
    db,
    sql`/* report.funds */ SELECT f.code AS fund, f.agency, f.program,
          COALESCE(sum(d.inflows_fen - d.outflows_fen) FILTER (WHERE d.day < ${from}::date), 0)::text AS opening,
          COALESCE(sum(d.inflows_fen) FILTER (WHERE d.day >= ${from}::date AND d.day <= ${to}::date), 0)::text AS inflows,
          COALESCE(sum(d.outflows_fen) FILTER (WHERE d.day >= ${from}::date AND d.day <= ${to}::date), 0)::text AS outflows,
          COALESCE(min(t.pna), 0)::text AS pna
        FROM fund_accounts f
        LEFT JOIN ledger_daily d ON d.account_code = f.code
        LEFT JOIN (
          SELECT fund_code, sum(amount_fen) AS pna FROM aid_records
          WHERE status = 'PAID' AND arrived_at IS NULL AND duplicate_of IS NULL AND paid_on <= ${to}::date
          GROUP BY fund_code
        ) t ON t.fund_code = f.code
        WHERE f.kind = 'FUND'
        GROUP BY f.code, f.agency, f.program ORDER BY f.code`,
  );
  return {
    year,
    quarter,
    from,
    to,
    groupBy: dims,
    rows: grouped.map(toRow),
    totals: toRow(totals),
    funds: funds.map((f) => {
      const opening = BigInt(f.opening);
      const closing = opening + BigInt(f.inflows) - BigInt(f.outflows);
      return { fund: f.fund, agency: f.agency, program: f.program, opening, inflows: BigInt(f.inflows), outflows: BigInt(f.outflows), closing, overdrawn: closing < 0n, paidNotArrived: BigInt(f.pna) };
    }),
  };
}
