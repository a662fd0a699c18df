/**
 * The recipients repository: persons, households, statuses, settlements and aid as the caseworker's view
 * reads them. Batch functions answer in key order, one entry per key (DataLoader's contract).
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.ts';
import { aidRecords, householdMembers, households, personMerges, persons, settlements, statuses } from '../db/schema.ts';

export type PersonRow = typeof persons.$inferSelect;
export type AidRow = typeof aidRecords.$inferSelect;
export type SettlementRow = typeof settlements.$inferSelect;
export type StatusRow = typeof statuses.$inferSelect;
export type HouseholdRow = typeof households.$inferSelect;
export type MemberRow = typeof householdMembers.$inferSelect;
export type MergeRow = typeof personMerges.$inferSelect;

function group<K, T>(keys: readonly K[], items: T[], keyOf: (t: T) => K): T[][] {
  const m = new Map<K, T[]>();
  for (const k of keys) m.set(k, []);
  for (const it of items) m.get(keyOf(it))?.push(it);
  return keys.map((k) => m.get(k)!);
}

/** A person by normalised identity number, following a merge to the surviving person. */
export async function personByIdNumber(db: Drizzle, idNumber: string): Promise<PersonRow | null> {
  // label: recipients.person-by-id-number
  const r = await db.select().from(persons).where(eq(persons.idNumber, idNumber)).limit(1);
  return r[0] ?? null;
}

export async function personsByIds(db: Drizzle, ids: readonly number[]): Promise<(PersonRow | null)[]> {
  // label: recipients.persons-by-ids
  const r = await db.select().from(persons).where(inArray(persons.id, [...ids]));
  const m = new Map(r.map((p) => [p.id, p]));
  return ids.map((i) => m.get(i) ?? null);
}

export async function aidByPersons(db: Drizzle, ids: readonly number[]): Promise<AidRow[][]> {
  // label: recipients.aid-by-persons
  const r = await db
    .select()
    .from(aidRecords)
    .where(inArray(aidRecords.personId, [...ids]))
    .orderBy(asc(aidRecords.paidOn), asc(aidRecords.approvedOn), asc(aidRecords.system), asc(aidRecords.recordId));
  return group(ids, r, (a) => a.personId);
}

/** The aid linked to each stay (rule 4), in payment order then the primary order. */
export async function aidBySettlements(db: Drizzle, ids: readonly string[]): Promise<AidRow[][]> {
  // label: recipients.aid-by-settlements
  const r = await db
    .select()
    .from(aidRecords)
    .where(inArray(aidRecords.linkedSettlementId, [...ids]))
    .orderBy(asc(aidRecords.paidOn), asc(aidRecords.system), asc(aidRecords.recordId));
  return group(ids, r, (a) => a.linkedSettlementId!);
}

export async function aidByIds(db: Drizzle, ids: readonly number[]): Promise<(AidRow | null)[]> {
  // label: recipients.aid-by-ids
  const r = await db.select().from(aidRecords).where(inArray(aidRecords.id, [...ids]));
  const m = new Map(r.map((a) => [a.id, a]));
  return ids.map((i) => m.get(i) ?? null);
}

export async function settlementsByPersons(db: Drizzle, ids: readonly number[]): Promise<SettlementRow[][]> {
  // label: recipients.settlements-by-persons
  const r = await db
    .select()
    .from(settlements)
    .where(and(inArray(settlements.personId, [...ids]), isNull(settlements.refundedBy)))
    .orderBy(asc(settlements.dischargedOn), asc(settlements.settlementId));
  return group(ids, r, (s) => s.personId);
}

export async function settlementsByIds(db: Drizzle, ids: readonly string[]): Promise<(SettlementRow | null)[]> {
  // label: recipients.settlements-by-ids
  const r = await db.select().from(settlements).where(inArray(settlements.settlementId, [...ids]));
  const m = new Map(r.map((s) => [s.settlementId, s]));
  return ids.map((i) => m.get(i) ?? null);
}

export async function statusesByPersons(db: Drizzle, ids: readonly number[]): Promise<StatusRow[][]> {
  // label: recipients.statuses-by-persons
  const r = await db
    .select()
    .from(statuses)
    .where(inArray(statuses.personId, [...ids]))
    .orderBy(asc(statuses.validFrom), asc(statuses.category));
  return group(ids, r, (s) => s.personId);
}

/**
 * The household of each person: a civil-affairs household first, else a rural one (lowest id among equals),
 * else none (the view shows a household of one).
 */
export async function householdsOfPersons(db: Drizzle, ids: readonly number[]): Promise<(HouseholdRow | null)[]> {
  // label: recipients.households-of-persons
  const r = await db
    .select({ personId: householdMembers.personId, household: households })
    .from(householdMembers)
    .innerJoin(households, eq(households.id, householdMembers.householdId))
    .where(inArray(householdMembers.personId, [...ids]))
    .orderBy(asc(sql`CASE WHEN ${households.key} LIKE 'civil:%' THEN 0 ELSE 1 END`), asc(households.id));
  const m = new Map<number, HouseholdRow>();
  for (const row of r) if (!m.has(row.personId)) m.set(row.personId, row.household);
  return ids.map((i) => m.get(i) ?? null);
}

export async function householdById(db: Drizzle, id: number): Promise<HouseholdRow | null> {
  // label: recipients.household-by-id
  const r = await db.select().from(households).where(eq(households.id, id)).limit(1);
  return r[0] ?? null;
}

export async function membersOfHouseholds(db: Drizzle, ids: readonly number[]): Promise<MemberRow[][]> {
  // label: recipients.members-of-households
  const r = await db
    .select()
    .from(householdMembers)
    .where(inArray(householdMembers.householdId, [...ids]))
    .orderBy(asc(householdMembers.personId));
  return group(ids, r, (m) => m.householdId);
}

export async function mergesIntoPersons(db: Drizzle, ids: readonly number[]): Promise<MergeRow[][]> {
  // label: recipients.merges-into-persons
  const r = await db.select().from(personMerges).where(inArray(personMerges.intoPersonId, [...ids])).orderBy(asc(personMerges.id));
  return group(ids, r, (m) => m.intoPersonId);
}

export async function mergeById(db: Drizzle, id: number): Promise<MergeRow | null> {
  // label: recipients.merge-by-id
  const r = await db.select().from(personMerges).where(eq(personMerges.id, id)).limit(1);
  return r[0] ?? null;
}
