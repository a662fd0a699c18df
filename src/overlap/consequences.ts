/**
 * What follows any change to aid, stays, statuses or persons — an ingested file, aid recorded or reversed
 * through the API, a review decision, an undone merge: the overlap rules are derived again, the fund pool
 * books what the records now say, and the early warnings are recomputed, all for the same widened scope and
 * in the caller's transaction. One sequence, so that no path forgets a step.
 */
import type { Tx } from '../db/client.ts';
import { reconcileAid } from '../ledger/store.ts';
import { recomputeWarnings } from '../warnings/compute.ts';
import { todayCst } from '../identity/dates.ts';
import { derive, type Derived, type Scope } from './derive.ts';

export async function applyConsequences(tx: Tx, scope: Scope, now: Date): Promise<Derived> {
  const derived = await derive(tx, scope);
  await reconcileAid(tx, derived.persons, now);
  await recomputeWarnings(tx, derived.persons, todayCst(now));
  return derived;
}
