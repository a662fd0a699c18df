/**
 * DataLoaders, one set per request (dataloader's README, "Creating a new DataLoader per request"). Every
 * batch function answers in key order, one result per key.
 */
import DataLoader from 'dataloader';
import type { Database } from '../db/client.ts';
import * as recipients from '../recipients/store.ts';
import * as warnings from '../warnings/store.ts';

export function createLoaders(database: Database) {
  const db = database.db;
  const householdByPerson = new DataLoader((ids: readonly number[]) => recipients.householdsOfPersons(db, ids));
  return {
    personById: new DataLoader((ids: readonly number[]) => recipients.personsByIds(db, ids)),
    aidByPerson: new DataLoader((ids: readonly number[]) => recipients.aidByPersons(db, ids)),
    settlementsByPerson: new DataLoader((ids: readonly number[]) => recipients.settlementsByPersons(db, ids)),
    settlementById: new DataLoader((ids: readonly string[]) => recipients.settlementsByIds(db, ids)),
    statusesByPerson: new DataLoader((ids: readonly number[]) => recipients.statusesByPersons(db, ids)),
    householdByPerson,
    // A person's warnings and its household's (the household the person is shown in: householdByPerson).
    warningsOfPerson: new DataLoader(async (ids: readonly number[]) => {
      const households = await householdByPerson.loadMany(ids);
      return warnings.warningsOfPersons(db, ids, households.map((h) => (h && !(h instanceof Error) ? h.id : null)));
    }),
    membersByHousehold: new DataLoader((ids: readonly number[]) => recipients.membersOfHouseholds(db, ids)),
    mergesByPerson: new DataLoader((ids: readonly number[]) => recipients.mergesIntoPersons(db, ids)),
    aidById: new DataLoader((ids: readonly number[]) => recipients.aidByIds(db, ids)),
    aidBySettlement: new DataLoader((ids: readonly string[]) => recipients.aidBySettlements(db, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
