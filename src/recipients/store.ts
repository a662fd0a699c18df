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
import { and, asc, eq, getTableColumns, isNull, sql, type SQLWrapper, type Table } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PreparedQueryConfig } from 'drizzle-orm/pg-core';

const dialect = new PgDialect();
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


/** The household a person's view shows: civil affairs first, else rural, lowest id among equals. */
const HOUSEHOLD_ORDER = sql`CASE WHEN ${households.key} LIKE 'civil:%' THEN 0 ELSE 1 END`;

/** The id of the household `householdsOfPersons` chooses for a person (HOUSEHOLD_ORDER, then the lowest id). */
const householdOf = (personId: SQLWrapper) =>
  sql`(SELECT hm.household_id FROM ${householdMembers} hm JOIN ${households} h ON h.id = hm.household_id
       WHERE hm.person_id = ${personId} ORDER BY CASE WHEN h.key LIKE 'civil:%' THEN 0 ELSE 1 END, h.id LIMIT 1)`;

/** A table's columns as drizzle maps them (the key of the row object, the column that decodes the driver's value). */
interface Part {
  keys: string[];
  columns: PgColumn[];
  /** Where each of its columns is in the statement's rows (0-based). */
  pos: number[];
}

function partOf(table: Table): Omit<Part, 'pos'> {
  const entries = Object.entries(getTableColumns(table)) as Array<[string, PgColumn]>;
  return { keys: entries.map(([k]) => k), columns: entries.map(([, c]) => c) };
}

/**
 * One row of `part` as drizzle's select maps it (each value through its column's `mapFromDriverValue`), or
 * null when its first column is null: the rule drizzle applies to a left-joined table.
 */
function readPart(part: Part, row: unknown[]): Record<string, unknown> | null {
  if (row[part.pos[0]!] === null) return null;
  const o: Record<string, unknown> = {};
  for (let i = 0; i < part.keys.length; i++) {
    const v = row[part.pos[i]!];
    o[part.keys[i]!] = v === null ? null : part.columns[i]!.mapFromDriverValue(v);
  }
  return o;
}

/** A column's SQL type (a serial is its integer type). */
const typeOf = (c: PgColumn) => c.getSQLType().replace(/^bigserial$/, 'bigint').replace(/^serial$/, 'integer');

/**
 * Positions for the parts of each row kind (`kinds`: the parts a kind's rows carry). Kinds share positions:
 * a position holds one SQL type, and each kind puts its own columns in positions of their type that it does
 * not use yet, so a row is as wide as the widest kind rather than the sum of all (the driver describes and
 * parses every position of every row, NULL or not). Positions start at 2 (after kind and owner).
 */
function layOut(parts: Array<Omit<Part, 'pos'>>, kinds: number[][]): { laid: Part[]; types: string[] } {
  const types: string[] = [];
  const pos: number[][] = parts.map(() => []);
  for (const own of kinds) {
    const used = new Set<number>();
    for (const j of own) {
      for (const c of parts[j]!.columns) {
        const t = typeOf(c);
        let slot = types.findIndex((x, i) => x === t && !used.has(i));
        if (slot < 0) slot = types.push(t) - 1;
        used.add(slot);
        pos[j]!.push(2 + slot);
      }
    }
  }
  return { laid: parts.map((p, j) => ({ ...p, pos: pos[j]! })), types };
}

/**
 * The person by identity number with its household (HOUSEHOLD_ORDER), the members and their persons, and with
 * `withAid` the members' aid with the settlements they name: what `personByIdNumber`, `householdsOfPersons`,
 * `membersOfHouseholds`, `personsByIds` and `aidByPersons` answer in five statements, in one.
 *
 * Rows of three kinds (first column), each carrying only its own columns (the rest NULL): the person with its
 * household (one row), a member with its person (one per member, by person id), an aid record with its
 * settlement (by owner, then `aidByPersons` order). A join would repeat the person's, household's and
 * member's ~40 columns on every aid row, which the driver parsed and drizzle mapped each time (about a tenth
 * of the hub's CPU under the household-query load). Executed through drizzle's session (the statement is
 * prepared by name, logged and counted like the others, the driver parses the values as for a select) with
 * rows as arrays, each part decoded by its table's columns as drizzle's select would (`readPart`).
 */
function personStatement(db: Drizzle, withAid: boolean) {
  const parts = withAid ? [persons, households, householdMembers, persons, aidRecords, settlements] : [persons, households, householdMembers, persons];
  const aliases = ['person', 'household', 'member', 'member_person', 'aid', 'settlement'];
  // The widest kind (aid with its settlement) first, the others in its positions where the types allow.
  const { laid, types } = layOut(parts.map(partOf), withAid ? [[4, 5], [0, 1], [2, 3]] : [[0, 1], [2, 3]]);
  // One branch's columns: its own parts' in their positions, every other position a typed NULL.
  const columnsOf = (own: number[]) => {
    const at = types.map((t) => `NULL::${t}`);
    for (const j of own) laid[j]!.columns.forEach((c, i) => (at[laid[j]!.pos[i]! - 2] = `${aliases[j]}."${c.name}"`));
    return sql.raw(at.join(', '));
  };
  const position = (part: number, column: PgColumn) => laid[part]!.pos[laid[part]!.columns.indexOf(column)]! + 1;
  const label = withAid ? '/* recipients.person-with-household-aid */' : '/* recipients.person-with-household */';
  const query = sql`${sql.raw(label)}
WITH p AS (SELECT id FROM ${persons} WHERE ${persons.idNumber} = ${key}),
     h AS (SELECT ${householdOf(sql`p.id`)} AS id FROM p),
     m AS (SELECT hm.person_id FROM h JOIN ${householdMembers} hm ON hm.household_id = h.id)
SELECT 0 AS kind, NULL::bigint AS owner, ${columnsOf([0, 1])}
FROM p JOIN ${persons} person ON person.id = p.id CROSS JOIN h LEFT JOIN ${households} household ON household.id = h.id
UNION ALL
SELECT 1, member.person_id, ${columnsOf([2, 3])}
FROM h JOIN ${householdMembers} member ON member.household_id = h.id LEFT JOIN ${persons} member_person ON member_person.id = member.person_id
${
  withAid
    ? sql`UNION ALL
SELECT 2, aid.person_id, ${columnsOf([4, 5])}
FROM (SELECT person_id FROM m UNION ALL SELECT p.id FROM p WHERE NOT EXISTS (SELECT 1 FROM m)) o
JOIN ${aidRecords} aid ON aid.person_id = o.person_id LEFT JOIN ${settlements} settlement ON settlement.settlement_id = aid.settlement_ref
ORDER BY 1, 2, ${sql.raw([aidRecords.paidOn, aidRecords.approvedOn, aidRecords.system, aidRecords.recordId].map((c) => position(4, c)).join(', '))}`
    : sql`ORDER BY 1, 2`
}`;
  const name = withAid ? 'recipients_person_parts_aid' : 'recipients_person_parts';
  return db._.session.prepareQuery<PreparedQueryConfig & { execute: PersonWithHousehold | null }>(dialect.sqlToQuery(query), undefined, name, true, (rows) =>
    decodePersonParts(rows, laid, withAid),
  );
}

function prepareAll(db: Drizzle) {
  return {
    // The person, its household, the members and their persons (personStatement), and with aid every member's
    // aid with its named settlement (the person's own aid when it has no recorded household)
    personWithHousehold: personStatement(db, false),
    personWithHouseholdAid: personStatement(db, true),
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
  return (withAid ? s.personWithHouseholdAid : s.personWithHousehold).execute({ key: idNumber });
}

/** `personStatement`'s rows (`laid`: where each table's columns are) as `personWithHousehold` answers them. */
function decodePersonParts(rows: unknown[][], laid: Part[], withAid: boolean): PersonWithHousehold | null {
  const [P, H, M, MP, A, S] = laid as [Part, Part, Part, Part, Part?, Part?];
  let found: PersonWithHousehold | null = null;
  for (const row of rows) {
    const kind = row[0] as number;
    if (kind === 0) {
      found = { person: readPart(P, row) as PersonRow, household: readPart(H, row) as HouseholdRow | null, members: [], aid: withAid ? new Map() : null };
    } else if (kind === 1) {
      const member = readPart(M, row) as MemberRow;
      const person = readPart(MP, row) as PersonRow | null;
      if (person) found!.members.push({ member, person });
      found!.aid?.set(member.personId, []);
    } else {
      // Aid rows come last: a person without members owns its own aid (as aidByPersons would answer it).
      const aid = found!.aid!;
      if (aid.size === 0) aid.set(found!.person.id, []);
      const a = readPart(A!, row) as AidRow;
      aid.get(a.personId)!.push(a);
      if (a.settlementRef !== null) namedSettlements.set(a, readPart(S!, row) as SettlementRow | null);
    }
  }
  if (found?.aid && found.aid.size === 0) found.aid.set(found.person.id, []);
  return found;
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
