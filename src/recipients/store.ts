/**
 * The recipients repository: persons, households, statuses, settlements and aid as the caseworker's view
 * reads them. Batch functions answer in key order, one entry per key (DataLoader's contract).
 *
 * Every read here is a prepared statement, built once per database handle (`statements`): building a
 * drizzle select on every call cost about a fifth of the hub's CPU under the household-query load
 * (bench/query-load.ts), and a named statement is parsed once per connection. Batches pass their keys as
 * one array parameter (`= ANY($1)`), so that one statement text serves every batch size; the rows and
 * their mapping are the same as `inArray`'s.
 */
import { and, asc, eq, isNull, sql, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Drizzle } from '../db/client.ts';
import { aidRecords, householdMembers, households, personMerges, persons, settlements, statuses } from '../db/schema.ts';

export type PersonRow = typeof persons.$inferSelect;
export type AidRow = typeof aidRecords.$inferSelect;
export type SettlementRow = typeof settlements.$inferSelect;
export type StatusRow = typeof statuses.$inferSelect;
export type HouseholdRow = typeof households.$inferSelect;
export type MemberRow = typeof householdMembers.$inferSelect;
export type MergeRow = typeof personMerges.$inferSelect;

const ids = sql.placeholder('ids');
const key = sql.placeholder('key');

const member = alias(householdMembers, 'member');
const memberPerson = alias(persons, 'member_person');

/** The household a person's view shows: civil affairs first, else rural, lowest id among equals. */
const HOUSEHOLD_ORDER = sql`CASE WHEN ${households.key} LIKE 'civil:%' THEN 0 ELSE 1 END`;

/** The id of the household `householdsOfPersons` chooses for a person (HOUSEHOLD_ORDER, then the lowest id). */
const householdOf = (personId: SQLWrapper) =>
  sql`(SELECT hm.household_id FROM ${householdMembers} hm JOIN ${households} h ON h.id = hm.household_id
       WHERE hm.person_id = ${personId} ORDER BY CASE WHEN h.key LIKE 'civil:%' THEN 0 ELSE 1 END, h.id LIMIT 1)`;

function prepareAll(db: Drizzle) {
  return {
    // The person, its household, the members and their persons
    personWithHousehold: db
      .select({ person: persons, household: households, member, memberPerson })
      .from(persons)
      .leftJoin(households, eq(households.id, householdOf(persons.id)))
      .leftJoin(member, eq(member.householdId, households.id))
      .leftJoin(memberPerson, eq(memberPerson.id, member.personId))
      .where(sql`/* recipients.person-with-household */ ${persons.idNumber} = ${key}`)
      .orderBy(asc(member.personId))
      .prepare('recipients_person_with_household'),
    // The same, and every member's aid with its named settlement
    // (the person's own aid when it has no recorded household): one row per aid record
    personWithHouseholdAid: db
      .select({ person: persons, household: households, member, memberPerson, aid: aidRecords, settlement: settlements })
      .from(persons)
      .leftJoin(households, eq(households.id, householdOf(persons.id)))
      .leftJoin(member, eq(member.householdId, households.id))
      .leftJoin(memberPerson, eq(memberPerson.id, member.personId))
      .leftJoin(aidRecords, eq(aidRecords.personId, sql`/* recipients.person-with-household-aid */ COALESCE(${member.personId}, ${persons.id})`))
      .leftJoin(settlements, eq(settlements.settlementId, aidRecords.settlementRef))
      .where(eq(persons.idNumber, key))
      // members in `membersOfHouseholds` order, each one's aid in `aidByPersons` order
      .orderBy(asc(member.personId), asc(aidRecords.paidOn), asc(aidRecords.approvedOn), asc(aidRecords.system), asc(aidRecords.recordId))
      .prepare('recipients_person_with_household_aid'),
    personByIdNumber: db.select().from(persons).where(sql`/* recipients.person-by-id-number */ ${persons.idNumber} = ${key}`).limit(1).prepare('recipients_person_by_id_number'),
    personsByIds: db.select().from(persons).where(sql`/* recipients.persons-by-ids */ ${persons.id} = ANY(${ids}::bigint[])`).prepare('recipients_persons_by_ids'),
    // With the settlement each record names (read together: one round trip)
    aidByPersons: db
      .select({ aid: aidRecords, settlement: settlements })
      .from(aidRecords)
      .leftJoin(settlements, eq(settlements.settlementId, aidRecords.settlementRef))
      .where(sql`/* recipients.aid-by-persons */ ${aidRecords.personId} = ANY(${ids}::bigint[])`)
      .orderBy(asc(aidRecords.paidOn), asc(aidRecords.approvedOn), asc(aidRecords.system), asc(aidRecords.recordId))
      .prepare('recipients_aid_by_persons'),
    aidBySettlements: db
      .select()
      .from(aidRecords)
      .where(sql`/* recipients.aid-by-settlements */ ${aidRecords.linkedSettlementId} = ANY(${ids}::text[])`)
      .orderBy(asc(aidRecords.paidOn), asc(aidRecords.system), asc(aidRecords.recordId))
      .prepare('recipients_aid_by_settlements'),
    aidByIds: db.select().from(aidRecords).where(sql`/* recipients.aid-by-ids */ ${aidRecords.id} = ANY(${ids}::bigint[])`).prepare('recipients_aid_by_ids'),
    settlementsByPersons: db
      .select()
      .from(settlements)
      .where(and(sql`/* recipients.settlements-by-persons */ ${settlements.personId} = ANY(${ids}::bigint[])`, isNull(settlements.refundedBy)))
      .orderBy(asc(settlements.dischargedOn), asc(settlements.settlementId))
      .prepare('recipients_settlements_by_persons'),
    settlementsByIds: db.select().from(settlements).where(sql`/* recipients.settlements-by-ids */ ${settlements.settlementId} = ANY(${ids}::text[])`).prepare('recipients_settlements_by_ids'),
    statusesByPersons: db
      .select()
      .from(statuses)
      .where(sql`/* recipients.statuses-by-persons */ ${statuses.personId} = ANY(${ids}::bigint[])`)
      .orderBy(asc(statuses.validFrom), asc(statuses.category))
      .prepare('recipients_statuses_by_persons'),
    householdsOfPersons: db
      .select({ personId: householdMembers.personId, household: households })
      .from(householdMembers)
      .innerJoin(households, eq(households.id, householdMembers.householdId))
      .where(sql`/* recipients.households-of-persons */ ${householdMembers.personId} = ANY(${ids}::bigint[])`)
      .orderBy(asc(HOUSEHOLD_ORDER), asc(households.id))
      .prepare('recipients_households_of_persons'),
    householdById: db.select().from(households).where(sql`/* recipients.household-by-id */ ${households.id} = ${key}`).limit(1).prepare('recipients_household_by_id'),
    membersOfHouseholds: db
      .select()
      .from(householdMembers)
      .where(sql`/* recipients.members-of-households */ ${householdMembers.householdId} = ANY(${ids}::bigint[])`)
      .orderBy(asc(householdMembers.personId))
      .prepare('recipients_members_of_households'),
    mergesIntoPersons: db
      .select()
      .from(personMerges)
      .where(sql`/* recipients.merges-into-persons */ ${personMerges.intoPersonId} = ANY(${ids}::bigint[])`)
      .orderBy(asc(personMerges.id))
      .prepare('recipients_merges_into_persons'),
    mergeById: db.select().from(personMerges).where(sql`/* recipients.merge-by-id */ ${personMerges.id} = ${key}`).limit(1).prepare('recipients_merge_by_id'),
  };
}

const prepared = new WeakMap<Drizzle, ReturnType<typeof prepareAll>>();

/** The prepared statements of one database handle (the loaders' handle lives as long as the server). */
function statements(db: Drizzle): ReturnType<typeof prepareAll> {
  let s = prepared.get(db);
  if (!s) prepared.set(db, (s = prepareAll(db)));
  return s;
}

function group<K, T>(keys: readonly K[], items: T[], keyOf: (t: T) => K): T[][] {
  const m = new Map<K, T[]>();
  for (const k of keys) m.set(k, []);
  for (const it of items) m.get(keyOf(it))?.push(it);
  return keys.map((k) => m.get(k)!);
}

/** A person by normalised identity number, following a merge to the surviving person. */
export async function personByIdNumber(db: Drizzle, idNumber: string): Promise<PersonRow | null> {
  const r = await statements(db).personByIdNumber.execute({ key: idNumber });
  return r[0] ?? null;
}

/**
 * The settlement an aid record names (`settlement_ref`) as it was read together with the record by
 * `aidByPersons` or `personWithHousehold`: the row, or null when it has not arrived; undefined when the
 * record was read otherwise.
 * Kept beside the row (the row itself is unchanged) for `AidRecord.settlement`, which hands it to the
 * settlement loader instead of asking for it again.
 */
const namedSettlements = new WeakMap<AidRow, SettlementRow | null>();

export function settlementReadWith(a: AidRow): SettlementRow | null | undefined {
  return namedSettlements.get(a);
}

export interface PersonWithHousehold {
  person: PersonRow;
  /** Its household as `householdsOfPersons` chooses it; null for a household of one. */
  household: HouseholdRow | null;
  /** The household's members in `membersOfHouseholds` order, each with its person. */
  members: Array<{ member: MemberRow; person: PersonRow }>;
  /**
   * With `withAid`: the aid of every member (of the person alone when it has no recorded household), as
   * `aidByPersons` answers it, settlements included (`settlementReadWith`).
   */
  aid: Map<number, AidRow[]> | null;
}

/**
 * A person by normalised identity number together with its household, the members and their persons, and
 * with `withAid` the members' aid: in one statement what `personByIdNumber`, `householdsOfPersons`,
 * `membersOfHouseholds`, `personsByIds` and `aidByPersons` answer in five (the household query of a
 * caseworker asks them one after the other).
 */
export async function personWithHousehold(db: Drizzle, idNumber: string, withAid: boolean): Promise<PersonWithHousehold | null> {
  const s = statements(db);
  const r = withAid
    ? await s.personWithHouseholdAid.execute({ key: idNumber })
    : (await s.personWithHousehold.execute({ key: idNumber })).map((row) => ({ ...row, aid: null, settlement: null }));
  if (r.length === 0) return null;
  const { person, household } = r[0]!;
  const members: PersonWithHousehold['members'] = [];
  const aid = withAid ? new Map<number, AidRow[]>() : null;
  for (const row of r) {
    const m = row.member;
    if (m && row.memberPerson && members.at(-1)?.member.personId !== m.personId) members.push({ member: m, person: row.memberPerson });
    if (aid) {
      const owner = m ? m.personId : person.id;
      let list = aid.get(owner);
      if (!list) aid.set(owner, (list = []));
      if (row.aid) {
        list.push(row.aid);
        if (row.aid.settlementRef !== null) namedSettlements.set(row.aid, row.settlement);
      }
    }
  }
  return { person, household, members, aid };
}

export async function personsByIds(db: Drizzle, keys: readonly number[]): Promise<(PersonRow | null)[]> {
  const r = await statements(db).personsByIds.execute({ ids: [...keys] });
  const m = new Map(r.map((p) => [p.id, p]));
  return keys.map((i) => m.get(i) ?? null);
}

export async function aidByPersons(db: Drizzle, keys: readonly number[]): Promise<AidRow[][]> {
  const r = await statements(db).aidByPersons.execute({ ids: [...keys] });
  for (const row of r) if (row.aid.settlementRef !== null) namedSettlements.set(row.aid, row.settlement);
  return group(
    keys,
    r.map((row) => row.aid),
    (a) => a.personId,
  );
}

/** The aid linked to each stay (rule 4), in payment order then the primary order. */
export async function aidBySettlements(db: Drizzle, keys: readonly string[]): Promise<AidRow[][]> {
  const r = await statements(db).aidBySettlements.execute({ ids: [...keys] });
  return group(keys, r, (a) => a.linkedSettlementId!);
}

export async function aidByIds(db: Drizzle, keys: readonly number[]): Promise<(AidRow | null)[]> {
  const r = await statements(db).aidByIds.execute({ ids: [...keys] });
  const m = new Map(r.map((a) => [a.id, a]));
  return keys.map((i) => m.get(i) ?? null);
}

export async function settlementsByPersons(db: Drizzle, keys: readonly number[]): Promise<SettlementRow[][]> {
  const r = await statements(db).settlementsByPersons.execute({ ids: [...keys] });
  return group(keys, r, (s) => s.personId);
}

export async function settlementsByIds(db: Drizzle, keys: readonly string[]): Promise<(SettlementRow | null)[]> {
  const r = await statements(db).settlementsByIds.execute({ ids: [...keys] });
  const m = new Map(r.map((s) => [s.settlementId, s]));
  return keys.map((i) => m.get(i) ?? null);
}

export async function statusesByPersons(db: Drizzle, keys: readonly number[]): Promise<StatusRow[][]> {
  const r = await statements(db).statusesByPersons.execute({ ids: [...keys] });
  return group(keys, r, (s) => s.personId);
}

/**
 * The household of each person: a civil-affairs household first, else a rural one (lowest id among equals),
 * else none (the view shows a household of one).
 */
export async function householdsOfPersons(db: Drizzle, keys: readonly number[]): Promise<(HouseholdRow | null)[]> {
  const r = await statements(db).householdsOfPersons.execute({ ids: [...keys] });
  const m = new Map<number, HouseholdRow>();
  for (const row of r) if (!m.has(row.personId)) m.set(row.personId, row.household);
  return keys.map((i) => m.get(i) ?? null);
}

export async function householdById(db: Drizzle, id: number): Promise<HouseholdRow | null> {
  const r = await statements(db).householdById.execute({ key: id });
  return r[0] ?? null;
}

export async function membersOfHouseholds(db: Drizzle, keys: readonly number[]): Promise<MemberRow[][]> {
  const r = await statements(db).membersOfHouseholds.execute({ ids: [...keys] });
  return group(keys, r, (m) => m.householdId);
}

export async function mergesIntoPersons(db: Drizzle, keys: readonly number[]): Promise<MergeRow[][]> {
  const r = await statements(db).mergesIntoPersons.execute({ ids: [...keys] });
  return group(keys, r, (m) => m.intoPersonId);
}

export async function mergeById(db: Drizzle, id: number): Promise<MergeRow | null> {
  const r = await statements(db).mergeById.execute({ key: id });
  return r[0] ?? null;
}
