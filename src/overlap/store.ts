/**
 * The overlap rules' statements (src/overlap/derive.ts decides the scope, src/overlap/consequences.ts the
 * sequence): the derivation itself, the steps that widen a scope, the
 * derivation lock and JIT off. Person sets and their SQL condition are src/shared/person-sets.ts.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';
import { categoryOn, inferableStays, suspectedPair } from '../shared/rules.ts';
import { personIn, type PersonSet } from '../shared/person-sets.ts';

/** The owners of these stays and every person whose aid names or is linked to one of them. */
export async function personsOfSettlements(tx: Tx, ids: string[]): Promise<number[]> {
  const r = await rows<{ p: string }>(
    tx,
    sql`/* overlap.scope-settlements */ SELECT person_id::text AS p FROM settlements WHERE settlement_id = ANY(${A(ids)}::text[])
          UNION SELECT person_id::text FROM aid_records WHERE settlement_ref = ANY(${A(ids)}::text[])
          UNION SELECT person_id::text FROM aid_records WHERE linked_settlement_id = ANY(${A(ids)}::text[])`,
  );
  return r.map((x) => Number(x.p));
}

/** The normalised vouchers of these persons' aid. */
export async function vouchersOfPersons(tx: Tx, persons: number[]): Promise<string[]> {
  const v = await rows<{ v: string }>(
    tx,
    sql`/* overlap.scope-vouchers */ SELECT DISTINCT voucher_normalized AS v FROM aid_records
            WHERE person_id = ANY(${A(persons)}::bigint[]) AND voucher_normalized IS NOT NULL`,
  );
  return v.map((x) => x.v);
}

/** The persons whose aid carries one of these normalised vouchers. */
export async function personsOfVouchers(tx: Tx, vouchers: string[]): Promise<number[]> {
  const p = await rows<{ p: string }>(
    tx,
    sql`/* overlap.scope-voucher-persons */ SELECT DISTINCT person_id::text AS p FROM aid_records WHERE voucher_normalized = ANY(${A(vouchers)}::text[])`,
  );
  return p.map((x) => Number(x.p));
}

/**
 * Derives every derived column (link, duplicate of, flags, excess, the payer's county and category) of the aid records of these persons and
 * writes the changed ones; returns how many more are flagged DUPLICATE / SUSPECTED_DUPLICATE than before.
 */
export async function deriveRecords(tx: Tx, persons: PersonSet): Promise<{ duplicates: number; suspectedDuplicates: number }> {
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
  // For the quarterly report (issue 17): the payer's county code as the person's row holds it and the category
  // on the payment day (`categoryOn`), so that the report reads one table. A correction of a residence or a
  // status names its person, who is in scope, so both are refreshed with everything else derived.
  //
  // Rule 5 (excess). On each stay, the counting linked aid in payment order (then the primary order): the part
  // of each record that takes the running sum above the burden B is its excess.
  //
  // What changed is counted in SQL (old flags against new), so that a pass over millions of records returns one row.
  //
  // Planned as lookups by key (issue 17): the scope's records are a few per person, and the planner, guessing ten
  // times the rows from a list of ids, joined them to whole tables instead (persons, settlements and, for the
  // UPDATE, every aid record, hashed: 3 of 5.3 s for the 67,000 records of a correction delivery at full
  // scale). The payer's row and a named stay are read per record (a sub-query; OFFSET 0 keeps the planner from
  // flattening it back into a join), and the UPDATE finds the changed records by id (an array it cannot size).
  const counted = await rows<{ duplicates: string; suspected: string }>(
    tx,
    sql`/* overlap.derive */ 
    WITH base AS (
      SELECT a.id, a.person_id, a.system, a.record_id, a.amount_fen, a.paid_on, a.approved_on, a.status, a.voucher_normalized,
        a.settlement_ref, a.hospital_code, a.flags AS old_flags, a.link_kind AS old_kind, a.linked_settlement_id AS old_sid,
        a.duplicate_of AS old_dup, a.excess_fen AS old_excess,
        (SELECT p.county_code FROM persons p WHERE p.id = a.person_id) AS county, ${categoryOn(sql`a.person_id`, sql`a.paid_on`)} AS category,
        a.person_county_code AS old_county, a.category_on_paid AS old_category
      FROM aid_records a WHERE ${personIn(sql`a.person_id`, persons)}
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
      LEFT JOIN LATERAL (SELECT x.settlement_id, x.person_id, x.refunded_by FROM settlements x WHERE x.settlement_id = b.settlement_ref OFFSET 0) st ON true
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
        s.county, s.category, s.old_county, s.old_category,
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
    , changed AS MATERIALIZED (
      SELECT * FROM f
      WHERE f.old_kind IS DISTINCT FROM f.kind OR f.old_sid IS DISTINCT FROM f.sid OR f.old_dup IS DISTINCT FROM f.dup_of
         OR f.old_flags IS DISTINCT FROM f.flags OR f.old_excess IS DISTINCT FROM f.excess
         OR f.old_county IS DISTINCT FROM f.county OR f.old_category IS DISTINCT FROM f.category
    )
    , updated AS (
      UPDATE aid_records a SET link_kind = f.kind, linked_settlement_id = f.sid, duplicate_of = f.dup_of, flags = f.flags, excess_fen = f.excess,
        person_county_code = f.county, category_on_paid = f.category
      FROM changed f
      WHERE a.id = ANY(ARRAY(SELECT id FROM changed)) AND a.id = f.id
      RETURNING f.old_flags AS old, f.flags AS new
    )
    SELECT COALESCE(sum(('DUPLICATE' = ANY(new))::int - ('DUPLICATE' = ANY(old))::int), 0)::text AS duplicates,
           COALESCE(sum(('SUSPECTED_DUPLICATE' = ANY(new))::int - ('SUSPECTED_DUPLICATE' = ANY(old))::int), 0)::text AS suspected
    FROM updated`,
  );
  return { duplicates: Number(counted[0]!.duplicates), suspectedDuplicates: Number(counted[0]!.suspected) };
}

/** The advisory lock that serialises every transaction that derives (any key unused elsewhere in the hub). */
const DERIVATION_LOCK = 727275;

/**
 * Takes the derivation lock for the rest of the caller's transaction. Every transaction that changes what the
 * rules derive from takes it FIRST, before it reads or locks a row: a derivation computes from one snapshot of
 * several tables, so two of them running side by side (an ingest and a review decision, on two instances or two
 * connections of one) could each miss the other's change and leave a stale answer. Serialised, the later one
 * sees the earlier one whole; taken before any row lock, it cannot deadlock with them. Reads never take it.
 * Re-entrant within a transaction.
 */
export async function lockDerivation(tx: Tx): Promise<void> {
  await tx.execute(sql`/* derive.lock */ SELECT pg_advisory_xact_lock(${DERIVATION_LOCK})`);
}

/**
 * No JIT compilation for the rest of the caller's transaction. The derivation, ledger and warnings statements
 * over a scope of a few thousand persons are estimated at millions (arrays of ids make the planner guess ten
 * times the rows), which crosses `jit_above_cost` with inlining and optimisation on: measured at 200,000 persons,
 * compiling took 1.2 s of a 2.2 s ledger statement that runs in 1.1 s without it. (PGlite has no JIT; the
 * setting exists and does nothing there.)
 */
export async function withoutJit(tx: Tx): Promise<void> {
  await tx.execute(sql`/* derive.no-jit */ SET LOCAL jit = off`);
}
