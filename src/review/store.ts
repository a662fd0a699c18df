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
import { A, rows, type Db, type Tx } from '../db/client.ts';
import { personIn, type PersonSet } from '../shared/person-sets.ts';
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
 * change can lapse. A decision made before bases were kept (basis null, migration 0018) is not lapsed.
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

/* ----------------------------------------------------------------- the queue and its decisions */

/**
 * Open items: flagged records (of `kinds`, or of `kind` alone) with no decision in force on that kind (a record made
 * a duplicate by a decision is not asked again), after the cursor, within a caseworker's reach when `scope` is given;
 * and how many there are in all.
 */
export async function openItems(
  db: Db,
  kinds: readonly string[],
  kind: string | null,
  after: { aidId: number; kind: string } | null,
  limit: number,
  scope: { county: string; systems: string[] } | null,
): Promise<{ ids: Array<{ aidId: number; kind: string }>; total: number }> {
  const where = sql`k.kind = ANY(${A([...kinds])}::text[]) AND (${kind}::text IS NULL OR k.kind = ${kind})
      AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.aid_id = a.id AND d.kind = k.kind AND ${inForce})
      AND NOT (k.kind = 'DUPLICATE' AND EXISTS (SELECT 1 FROM review_decisions d WHERE d.aid_id = a.id AND d.kind <> 'DUPLICATE' AND ${inForce}))
      AND (${scope === null}::boolean OR (a.system = ANY(${A(scope?.systems ?? [])}::text[])
        AND EXISTS (SELECT 1 FROM persons p WHERE p.id = a.person_id AND p.county_code = ${scope?.county ?? null})))`;
  const r = await rows<{ id: string; kind: string }>(
    db,
    sql`/* review.open-items */ SELECT a.id::text, k.kind FROM aid_records a CROSS JOIN LATERAL unnest(a.flags) AS k(kind)
        WHERE ${where} AND (a.id, k.kind) > (${after?.aidId ?? 0}::bigint, ${after?.kind ?? ''}::text)
        ORDER BY a.id, k.kind LIMIT ${limit + 1}`,
  );
  const total = await rows<{ n: string }>(
    db,
    sql`/* review.open-items-count */ SELECT count(*)::text AS n FROM aid_records a CROSS JOIN LATERAL unnest(a.flags) AS k(kind) WHERE ${where}`,
  );
  return { ids: r.map((x) => ({ aidId: Number(x.id), kind: x.kind })), total: Number(total[0]!.n) };
}

/** The other records of a record's voucher group, earliest payment first (DUPLICATE, VOUCHER_CONFLICT). */
export async function voucherGroupOf(db: Db | Tx, aidId: number): Promise<number[]> {
  const r = await rows<{ id: string }>(
    db,
    sql`/* review.related-voucher */ SELECT o.id::text FROM aid_records a JOIN aid_records o ON ${voucherRelated}
        WHERE a.id = ${aidId} ORDER BY o.paid_on NULLS LAST, o.system, o.record_id`,
  );
  return r.map((x) => Number(x.id));
}

/** A record's suspected partners (rule 3), earliest payment first (SUSPECTED_DUPLICATE). */
export async function suspectedPartnersOf(db: Db | Tx, aidId: number): Promise<number[]> {
  const r = await rows<{ id: string }>(
    db,
    sql`/* review.related-suspected */ SELECT o.id::text FROM aid_records a JOIN aid_records o ON ${suspectedRelated}
        WHERE a.id = ${aidId} ORDER BY o.paid_on, o.system, o.record_id`,
  );
  return r.map((x) => Number(x.id));
}

export interface DecisionRow {
  id: string;
  aid_id: string;
  kind: string;
  decision: 'CONFIRM' | 'DISMISS';
  reason: string;
  duplicate_of: string | null;
  decided_by: string;
  decided_at: string;
  /** When the decision lapsed (its facts changed), and why; null while it holds. */
  lapsed_at: string | null;
  lapse_reason: string | null;
}

/** Every decision on a record and kind, oldest first, with its lapse when it lapsed. */
export async function decisionsOf(db: Db | Tx, aidId: number, kind: string): Promise<DecisionRow[]> {
  return rows<DecisionRow>(
    db,
    sql`/* review.decisions */ SELECT d.id::text, d.aid_id::text, d.kind, d.decision, d.reason, d.duplicate_of::text, d.decided_by,
          to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS decided_at,
          to_char(l.lapsed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS lapsed_at, l.reason AS lapse_reason
        FROM review_decisions d LEFT JOIN review_lapses l ON l.decision_id = d.id WHERE d.aid_id = ${aidId} AND d.kind = ${kind} ORDER BY d.id`,
  );
}

/** The record a decision is about, locked for the decision (null when there is none). */
export async function lockedAid(tx: Tx, aidId: number): Promise<{ person_id: string; flags: string[]; system: string } | null> {
  const r = await rows<{ person_id: string; flags: string[]; system: string }>(
    tx,
    sql`/* review.lock-aid */ SELECT person_id::text, flags, system FROM aid_records WHERE id = ${aidId} FOR UPDATE`,
  );
  return r[0] ?? null;
}

/** Appends a decision with the basis it was made on (review_decisions is append only). */
export async function insertDecision(
  tx: Tx,
  d: { aidId: number; kind: string; decision: string; reason: string; duplicateOf: number | null; actor: string; basis: string | null },
): Promise<void> {
  await tx.execute(sql`/* review.decide */ INSERT INTO review_decisions (aid_id, kind, decision, reason, duplicate_of, decided_by, basis)
    VALUES (${d.aidId}, ${d.kind}, ${d.decision}, ${d.reason}, ${d.duplicateOf}, ${d.actor}, ${d.basis})`);
}
