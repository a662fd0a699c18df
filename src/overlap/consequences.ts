/**
 * What follows any change to aid, stays, statuses or persons — an ingested file, aid recorded or reversed
 * through the API, a review decision, an undone merge: the overlap rules are derived again, the fund pool
 * books what the records now say, and the early warnings are recomputed, all for the same widened scope and
 * in the caller's transaction. One sequence, so that no path forgets a step.
 */
import { transaction, type Database, type Tx } from '../db/client.ts';
import { reconcileAid } from '../ledger/store.ts';
import { recomputeWarnings } from '../warnings/compute.ts';
import { todayCst } from '../identity/dates.ts';
import { lapseDecisions } from '../review/store.ts';
import { derive, Scope, type Derived } from './derive.ts';
import { lockDerivation, withoutJit } from './store.ts';

/** The derivation lock (src/overlap/store.ts), taken here first by every path that derives. */
export { lockDerivation } from './store.ts';

export async function applyConsequences(tx: Tx, scope: Scope, now: Date): Promise<Derived> {
  await lockDerivation(tx);
  await withoutJit(tx);
  let derived = await derive(tx, scope);
  // A review decision holds only for the facts it was made on (src/review/store.ts): one whose facts this
  // change altered lapses, and the rules apply again without it.
  if ((await lapseDecisions(tx, derived.persons)) > 0) {
    const again = await derive(tx, scope);
    derived = { ...again, duplicates: derived.duplicates + again.duplicates, suspectedDuplicates: derived.suspectedDuplicates + again.suspectedDuplicates };
  }
  await reconcileAid(tx, derived.persons, now);
  await recomputeWarnings(tx, derived.persons, todayCst(now));
  return derived;
}

/**
 * Everything derived, anew for every person (in slices), in one transaction of its own: after a migration that
 * adds a derived value to records already there (0020: each payment's county and category for the report), or
 * to check a database, which the ingests keep derived: then nothing is newly flagged. `relief-hub rederive`.
 */
export function rederiveEverything(database: Database, now = new Date()): Promise<Derived> {
  return transaction(database, (tx) => {
    const scope = new Scope();
    scope.everything();
    return applyConsequences(tx, scope, now);
  });
}
