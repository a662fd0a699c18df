/**
 * What follows any change to aid, stays, statuses or persons — an ingested file, aid recorded or reversed
 * through the API, a review decision, an undone merge: the overlap rules are derived again, the fund pool
 * books what the records now say, and the early warnings are recomputed, all for the same widened scope and
 * in the caller's transaction. One sequence, so that no path forgets a step.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { reconcileAid } from '../ledger/store.ts';
import { recomputeWarnings } from '../warnings/compute.ts';
import { todayCst } from '../identity/dates.ts';
import { lapseDecisions } from '../review/store.ts';
import { derive, type Derived, type Scope } from './derive.ts';

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
async function withoutJit(tx: Tx): Promise<void> {
  await tx.execute(sql`/* derive.no-jit */ SET LOCAL jit = off`);
}

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
