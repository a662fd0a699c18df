/**
 * The overlap rules of domain.md (2 duplicate reports, 3 suspected duplicates, 4 links to stays, 5 excess),
 * derived in set-based SQL from the records as they stand, never from the order they came in: deriving
 * again over the same records gives the same flags, links and excess, whatever the delivery order was.
 *
 * Derivation runs at the end of every ingest (and after a caseworker's or reviewer's change) over a scope
 * of persons, recomputing every derived column of their records from the current versions (never patching):
 * - the persons a change names now, and for a correction what the record said before (`stateBefore` in
 *   src/ingest/store.ts): its old person, old stay, old voucher, old household and that household's members;
 * - the owners of every touched stay (new or old, refunded or given back) and everyone whose aid names or is
 *   linked to it;
 * - closed transitively over shared vouchers (rule 2 crosses persons: A–B share one voucher, B–C another).
 * Households need no closure here: warnings are recomputed per household of every person in scope.
 * A scope past WHOLE_SCOPE_PERSONS derives everyone, slice by slice.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';
import { inferableStays, suspectedPair } from '../shared/rules.ts';

/**
 * Persons whose derived state is recomputed: a list, or every person. Past a few hundred thousand persons a
 * pass over whole tables is cheaper than matching each row against a list, and holds no list in memory.
 */
export type PersonSet = { all: true } | { all: false; ids: number[] } | { all: false; from: number; below: number };

/** `column` restricted to the set, as a SQL condition (`true` for every person). */
export function personIn(column: SQL, set: PersonSet): SQL {
  if (set.all) return sql`true`;
  if ('ids' in set) return sql`${column} = ANY(${A(set.ids)}::bigint[])`;
  return sql`(${column} >= ${set.from} AND ${column} < ${set.below})`;
}

export function isEmptySet(set: PersonSet): boolean {
  return !set.all && 'ids' in set && set.ids.length === 0;
}

/**
 * Persons per slice when work over every person is done slice by slice (to bound memory). A setting, not a
 * constant, so that the tests can make slices small.
 */
export const slicing = { persons: 50_000 };

/** Every person as consecutive id ranges of `slicing.persons` ids each. */
export async function personSlices(tx: Tx): Promise<PersonSet[]> {
  const r = await rows<{ lo: string | null; hi: string | null }>(tx, sql`SELECT min(id)::text AS lo, max(id)::text AS hi FROM persons`);
  if (r[0]!.lo === null) return [];
  const lo = Number(r[0]!.lo);
  const hi = Number(r[0]!.hi);
  const out: PersonSet[] = [];
  for (let from = lo; from <= hi; from += slicing.persons) out.push({ all: false, from, below: Math.min(from + slicing.persons, hi + 1) });
  return out;
}

/** Persons in a scope beyond which derivation covers everyone (see PersonSet). */
export const WHOLE_SCOPE_PERSONS = 200_000;

/** What a change touched; derivation widens it to everything whose outcome can depend on it. */
export class Scope {
  readonly persons = new Set<number>();
  readonly settlements = new Set<string>();
  /** Normalised vouchers a correction took a record away from (their other records are re-derived). */
  readonly vouchers = new Set<string>();
  /** Donations delivered (ids), booked into their funds after derivation. */
  readonly donations = new Set<string>();
  /** Everything: set once the scope grows past WHOLE_SCOPE_PERSONS (or by `everything()`). */
  all = false;
  addPerson(id: number | null | undefined): void {
    if (id == null || this.all) return;
    this.persons.add(id);
    if (this.persons.size > WHOLE_SCOPE_PERSONS) this.everything();
  }
  addSettlement(id: string | null | undefined): void {
    if (id && !this.all) this.settlements.add(id);
  }
  addVoucher(v: string | null | undefined): void {
    if (v && !this.all) this.vouchers.add(v);
  }
  everything(): void {
    this.all = true;
    this.persons.clear();
    this.settlements.clear();
    this.vouchers.clear();
  }
  /** Adds what another scope touched (a batch of files derives once, over the union). */
  merge(other: Scope): void {
    if (other.all) this.everything();
    for (const p of other.persons) this.addPerson(p);
    for (const s of other.settlements) this.addSettlement(s);
    for (const v of other.vouchers) this.addVoucher(v);
    for (const d of other.donations) this.donations.add(d);
  }
  get empty(): boolean {
    return !this.all && this.persons.size === 0 && this.settlements.size === 0 && this.vouchers.size === 0;
  }
}

/** Flags a record can carry (contract.md), plus REFUNDED_SETTLEMENT for aid naming a cancelled stay. */
export const FLAGS = ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH', 'INFERRED_LINK', 'REFUNDED_SETTLEMENT'] as const;

export { INFERENCE_WINDOW_DAYS } from '../shared/rules.ts';

/**
 * The persons whose derived state can depend on what the scope touched, closed transitively: the owners of
 * touched stays, everyone whose aid names or is linked to them, and everyone sharing a voucher with any of
 * those, voucher after voucher (A–B share one voucher, B–C another: all three). The scope already holds the
 * old values of what a correction changed (old owner, old stay, old voucher; see `Scope`), so the persons a
 * correction leaves are re-derived too.
 */
export async function widen(tx: Tx, scope: Scope): Promise<PersonSet> {
  if (scope.all) return { all: true };
  const persons = new Set(scope.persons);
  if (scope.settlements.size > 0) {
    const ids = [...scope.settlements];
    // The owners of changed stays and every person whose aid names or is linked to them
    const r = await rows<{ p: string }>(
      tx,
      sql`/* overlap.scope-settlements */ SELECT person_id::text AS p FROM settlements WHERE settlement_id = ANY(${A(ids)}::text[])
          UNION SELECT person_id::text FROM aid_records WHERE settlement_ref = ANY(${A(ids)}::text[])
          UNION SELECT person_id::text FROM aid_records WHERE linked_settlement_id = ANY(${A(ids)}::text[])`,
    );
    for (const x of r) persons.add(Number(x.p));
  }
  if (persons.size === 0 && scope.vouchers.size === 0) return { all: false, ids: [] };
  // Rule 2 groups records of several persons under one voucher: closed over persons and vouchers until nothing new
  // is reached, one step at a time, each step two index lookups for what the previous step added. (One recursive
  // statement did the same, but PostgreSQL estimates a recursive CTE at many times its real size: it hashed the
  // whole aid table to join the result and JIT-compiled the plan, about 0.5 s at 200,000 persons for a scope of 40.)
  const vouchers = new Set<string>();
  let newVouchers = [...scope.vouchers];
  let newPersons = [...persons];
  while (newPersons.length > 0 || newVouchers.length > 0) {
    if (newPersons.length > 0) {
      const v = await rows<{ v: string }>(
        tx,
        sql`/* overlap.scope-vouchers */ SELECT DISTINCT voucher_normalized AS v FROM aid_records
            WHERE person_id = ANY(${A(newPersons)}::bigint[]) AND voucher_normalized IS NOT NULL`,
      );
      for (const x of v) newVouchers.push(x.v);
    }
    newVouchers = [...new Set(newVouchers)].filter((v) => !vouchers.has(v));
    for (const v of newVouchers) vouchers.add(v);
    newPersons = [];
    if (newVouchers.length > 0) {
      const p = await rows<{ p: string }>(
        tx,
        sql`/* overlap.scope-voucher-persons */ SELECT DISTINCT person_id::text AS p FROM aid_records WHERE voucher_normalized = ANY(${A(newVouchers)}::text[])`,
      );
      for (const x of p) {
        const id = Number(x.p);
        if (!persons.has(id)) {
          persons.add(id);
          newPersons.push(id);
        }
      }
    }
    newVouchers = [];
  }
  return persons.size > WHOLE_SCOPE_PERSONS ? { all: true } : { all: false, ids: [...persons] };
}

export interface Derived {
  /** The persons derivation covered (the scope widened): their ledger is reconciled next. */
  persons: PersonSet;
  /** How many more records of those persons are flagged DUPLICATE / SUSPECTED_DUPLICATE than before. */
  duplicates: number;
  suspectedDuplicates: number;
}

/** Re-derives links, duplicates, conflicts, suspected duplicates, flags and excess for the scope. */
export async function derive(tx: Tx, scope: Scope): Promise<Derived> {
  const none: Derived = { persons: { all: false, ids: [] }, duplicates: 0, suspectedDuplicates: 0 };
  if (scope.empty) return none;
  const persons = await widen(tx, scope);
  if (isEmptySet(persons)) return none;
  const inScope = (column: SQL) => personIn(column, persons);

  // One statement computes every derived column of the records in scope from the records as they stand, and
  // writes each changed record once (rules 2–5 used to be five UPDATEs, each rewriting the same rows):
  //
  // Rule 4 (linked). A named settlement links when it exists, is not refunded and is the same person's; a
  // refunded one leaves general aid (flagged for review); another person's is a mismatch; one not yet arrived
  // waits (PENDING) and links when it comes. Without a settlement id, a hospital with exactly one discharge of
  // the person there in the 90 days up to the approval links as INFERRED.
  //
  // Rule 2 (dup). Under one normalised voucher, the records of one person and one amount are one payment: the
  // primary is the earliest paid (then system, then record id), the others are its duplicates. More than one
  // (person, amount) under a voucher is a conflict: all of them are flagged and all count.
  //
  // Review (review). A caseworker's review overrides the rules for one record (review_decisions, the latest in
  // force per record and kind; a decision whose facts changed has lapsed, src/review/store.ts): a dismissed DUPLICATE counts again; a confirmed suspected duplicate or conflicting report
  // stops counting, as a duplicate of the record named in the decision.
  //
  // Rule 3 (suspected). Same person, same linked stay, same amount, paid at most 3 days apart, other system, no
  // shared voucher, both counting.
  //
  // Rule 5 (excess). On each stay, the counting linked aid in payment order (then the primary order): the part
  // of each record that takes the running sum above the burden B is its excess.
  //
  // What changed is counted in SQL (old flags against new), so that a pass over millions of records returns one row.
  const counted = await rows<{ duplicates: string; suspected: string }>(
    tx,
    sql`/* overlap.derive */ 
    WITH base AS (
      SELECT a.id, a.person_id, a.system, a.record_id, a.amount_fen, a.paid_on, a.approved_on, a.status, a.voucher_normalized,
        a.settlement_ref, a.hospital_code, a.flags AS old_flags, a.link_kind AS old_kind, a.linked_settlement_id AS old_sid,
        a.duplicate_of AS old_dup, a.excess_fen AS old_excess
      FROM aid_records a WHERE ${inScope(sql`a.person_id`)}
    ),
    linked AS (
      SELECT b.*, st.settlement_id AS st_id, st.person_id AS st_person, st.refunded_by AS st_refunded,
        CASE WHEN b.settlement_ref IS NOT NULL THEN
               CASE WHEN st.settlement_id IS NULL THEN 'PENDING'
                    WHEN st.refunded_by IS NOT NULL THEN 'NONE'
                    WHEN st.person_id <> b.person_id THEN 'NONE'
                    ELSE 'EXPLICIT' END
             WHEN inf.n = 1 THEN 'INFERRED'
             ELSE 'NONE' END AS kind,
        CASE WHEN b.settlement_ref IS NOT NULL THEN
               CASE WHEN st.refunded_by IS NULL AND st.person_id = b.person_id THEN st.settlement_id END
             WHEN inf.n = 1 THEN inf.sid END AS sid,
        CASE WHEN b.voucher_normalized IS NULL OR b.status = 'REVERSED' THEN NULL ELSE
          NULLIF(first_value(b.id) OVER (PARTITION BY b.voucher_normalized, b.person_id, b.amount_fen, b.status = 'REVERSED'
                                         ORDER BY b.paid_on NULLS LAST, b.system, b.record_id), b.id) END AS rule_dup,
        (b.voucher_normalized IS NOT NULL AND b.status <> 'REVERSED'
         AND (min(b.person_id) FILTER (WHERE b.status <> 'REVERSED') OVER v <> max(b.person_id) FILTER (WHERE b.status <> 'REVERSED') OVER v
              OR min(b.amount_fen) FILTER (WHERE b.status <> 'REVERSED') OVER v <> max(b.amount_fen) FILTER (WHERE b.status <> 'REVERSED') OVER v)) AS conflict
      FROM base b
      LEFT JOIN settlements st ON st.settlement_id = b.settlement_ref
      LEFT JOIN LATERAL (
        ${inferableStays(sql`b.person_id`, sql`(CASE WHEN b.settlement_ref IS NULL THEN b.hospital_code END)`, sql`COALESCE(b.approved_on, b.paid_on)`)}
      ) inf ON true
      WINDOW v AS (PARTITION BY b.voucher_normalized)
    ),
    review AS (
      SELECT DISTINCT ON (l.aid_id) l.aid_id, CASE WHEN l.kind = 'DUPLICATE' THEN NULL ELSE l.duplicate_of END AS duplicate_of
      FROM (
        SELECT DISTINCT ON (d.aid_id, d.kind) d.aid_id, d.kind, d.decision, d.duplicate_of, d.id
        FROM review_decisions d JOIN base x ON x.id = d.aid_id
        WHERE NOT EXISTS (SELECT 1 FROM review_lapses l WHERE l.decision_id = d.id) -- in force (src/review/store.ts)
        ORDER BY d.aid_id, d.kind, d.id DESC
      ) l
      WHERE (l.kind = 'DUPLICATE' AND l.decision = 'DISMISS') OR (l.kind IN ('SUSPECTED_DUPLICATE', 'VOUCHER_CONFLICT') AND l.decision = 'CONFIRM')
      ORDER BY l.aid_id, l.id DESC
    ),
    s AS (
      SELECT l.*, CASE WHEN r.aid_id IS NOT NULL THEN r.duplicate_of ELSE l.rule_dup END AS dup_of
      FROM linked l LEFT JOIN review r ON r.aid_id = l.id
    ),
    counting AS (
      SELECT * FROM s WHERE dup_of IS NULL AND status <> 'REVERSED' AND sid IS NOT NULL AND paid_on IS NOT NULL
    ),
    suspected AS (
      SELECT DISTINCT x.id FROM counting x JOIN counting o
        ON ${suspectedPair('x', 'o', 'sid')}
       AND (x.voucher_normalized IS NULL OR o.voucher_normalized IS DISTINCT FROM x.voucher_normalized)
    ),
    excess AS (
      SELECT o.id, GREATEST(0, o.running - GREATEST(st.burden_fen, o.running - o.amount_fen)) AS excess
      FROM (
        SELECT c.id, c.amount_fen, c.sid,
          sum(c.amount_fen) OVER (PARTITION BY c.sid ORDER BY COALESCE(c.paid_on, 'infinity'::date), c.system, c.record_id) AS running
        FROM s c WHERE c.sid IS NOT NULL AND c.dup_of IS NULL AND c.status <> 'REVERSED'
      ) o
      JOIN settlements st ON st.settlement_id = o.sid AND st.refunded_by IS NULL
    ),
    f AS (
      SELECT s.id, s.kind, s.sid, s.dup_of, COALESCE(e.excess, 0) AS excess, s.old_kind, s.old_sid, s.old_dup, s.old_excess, s.old_flags,
        array_remove(ARRAY[
          CASE WHEN s.dup_of IS NOT NULL THEN 'DUPLICATE' END,
          CASE WHEN s.conflict THEN 'VOUCHER_CONFLICT' END,
          CASE WHEN sp.id IS NOT NULL THEN 'SUSPECTED_DUPLICATE' END,
          CASE WHEN s.st_id IS NOT NULL AND s.st_person <> s.person_id AND s.st_refunded IS NULL THEN 'SETTLEMENT_PERSON_MISMATCH' END,
          CASE WHEN s.kind = 'INFERRED' THEN 'INFERRED_LINK' END,
          CASE WHEN s.st_refunded IS NOT NULL THEN 'REFUNDED_SETTLEMENT' END
        ], NULL) AS flags
      FROM s LEFT JOIN suspected sp ON sp.id = s.id LEFT JOIN excess e ON e.id = s.id
    )
    , updated AS (
      UPDATE aid_records a SET link_kind = f.kind, linked_settlement_id = f.sid, duplicate_of = f.dup_of, flags = f.flags, excess_fen = f.excess
      FROM f
      WHERE a.id = f.id AND (f.old_kind IS DISTINCT FROM f.kind OR f.old_sid IS DISTINCT FROM f.sid OR f.old_dup IS DISTINCT FROM f.dup_of
                             OR f.old_flags IS DISTINCT FROM f.flags OR f.old_excess IS DISTINCT FROM f.excess)
      RETURNING f.old_flags AS old, f.flags AS new
    )
    SELECT COALESCE(sum(('DUPLICATE' = ANY(new))::int - ('DUPLICATE' = ANY(old))::int), 0)::text AS duplicates,
           COALESCE(sum(('SUSPECTED_DUPLICATE' = ANY(new))::int - ('SUSPECTED_DUPLICATE' = ANY(old))::int), 0)::text AS suspected
    FROM updated`,
  );
  return { persons, duplicates: Number(counted[0]!.duplicates), suspectedDuplicates: Number(counted[0]!.suspected) };
}

/** Derives everything anew (after a migration that changes a rule, or to check a database). */
export async function deriveAll(tx: Tx): Promise<void> {
  const scope = new Scope();
  scope.everything();
  await derive(tx, scope);
}
