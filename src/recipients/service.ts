/**
 * What changes a recipient through the API: undoing a person merge (domain.md "Identity") re-derives the
 * overlap rules, the ledger and the warnings of both persons in the same transaction.
 */
import { transaction, type Database } from '../db/client.ts';
import { undoMerge } from '../identity/persons.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';

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
