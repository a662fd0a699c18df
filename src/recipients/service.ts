/**
 * The recipient domain's logic: what a stay can still take (rule 6, from src/shared/rules.ts), the counted
 * amount of a list of aid, and undoing a person merge (domain.md "Identity"), which re-derives the overlap
 * rules, the ledger and the warnings of both persons in the same transaction.
 */
import { transaction, type Database } from '../db/client.ts';
import { undoMerge } from '../identity/persons.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { counts, excessOf, remainingOf } from '../shared/rules.ts';
import type { AidRow, SettlementRow } from './store.ts';

/** The amount of the aid that counts (not a duplicate, not reversed). */
export function countedAmount(aid: AidRow[]): bigint {
  let sum = 0n;
  for (const a of aid) if (counts(a)) sum += a.amountFen;
  return sum;
}

export interface Capacity {
  settlementId: string;
  burden: bigint;
  countedAid: bigint;
  remaining: bigint;
  excess: bigint;
  refunded: boolean;
}

/** Rule 6 on one stay: remaining = max(0, B − Σ counted linked aid); a refunded stay takes nothing. `linked`: the aid linked to it. */
export function capacityOf(s: SettlementRow, linked: AidRow[]): Capacity {
  const counted = countedAmount(linked);
  const refunded = s.refundedBy !== null;
  return {
    settlementId: s.settlementId,
    burden: s.burdenFen,
    countedAid: counted,
    remaining: remainingOf(s.burdenFen, counted, refunded),
    excess: excessOf(s.burdenFen, counted, refunded),
    refunded,
  };
}

/** Undoes a merge; false when it was undone already (nothing changes then). */
export async function undoPersonMerge(database: Database, mergeId: number, actor: string, reason: string, now: Date = new Date()): Promise<boolean> {
  return transaction(database, async (tx) => {
    await lockDerivation(tx);
    const r = await undoMerge(tx, mergeId, actor, reason);
    if (r) {
      const scope = new Scope();
      scope.addPerson(r.fromPersonId);
      scope.addPerson(r.intoPersonId);
      await applyConsequences(tx, scope, now);
    }
    return r !== null;
  });
}
