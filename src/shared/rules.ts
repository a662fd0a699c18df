/**
 * The rules of domain.md that several modules use, each written once (style: "one home per rule"):
 * the one order of recipient categories (就高不重复), what "counts" means for an aid record, a stay's
 * remaining capacity and excess, its net burden, and the inference of a stay from a hospital (rule 4).
 * Each rule has its TypeScript form and, where SQL needs it, its SQL form; the two say the same thing.
 */
import { sql, type SQL } from 'drizzle-orm';
import { STATUS_CATEGORIES } from '../codes.ts';

/* ----------------------------------------------------------------- highest category */

/** The one order of categories, highest first (domain.md "Recipient categories"). */
export const CATEGORY_ORDER: readonly string[] = STATUS_CATEGORIES;

const ORDER_SQL = sql.raw(`ARRAY[${CATEGORY_ORDER.map((c) => `'${c}'`).join(',')}]::text[]`);

/** The highest of the categories held (null when none is a known category). */
export function highestCategory(categories: Iterable<string>): string | null {
  let best: string | null = null;
  let rank = Infinity;
  for (const c of categories) {
    const r = CATEGORY_ORDER.indexOf(c);
    if (r >= 0 && r < rank) {
      rank = r;
      best = c;
    }
  }
  return best;
}

/** SQL: the rank of a category column in the one order (1 = highest), for ORDER BY. */
export function categoryRank(column: SQL): SQL {
  return sql`array_position(${ORDER_SQL}, ${column})`;
}

/**
 * SQL: the statuses row under `alias` is in force on `day` (a date expression). A status's end date is its last
 * day in force (domain.md "Recipient categories"); no end date means still in force.
 */
export function statusInForce(alias: string, day: SQL): SQL {
  const s = sql.raw(alias);
  return sql`(${s}.valid_from <= ${day} AND (${s}.valid_to IS NULL OR ${s}.valid_to >= ${day}))`;
}

/**
 * SQL: a person's recipient category on a day: the highest status held that day in the one order
 * (就高不重复), or NONE. Every report figure by category uses this expression.
 */
export function categoryOn(personId: SQL, day: SQL): SQL {
  return sql`COALESCE((SELECT s.category FROM statuses s WHERE s.person_id = ${personId} AND ${statusInForce('s', day)}
                ORDER BY ${categoryRank(sql`s.category`)} LIMIT 1), 'NONE')`;
}

/** SQL aggregate: the highest category among the rows of a group (use in place of min(category)). */
export function highestCategoryAgg(column: SQL): SQL {
  return sql`(${ORDER_SQL})[min(array_position(${ORDER_SQL}, ${column}))]`;
}

/* ----------------------------------------------------------------- rule 3 */

/** Payment dates at most this many days apart make a suspected duplicate (rule 3). */
export const SUSPECT_WINDOW_DAYS = 3;

/**
 * SQL: records `o` and `x` (aliases) are a suspected pair by rule 3: the same person, the same stay (column
 * `stay` of both), different systems, the same amount, payment dates at most SUSPECT_WINDOW_DAYS apart. The
 * derivation adds "both count, no shared voucher"; the review queue uses it to show a record's partners.
 */
export function suspectedPair(x: string, o: string, stay: string): SQL {
  const [a, b, st] = [sql.raw(x), sql.raw(o), sql.raw(stay)];
  return sql`(${b}.person_id = ${a}.person_id AND ${b}.${st} = ${a}.${st} AND ${b}.id <> ${a}.id AND ${b}.system <> ${a}.system
    AND ${b}.amount_fen = ${a}.amount_fen AND abs(${b}.paid_on - ${a}.paid_on) <= ${SUSPECT_WINDOW_DAYS}::int)`;
}

/* ----------------------------------------------------------------- what counts */

/** An aid record counts in totals, capacity and burden when it is neither a duplicate nor reversed (rules 2, 5). */
export function counts(a: { duplicateOf: number | null; status: string }): boolean {
  return a.duplicateOf === null && a.status !== 'REVERSED';
}

/** SQL form of `counts`, for the aid_records row under `alias`. */
export function countsSql(alias: string): SQL {
  const a = sql.raw(alias);
  return sql`(${a}.duplicate_of IS NULL AND ${a}.status <> 'REVERSED')`;
}

/* ----------------------------------------------------------------- capacity, excess, net burden */

/** Rule 6: what a stay can still take. A cancelled (refunded) stay takes nothing. */
export function remainingOf(burden: bigint, counted: bigint, refunded = false): bigint {
  return refunded || counted >= burden ? 0n : burden - counted;
}

/** Rule 5: the excess of a stay, max(0, Σ counted aid − B); a cancelled stay has none. */
export function excessOf(burden: bigint, counted: bigint, refunded = false): bigint {
  return refunded || counted <= burden ? 0n : counted - burden;
}

/** SQL: a stay's net burden, max(0, B − counted aid) (warnings, the charity rule). */
export function netBurdenSql(burden: SQL, counted: SQL): SQL {
  return sql`GREATEST(0, ${burden} - COALESCE(${counted}, 0))`;
}

/* ----------------------------------------------------------------- rule 4: inferred stay */

/** Days before the approval within which a discharge at the named hospital may be linked (rule 4). */
export const INFERENCE_WINDOW_DAYS = 90;

/**
 * SQL: the stays rule 4 can infer for aid of `person` naming `hospital` and approved on `approvedOn`
 * (payment date when no approval date): `n` such stays and the smallest id `sid`. A link is inferred when
 * n = 1. Used by the derivation and by the capacity check before approval, so both link alike.
 */
export function inferableStays(person: SQL, hospital: SQL, approvedOn: SQL): SQL {
  return sql`SELECT count(*) AS n, min(x.settlement_id) AS sid FROM settlements x
    WHERE ${hospital} IS NOT NULL AND x.person_id = ${person} AND x.hospital_code = ${hospital} AND x.refunded_by IS NULL
      AND x.discharged_on BETWEEN ${approvedOn} - ${INFERENCE_WINDOW_DAYS}::int AND ${approvedOn}`;
}

/* ----------------------------------------------------------------- the fund pool */

/**
 * SQL: an aid_records row (unqualified columns) is paid and its arrival not confirmed, and counts (a duplicate
 * report is paid once, through its primary). The follow-up list adds "paid at least 30 days ago", the report's fund
 * figures "paid by the quarter's end". The partial index `aid_records_in_transit_idx` (src/db/schema.ts)
 * is declared with this very fragment, so a query using it can use the index. The report reads its sums per fund
 * and payment day from `transit_daily`, kept by triggers (migration 0021) that spell the fragment out in SQL;
 * test/support/replay.ts checks after every replay scenario that the two agree.
 */
export const AWAITING_ARRIVAL: SQL = sql`status = 'PAID' AND arrived_at IS NULL AND duplicate_of IS NULL`;

/** A fund is overdrawn when its balance is below zero (domain.md "The fund pool": flagged in the reports). */
export function overdrawn(balanceFen: bigint): boolean {
  return balanceFen < 0n;
}
