/**
 * What a review decision concerns and when it stops holding — the one home of the rule (domain.md is silent;
 * the product rule): a decision holds only for the facts it was made on. Those facts are its *basis*: the
 * decided record (its content, status and person), the records the flag is about (the voucher group, or the
 * suspected partners: the queue's `related`) with theirs, and the stays the record names or is linked to.
 * When any of them changes — a record it concerns gets a new version, moves to another person, a record joins or
 * leaves the group, the stay is corrected or refunded — the decision lapses: it is kept, marked lapsed with
 * why, and no longer applies; a record still flagged returns to the review queue for a fresh decision. A stale
 * copy (an earlier version delivered again) changes no version, so it neither lapses nor revives anything.
 * Nothing here depends on decisions, so a decision's own consequences never lapse it.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db, type Tx } from '../db/client.ts';
import { personIn, type PersonSet } from '../overlap/derive.ts';
import { suspectedPair } from '../shared/rules.ts';

/** Record `o` is one the flag `kind` on record `a` is about (aliases a and o): the voucher group. */
export const voucherRelated = sql`o.voucher_normalized = a.voucher_normalized AND o.id <> a.id`;

/** Record `o` is a suspected partner of record `a` (rule 3 as the queue shows it). */
export const suspectedRelated = sql`${suspectedPair('a', 'o', 'linked_settlement_id')} AND o.status <> 'REVERSED'
  AND o.paid_on IS NOT NULL AND a.paid_on IS NOT NULL`;

/**
 * The basis of a decision of `kind` on record `a`, as two text columns: `self` (the record and its stays) and
 * `rest` (the related records). `kind` is a SQL expression (a column or a parameter).
 */
function basisColumns(kind: SQL): SQL {
  return sql`(a.content_hash || ':' || a.status || ':' || a.person_id::text || ':' || COALESCE((
        SELECT string_agg(st.settlement_id || ':' || st.content_hash || ':' || st.person_id::text || ':' || COALESCE(st.refunded_by, ''), ',' ORDER BY st.settlement_id)
        FROM settlements st WHERE st.settlement_id = a.settlement_ref OR st.settlement_id = a.linked_settlement_id), '')) AS self,
      COALESCE((SELECT string_agg(o.id::text || ':' || o.content_hash || ':' || o.status || ':' || o.person_id::text, ',' ORDER BY o.id)
        FROM aid_records o WHERE ${kind} IN ('DUPLICATE', 'VOUCHER_CONFLICT') AND ${voucherRelated}), '')
      || '/' || COALESCE((SELECT string_agg(o.id::text || ':' || o.content_hash || ':' || o.status || ':' || o.person_id::text, ',' ORDER BY o.id)
        FROM aid_records o WHERE ${kind} = 'SUSPECTED_DUPLICATE' AND ${suspectedRelated}), '') AS rest`;
}

/** The basis a decision on this record and kind is made on now (stored with the decision). */
export async function basisOf(db: Db | Tx, aidId: number, kind: string): Promise<string | null> {
  const r = await rows<{ self: string; rest: string }>(db, sql`/* review.basis */ SELECT ${basisColumns(sql`${kind}::text`)} FROM aid_records a WHERE a.id = ${aidId}`);
  return r[0] ? `${r[0].self}|${r[0].rest}` : null;
}

/** A decision in force: not lapsed (alias `d` for review_decisions). */
export const inForce = sql`NOT EXISTS (SELECT 1 FROM review_lapses l WHERE l.decision_id = d.id)`;

/**
 * Lapses the decisions in force on records of these persons whose basis no longer holds (see above). Returns how
 * many lapsed: the caller derives again so that they stop applying. Partners share the person (suspected) or a
 * voucher (derivation's scope is closed over vouchers), so the persons derivation covered reach every decision a
 * change can lapse. A decision made before bases were kept (basis null, migration 0017) is not lapsed.
 */
export async function lapseDecisions(tx: Tx, persons: PersonSet): Promise<number> {
  const r = await rows<{ n: string }>(
    tx,
    sql`/* review.lapse */ WITH current AS (
          SELECT d.id, d.basis, ${basisColumns(sql`d.kind`)}
          FROM review_decisions d JOIN aid_records a ON a.id = d.aid_id
          WHERE d.basis IS NOT NULL AND ${inForce} AND ${personIn(sql`a.person_id`, persons)}
        ), lapsed AS (
          INSERT INTO review_lapses (decision_id, reason)
          SELECT c.id, CASE WHEN split_part(c.basis, '|', 1) <> c.self THEN 'RECORD_CORRECTED' ELSE 'RELATED_CHANGED' END
          FROM current c WHERE c.basis <> c.self || '|' || c.rest
          ON CONFLICT (decision_id) DO NOTHING RETURNING decision_id
        )
        SELECT count(*)::text AS n FROM lapsed`,
  );
  return Number(r[0]!.n);
}
