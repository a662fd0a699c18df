/**
 * The review queue: aid records the rules flagged for a caseworker (DUPLICATE, VOUCHER_CONFLICT,
 * SUSPECTED_DUPLICATE, SETTLEMENT_PERSON_MISMATCH, REFUNDED_SETTLEMENT), and the decisions on them. A decision is kept forever;
 * the latest on a record and kind is in force, so a decision is undone by deciding again. A decision holds only
 * for the facts it was made on: when a record it concerns is corrected it lapses (src/review/store.ts), and a
 * record still flagged is asked again.
 *
 * What a decision does to the totals: dismissing a DUPLICATE makes the record count again; confirming a
 * SUSPECTED_DUPLICATE or a VOUCHER_CONFLICT makes the record stop counting, as a duplicate of its partner
 * (the earliest other record of the pair or voucher group). The other decisions record a caseworker's view
 * and change no total.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Database, type Db } from '../db/client.ts';
import { Scope } from '../overlap/derive.ts';
import { basisOf, inForce, suspectedRelated, voucherRelated } from './store.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';

export const REVIEW_KINDS = ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH', 'REFUNDED_SETTLEMENT'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];
export type Decision = 'CONFIRM' | 'DISMISS';

export interface ReviewItem {
  id: string;
  aidId: number;
  kind: ReviewKind;
}

export function itemId(aidId: number, kind: ReviewKind): string {
  return Buffer.from(`review:${aidId}:${kind}`, 'utf8').toString('base64url');
}

export function parseItemId(id: string): ReviewItem {
  const m = /^review:(\d{1,18}):([A-Z_]+)$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (!m || !(REVIEW_KINDS as readonly string[]).includes(m[2]!)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'not a review item id', { argument: 'id' });
  return { id, aidId: Number(m[1]), kind: m[2] as ReviewKind };
}

/** Open items: flagged records with no decision in force on that kind (a record made a duplicate by a decision is not asked again). */
export async function openItems(
  db: Db,
  kind: ReviewKind | null,
  after: ReviewItem | null,
  limit: number,
  /** A caseworker's reach: its agency's records of persons of its county (src/access/guard.ts listScope). */
  scope: { county: string; systems: string[] } | null = null,
): Promise<{ items: ReviewItem[]; total: number; hasNext: boolean }> {
  const where = sql`k.kind = ANY(${`{${REVIEW_KINDS.join(',')}}`}::text[]) AND (${kind}::text IS NULL OR k.kind = ${kind})
      AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.aid_id = a.id AND d.kind = k.kind AND ${inForce})
      AND NOT (k.kind = 'DUPLICATE' AND EXISTS (SELECT 1 FROM review_decisions d WHERE d.aid_id = a.id AND d.kind <> 'DUPLICATE' AND ${inForce}))
      AND (${scope === null}::boolean OR (a.system = ANY(${A(scope?.systems ?? [])}::text[])
        AND EXISTS (SELECT 1 FROM persons p WHERE p.id = a.person_id AND p.county_code = ${scope?.county ?? null})))`;
  const r = await rows<{ id: string; kind: ReviewKind }>(
    db,
    sql`/* review.open-items */ SELECT a.id::text, k.kind FROM aid_records a CROSS JOIN LATERAL unnest(a.flags) AS k(kind)
        WHERE ${where} AND (a.id, k.kind) > (${after?.aidId ?? 0}::bigint, ${after?.kind ?? ''}::text)
        ORDER BY a.id, k.kind LIMIT ${limit + 1}`,
  );
  const total = await rows<{ n: string }>(db, sql`SELECT count(*)::text AS n FROM aid_records a CROSS JOIN LATERAL unnest(a.flags) AS k(kind) WHERE ${where}`);
  const items = r.slice(0, limit).map((x) => ({ id: itemId(Number(x.id), x.kind), aidId: Number(x.id), kind: x.kind }));
  return { items, total: Number(total[0]!.n), hasNext: r.length > limit };
}

/** The other records a flag is about: the voucher group, the suspected partners, or nothing. */
export async function relatedAid(db: Db, item: ReviewItem): Promise<number[]> {
  if (item.kind === 'DUPLICATE' || item.kind === 'VOUCHER_CONFLICT') {
    const r = await rows<{ id: string }>(
      db,
      sql`/* review.related-voucher */ SELECT o.id::text FROM aid_records a JOIN aid_records o ON ${voucherRelated}
          WHERE a.id = ${item.aidId} ORDER BY o.paid_on NULLS LAST, o.system, o.record_id`,
    );
    return r.map((x) => Number(x.id));
  }
  if (item.kind === 'SUSPECTED_DUPLICATE') {
    const r = await rows<{ id: string }>(
      db,
      sql`/* review.related-suspected */ SELECT o.id::text FROM aid_records a JOIN aid_records o ON ${suspectedRelated}
          WHERE a.id = ${item.aidId} ORDER BY o.paid_on, o.system, o.record_id`,
    );
    return r.map((x) => Number(x.id));
  }
  return [];
}

export interface DecisionRow {
  id: string;
  aid_id: string;
  kind: string;
  decision: Decision;
  reason: string;
  duplicate_of: string | null;
  decided_by: string;
  decided_at: string;
  /** When the decision lapsed (its facts changed), and why; null while it holds. */
  lapsed_at: string | null;
  lapse_reason: string | null;
}

export async function decisionsOf(db: Db, aidId: number, kind: ReviewKind): Promise<DecisionRow[]> {
  return rows<DecisionRow>(
    db,
    sql`/* review.decisions */ SELECT d.id::text, d.aid_id::text, d.kind, d.decision, d.reason, d.duplicate_of::text, d.decided_by,
          to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS decided_at,
          to_char(l.lapsed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS lapsed_at, l.reason AS lapse_reason
        FROM review_decisions d LEFT JOIN review_lapses l ON l.decision_id = d.id WHERE d.aid_id = ${aidId} AND d.kind = ${kind} ORDER BY d.id`,
  );
}

export async function resolveReview(
  database: Database,
  id: string,
  decision: Decision,
  reason: string,
  actor: string,
  /** A caseworker decides on its agency's records only. */
  allowedSystems: string[] | null = null,
  /** The time of the decision (warnings are recomputed as of its day). */
  now: Date = new Date(),
): Promise<ReviewItem> {
  const item = parseItemId(id);
  if (reason.trim().length < 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'give the reason for the decision', { argument: 'reason' });
  await database.db.transaction(async (tx) => {
    await lockDerivation(tx);
    const a = await rows<{ person_id: string; flags: string[]; system: string }>(
      tx,
      sql`SELECT person_id::text, flags, system FROM aid_records WHERE id = ${item.aidId} FOR UPDATE`,
    );
    if (!a[0]) throw new HubError(ErrorCode.NOT_FOUND, 'no such review item');
    if (allowedSystems && !allowedSystems.includes(a[0].system)) throw new HubError(ErrorCode.FORBIDDEN, "a caseworker decides on its agency's records only");
    const decided = (await decisionsOf(tx, item.aidId, item.kind)).filter((d) => d.lapsed_at === null);
    if (!a[0].flags.includes(item.kind) && decided.length === 0) {
      throw new HubError(ErrorCode.BAD_USER_INPUT, `the record is not flagged ${item.kind}`, { argument: 'id' });
    }
    let duplicateOf: number | null = null;
    if (decision === 'CONFIRM' && (item.kind === 'SUSPECTED_DUPLICATE' || item.kind === 'VOUCHER_CONFLICT')) {
      const partner = decided.at(-1)?.duplicate_of ?? (await relatedAid(tx, item))[0] ?? null;
      if (partner === null) throw new HubError(ErrorCode.BAD_USER_INPUT, 'the record has no partner to be a duplicate of any more', { argument: 'id' });
      duplicateOf = Number(partner);
    }
    await tx.execute(sql`/* review.decide */ 
      INSERT INTO review_decisions (aid_id, kind, decision, reason, duplicate_of, decided_by, basis)
      VALUES (${item.aidId}, ${item.kind}, ${decision}, ${reason.trim()}, ${duplicateOf}, ${actor}, ${await basisOf(tx, item.aidId, item.kind)})`);
    const scope = new Scope();
    scope.addPerson(Number(a[0].person_id));
    await applyConsequences(tx, scope, now);
  });
  return item;
}
