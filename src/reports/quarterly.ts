/**
 * The quarterly report (domain.md "Quarterly reports"): per calendar quarter of payment dates in China
 * Standard Time, grouped by any of system, agency, program, county, city and recipient category — distinct
 * persons, person-times and amount of the aid that counts, duplicates removed, excess — and per fund the
 * opening balance, inflows, outflows, closing balance, overdrawn flag and paid-not-arrived.
 *
 * Rows add up to the totals (person-times, amounts); distinct persons are counted per row and overall, so
 * a person in two rows counts once in the total. A person's category on a payment is the highest of the
 * categories held that day (key recipients first), or NONE. The statements are in store.ts.
 */
import type { Db } from '../db/client.ts';
import { quarterRange, type Dimension } from './quarter.ts';
import * as store from './store.ts';
import { overdrawn } from '../shared/rules.ts';
import type { QuarterRaw as RawRow } from './store.ts';

export { DIMENSIONS, quarterRange, type Dimension } from './quarter.ts';

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

/** Distinct persons with counted aid in the quarter over the given groups together (for folding small cells). */
export async function personsInGroups(db: Db, year: number, quarter: number, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): Promise<number> {
  const { from, to } = quarterRange(year, quarter);
  return store.aidPersonsInGroups(db, from, to, dims, keys);
}

export async function quarterlyReport(db: Db, year: number, quarter: number, groupBy: Dimension[] = []): Promise<QuarterlyReport> {
  const { from, to } = quarterRange(year, quarter);
  const dims = [...new Set(groupBy)];
  const { grouped, totals } = await store.aidAggregates(db, from, to, dims);
  const funds = await store.fundQuarterSums(db, from, to);
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
      return { fund: f.fund, agency: f.agency, program: f.program, opening, inflows: BigInt(f.inflows), outflows: BigInt(f.outflows), closing, overdrawn: overdrawn(closing), paidNotArrived: BigInt(f.pna) };
    }),
  };
}
