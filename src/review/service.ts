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
import { transaction, type Database, type Db } from '../db/client.ts';
import { Scope } from '../overlap/derive.ts';
import * as store from './store.ts';
import type { DecisionRow } from './store.ts';
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
  const { ids: r, total } = await store.openItems(db, REVIEW_KINDS, kind, after, limit, scope);
  const items = r.slice(0, limit).map((x) => ({ id: itemId(x.aidId, x.kind as ReviewKind), aidId: x.aidId, kind: x.kind as ReviewKind }));
  return { items, total, hasNext: r.length > limit };
}

/** The other records a flag is about: the voucher group, the suspected partners, or nothing. */
export async function relatedAid(db: Db, item: ReviewItem): Promise<number[]> {
  if (item.kind === 'DUPLICATE' || item.kind === 'VOUCHER_CONFLICT') return store.voucherGroupOf(db, item.aidId);
  if (item.kind === 'SUSPECTED_DUPLICATE') return store.suspectedPartnersOf(db, item.aidId);
  return [];
}

export type { DecisionRow };

export async function decisionsOf(db: Db, aidId: number, kind: ReviewKind): Promise<DecisionRow[]> {
  return store.decisionsOf(db, aidId, kind);
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
  await transaction(database, async (tx) => {
    await lockDerivation(tx);
    const a = await store.lockedAid(tx, item.aidId);
    if (!a) throw new HubError(ErrorCode.NOT_FOUND, 'no such review item');
    if (allowedSystems && !allowedSystems.includes(a.system)) throw new HubError(ErrorCode.FORBIDDEN, "a caseworker decides on its agency's records only");
    const decided = (await decisionsOf(tx, item.aidId, item.kind)).filter((d) => d.lapsed_at === null);
    if (!a.flags.includes(item.kind) && decided.length === 0) {
      throw new HubError(ErrorCode.BAD_USER_INPUT, `the record is not flagged ${item.kind}`, { argument: 'id' });
    }
    let duplicateOf: number | null = null;
    if (decision === 'CONFIRM' && (item.kind === 'SUSPECTED_DUPLICATE' || item.kind === 'VOUCHER_CONFLICT')) {
      const partner = decided.at(-1)?.duplicate_of ?? (await relatedAid(tx, item))[0] ?? null;
      if (partner === null) throw new HubError(ErrorCode.BAD_USER_INPUT, 'the record has no partner to be a duplicate of any more', { argument: 'id' });
      duplicateOf = Number(partner);
    }
    await store.insertDecision(tx, { aidId: item.aidId, kind: item.kind, decision, reason: reason.trim(), duplicateOf, actor, basis: await store.basisOf(tx, item.aidId, item.kind) });
    const scope = new Scope();
    scope.addPerson(Number(a.person_id));
    await applyConsequences(tx, scope, now);
  });
  return item;
}
