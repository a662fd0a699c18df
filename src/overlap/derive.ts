/**
 * The overlap rules of domain.md (2 duplicate reports, 3 suspected duplicates, 4 links to stays, 5 excess),
 * derived in set-based SQL from the records as they stand, never from the order they came in: deriving
 * again over the same records gives the same flags, links and excess, whatever the delivery order was.
 *
 * Derivation runs at the end of every ingest (and after a caseworker's or reviewer's change) over a scope
 * of persons: those the change touched, the persons whose aid names a settlement that changed, and the
 * persons sharing a voucher with any of them (rule 2 crosses persons).
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';

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
  everything(): void {
    this.all = true;
    this.persons.clear();
    this.settlements.clear();
  }
  /** Adds what another scope touched (a batch of files derives once, over the union). */
  merge(other: Scope): void {
    if (other.all) this.everything();
    for (const p of other.persons) this.addPerson(p);
    for (const s of other.settlements) this.addSettlement(s);
    for (const d of other.donations) this.donations.add(d);
  }
  get empty(): boolean {
    return !this.all && this.persons.size === 0 && this.settlements.size === 0;
  }
}

/** Flags a record can carry (contract.md), plus REFUNDED_SETTLEMENT for aid naming a cancelled stay. */
export const FLAGS = ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH', 'INFERRED_LINK', 'REFUNDED_SETTLEMENT'] as const;

/** Days before the approval within which a discharge at the named hospital may be linked (rule 4). */
export const INFERENCE_WINDOW_DAYS = 90;
/** Payment dates at most this many days apart make a suspected duplicate (rule 3). */
export const SUSPECT_WINDOW_DAYS = 3;

async function widen(tx: Tx, scope: Scope): Promise<PersonSet> {
  if (scope.all) return { all: true };
  const persons = new Set(scope.persons);
  if (scope.settlements.size > 0) {
    const ids = [...scope.settlements];
    // label: overlap.scope-settlements — the owners of changed stays and every person whose aid names them
    const r = await rows<{ p: string }>(
      tx,
      sql`SELECT person_id::text AS p FROM settlements WHERE settlement_id = ANY(${A(ids)}::text[])
          UNION SELECT person_id::text FROM aid_records WHERE settlement_ref = ANY(${A(ids)}::text[])`,
    );
    for (const x of r) persons.add(Number(x.p));
  }
  if (persons.size === 0) return { all: false, ids: [] };
  // label: overlap.scope-vouchers — rule 2 groups records of several persons under one voucher
  const r = await rows<{ p: string }>(
    tx,
    sql`SELECT DISTINCT b.person_id::text AS p FROM aid_records a JOIN aid_records b ON b.voucher_normalized = a.voucher_normalized
        WHERE a.person_id = ANY(${A([...persons])}::bigint[]) AND a.voucher_normalized IS NOT NULL`,
  );
  for (const x of r) persons.add(Number(x.p));
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

  // Rule 4. A named settlement links when it exists, is not refunded and is the same person's; a refunded
  // one leaves general aid (flagged for review); another person's is a mismatch; one not yet arrived waits
  // (PENDING) and links when it comes. Without a settlement id, a hospital with exactly one discharge of
  // the person there in the 90 days up to the approval links as INFERRED.
  // label: overlap.links
  await tx.execute(sql`
    UPDATE aid_records a SET link_kind = l.kind, linked_settlement_id = l.sid
    FROM (
      SELECT a.id,
        CASE WHEN a.settlement_ref IS NOT NULL THEN
               CASE WHEN s.settlement_id IS NULL THEN 'PENDING'
                    WHEN s.refunded_by IS NOT NULL THEN 'NONE'
                    WHEN s.person_id <> a.person_id THEN 'NONE'
                    ELSE 'EXPLICIT' END
             WHEN inf.n = 1 THEN 'INFERRED'
             ELSE 'NONE' END AS kind,
        CASE WHEN a.settlement_ref IS NOT NULL THEN
               CASE WHEN s.refunded_by IS NULL AND s.person_id = a.person_id THEN s.settlement_id END
             WHEN inf.n = 1 THEN inf.sid END AS sid
      FROM aid_records a
      LEFT JOIN settlements s ON s.settlement_id = a.settlement_ref
      LEFT JOIN LATERAL (
        SELECT count(*) AS n, min(x.settlement_id) AS sid FROM settlements x
        WHERE a.settlement_ref IS NULL AND a.hospital_code IS NOT NULL AND x.person_id = a.person_id
          AND x.hospital_code = a.hospital_code AND x.refunded_by IS NULL
          AND x.discharged_on BETWEEN COALESCE(a.approved_on, a.paid_on) - ${INFERENCE_WINDOW_DAYS}::int AND COALESCE(a.approved_on, a.paid_on)
      ) inf ON true
      WHERE ${inScope(sql`a.person_id`)}
    ) l
    WHERE a.id = l.id AND (a.link_kind IS DISTINCT FROM l.kind OR a.linked_settlement_id IS DISTINCT FROM l.sid)`);

  // Rule 2. Under one normalised voucher, the records of one person and one amount are one payment: the
  // primary is the earliest paid (then system, then record id), the others are its duplicates. More than
  // one (person, amount) under a voucher is a conflict: all of them are flagged and all count.
  // label: overlap.duplicates
  await tx.execute(sql`
    UPDATE aid_records a SET duplicate_of = d.primary_id
    FROM (
      SELECT a.id,
        CASE WHEN a.voucher_normalized IS NULL THEN NULL ELSE
          NULLIF(first_value(a.id) OVER (PARTITION BY a.voucher_normalized, a.person_id, a.amount_fen
                                         ORDER BY a.paid_on NULLS LAST, a.system, a.record_id), a.id) END AS primary_id
      FROM aid_records a
      WHERE ${inScope(sql`a.person_id`)}
    ) d
    WHERE a.id = d.id AND a.duplicate_of IS DISTINCT FROM d.primary_id`);

  // A caseworker's review overrides the rules for one record (review_decisions, the latest per record and
  // kind): a dismissed DUPLICATE counts again; a confirmed suspected duplicate or conflicting report stops
  // counting, as a duplicate of the record named in the decision.
  // label: overlap.review-decisions
  await tx.execute(sql`
    UPDATE aid_records a SET duplicate_of = r.duplicate_of
    FROM (
      SELECT DISTINCT ON (l.aid_id) l.aid_id, CASE WHEN l.kind = 'DUPLICATE' THEN NULL ELSE l.duplicate_of END AS duplicate_of
      FROM (
        SELECT DISTINCT ON (d.aid_id, d.kind) d.aid_id, d.kind, d.decision, d.duplicate_of, d.id
        FROM review_decisions d JOIN aid_records x ON x.id = d.aid_id
        WHERE ${inScope(sql`x.person_id`)}
        ORDER BY d.aid_id, d.kind, d.id DESC
      ) l
      WHERE (l.kind = 'DUPLICATE' AND l.decision = 'DISMISS') OR (l.kind IN ('SUSPECTED_DUPLICATE', 'VOUCHER_CONFLICT') AND l.decision = 'CONFIRM')
      ORDER BY l.aid_id, l.id DESC
    ) r
    WHERE a.id = r.aid_id AND a.duplicate_of IS DISTINCT FROM r.duplicate_of`);

  // Rules 2–4 as flags: duplicate, voucher conflict, suspected duplicate (same person, same linked stay, same
  // amount, paid at most 3 days apart, other system, no shared voucher; both counting), mismatch, inferred
  // link, refunded stay.
  // label: overlap.flags — set-based: conflicts by a window over each voucher group (all its members are in
  // scope), suspected pairs by one self-join; the old flags come back with the new, to count what changed.
  const changed = await rows<{ old: string[]; new: string[] }>(
    tx,
    sql`
    WITH s AS (
      SELECT a.id, a.person_id, a.system, a.amount_fen, a.paid_on, a.status, a.duplicate_of, a.voucher_normalized,
        a.linked_settlement_id, a.link_kind, a.settlement_ref, a.flags,
        (a.voucher_normalized IS NOT NULL AND (min(a.person_id) OVER v <> max(a.person_id) OVER v OR min(a.amount_fen) OVER v <> max(a.amount_fen) OVER v)) AS conflict
      FROM aid_records a WHERE ${inScope(sql`a.person_id`)}
      WINDOW v AS (PARTITION BY a.voucher_normalized)
    ),
    counting AS (
      SELECT * FROM s WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND linked_settlement_id IS NOT NULL AND paid_on IS NOT NULL
    ),
    suspected AS (
      SELECT DISTINCT x.id FROM counting x JOIN counting o
        ON o.person_id = x.person_id AND o.linked_settlement_id = x.linked_settlement_id AND o.id <> x.id AND o.system <> x.system
       AND o.amount_fen = x.amount_fen AND abs(o.paid_on - x.paid_on) <= ${SUSPECT_WINDOW_DAYS}::int
       AND (x.voucher_normalized IS NULL OR o.voucher_normalized IS DISTINCT FROM x.voucher_normalized)
    ),
    f AS (
      SELECT s.id, s.flags AS old, array_remove(ARRAY[
          CASE WHEN s.duplicate_of IS NOT NULL THEN 'DUPLICATE' END,
          CASE WHEN s.conflict THEN 'VOUCHER_CONFLICT' END,
          CASE WHEN sp.id IS NOT NULL THEN 'SUSPECTED_DUPLICATE' END,
          CASE WHEN st.settlement_id IS NOT NULL AND st.person_id <> s.person_id AND st.refunded_by IS NULL THEN 'SETTLEMENT_PERSON_MISMATCH' END,
          CASE WHEN s.link_kind = 'INFERRED' THEN 'INFERRED_LINK' END,
          CASE WHEN st.refunded_by IS NOT NULL THEN 'REFUNDED_SETTLEMENT' END
        ], NULL) AS flags
      FROM s LEFT JOIN suspected sp ON sp.id = s.id LEFT JOIN settlements st ON st.settlement_id = s.settlement_ref
    )
    UPDATE aid_records a SET flags = f.flags FROM f
    WHERE a.id = f.id AND a.flags IS DISTINCT FROM f.flags
    RETURNING f.old, f.flags AS new`,
  );
  const gained = (flag: string) => changed.reduce((n, c) => n + (c.new.includes(flag) ? 1 : 0) - (c.old.includes(flag) ? 1 : 0), 0);

  // Rule 5. On each stay, the counting linked aid in payment order (then the primary order): the part of
  // each record that takes the running sum above the burden B is its excess.
  // label: overlap.excess — a running sum per stay (linked stays are always the same person's)
  await tx.execute(sql`
    UPDATE aid_records a SET excess_fen = COALESCE(e.excess, 0)
    FROM (
      SELECT a.id, w.excess FROM aid_records a
      LEFT JOIN (
        SELECT o.id, GREATEST(0, o.running - GREATEST(s.burden_fen, o.running - o.amount_fen)) AS excess
        FROM (
          SELECT o.id, o.amount_fen, o.linked_settlement_id,
            sum(o.amount_fen) OVER (PARTITION BY o.linked_settlement_id
                                    ORDER BY COALESCE(o.paid_on, 'infinity'::date), o.system, o.record_id) AS running
          FROM aid_records o
          WHERE ${inScope(sql`o.person_id`)} AND o.linked_settlement_id IS NOT NULL AND o.duplicate_of IS NULL AND o.status <> 'REVERSED'
        ) o
        JOIN settlements s ON s.settlement_id = o.linked_settlement_id AND s.refunded_by IS NULL
      ) w ON w.id = a.id
      WHERE ${inScope(sql`a.person_id`)}
    ) e
    WHERE a.id = e.id AND a.excess_fen IS DISTINCT FROM COALESCE(e.excess, 0)`);
  return { persons, duplicates: gained('DUPLICATE'), suspectedDuplicates: gained('SUSPECTED_DUPLICATE') };
}

/** Derives everything anew (after a migration that changes a rule, or to check a database). */
export async function deriveAll(tx: Tx): Promise<void> {
  const scope = new Scope();
  scope.everything();
  await derive(tx, scope);
}
