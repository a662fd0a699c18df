/**
 * Person sets: the persons whose derived state a pass recomputes (derivation, ledger, warnings, review lapses),
 * and how work over every person is sliced. One layer below the domains, so that overlap, ledger, warnings and
 * review all use it without importing one another.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, type Tx } from '../db/client.ts';
import { personIdRange } from './store.ts';

/**
 * Persons whose derived state is recomputed: a list, or every person. Past a few hundred thousand persons a
 * pass over whole tables is cheaper than matching each row against a list, and holds no list in memory.
 */
export type PersonSet = { all: true } | { all: false; ids: number[] } | { all: false; from: number; below: number };

/** SQL: `column` restricted to the set (`true` for every person); stores compose it into their statements. */
export function personIn(column: SQL, set: PersonSet): SQL {
  if (set.all) return sql`true`;
  if ('ids' in set) return sql`${column} = ANY(${A(set.ids)}::bigint[])`;
  return sql`(${column} >= ${set.from} AND ${column} < ${set.below})`;
}

export function isEmptySet(set: PersonSet): boolean {
  return !set.all && 'ids' in set && set.ids.length === 0;
}

/**
 * How work over many persons is cut to bound memory: persons (ids) per slice when work over every person is done
 * slice by slice, and records (aid or donations) the ledger plans and books per statement. Settings, not
 * constants, so that the tests can make them small.
 */
export const slicing = { persons: 50_000, records: 5_000 };

/** Every person as consecutive id ranges of `slicing.persons` ids each. */
export async function personSlices(tx: Tx): Promise<PersonSet[]> {
  const range = await personIdRange(tx);
  if (range === null) return [];
  const { lo, hi } = range;
  const out: PersonSet[] = [];
  for (let from = lo; from <= hi; from += slicing.persons) out.push({ all: false, from, below: Math.min(from + slicing.persons, hi + 1) });
  return out;
}

/** `items` in consecutive chunks of `slicing.records`: what the ledger plans and books per statement. */
export function recordChunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += slicing.records) out.push(items.slice(i, i + slicing.records));
  return out;
}
