/**
 * DataLoaders, one set per request (dataloader's README, "Creating a new DataLoader per request"). Every
 * batch function answers in key order, one result per key.
 *
 * Each loader is made the first time a request asks for it: a request uses three or four of the twelve, and
 * making all of them for every request was garbage for the collector under the household-query load.
 */
import DataLoader from 'dataloader';
import type { Database } from '../db/client.ts';
import * as recipients from '../recipients/store.ts';
import * as warnings from '../warnings/store.ts';

type Db = Database['db'];

/** The loaders: each made on first use, then the same instance for the rest of the request. */
export class Loaders {
  readonly #db: Db;
  #personById?: DataLoader<number, recipients.PersonRow | null>;
  #aidByPerson?: DataLoader<number, recipients.AidRow[]>;
  #settlementsByPerson?: DataLoader<number, recipients.SettlementRow[]>;
  #settlementById?: DataLoader<string, recipients.SettlementRow | null>;
  #statusesByPerson?: DataLoader<number, recipients.StatusRow[]>;
  #householdByPerson?: DataLoader<number, recipients.HouseholdRow | null>;
  #warningsOfPerson?: DataLoader<number, Awaited<ReturnType<typeof warnings.warningsOfPersons>>[number]>;
  #membersByHousehold?: DataLoader<number, recipients.MemberRow[]>;
  #mergesByPerson?: DataLoader<number, recipients.MergeRow[]>;
  #aidById?: DataLoader<number, recipients.AidRow | null>;
  #aidBySettlement?: DataLoader<string, recipients.AidRow[]>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  get personById() {
    return (this.#personById ??= new DataLoader((ids: readonly number[]) => recipients.personsByIds(this.#db, ids)));
  }
  get aidByPerson() {
    return (this.#aidByPerson ??= new DataLoader((ids: readonly number[]) => recipients.aidByPersons(this.#db, ids)));
  }
  get settlementsByPerson() {
    return (this.#settlementsByPerson ??= new DataLoader((ids: readonly number[]) => recipients.settlementsByPersons(this.#db, ids)));
  }
  get settlementById() {
    return (this.#settlementById ??= new DataLoader((ids: readonly string[]) => recipients.settlementsByIds(this.#db, ids)));
  }
  get statusesByPerson() {
    return (this.#statusesByPerson ??= new DataLoader((ids: readonly number[]) => recipients.statusesByPersons(this.#db, ids)));
  }
  get householdByPerson() {
    return (this.#householdByPerson ??= new DataLoader((ids: readonly number[]) => recipients.householdsOfPersons(this.#db, ids)));
  }
  /** A person's warnings and its household's (the household the person is shown in: householdByPerson). */
  get warningsOfPerson() {
    return (this.#warningsOfPerson ??= new DataLoader(async (ids: readonly number[]) => {
      const households = await this.householdByPerson.loadMany(ids);
      return warnings.warningsOfPersons(this.#db, ids, households.map((h) => (h && !(h instanceof Error) ? h.id : null)));
    }));
  }
  get membersByHousehold() {
    return (this.#membersByHousehold ??= new DataLoader((ids: readonly number[]) => recipients.membersOfHouseholds(this.#db, ids)));
  }
  get mergesByPerson() {
    return (this.#mergesByPerson ??= new DataLoader((ids: readonly number[]) => recipients.mergesIntoPersons(this.#db, ids)));
  }
  get aidById() {
    return (this.#aidById ??= new DataLoader((ids: readonly number[]) => recipients.aidByIds(this.#db, ids)));
  }
  get aidBySettlement() {
    return (this.#aidBySettlement ??= new DataLoader((ids: readonly string[]) => recipients.aidBySettlements(this.#db, ids)));
  }
}

export function createLoaders(database: Database): Loaders {
  return new Loaders(database);
}
