/**
 * The statements of person resolution (issue 13: SQL only in stores). Each function runs one labelled statement;
 * whom a reference or a provisional key stands for, which merges to make and whether an undone merge may be made
 * again are decided in `persons.ts`, which calls these in its unit of work.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';

export interface PersonRow {
  id: string;
  key: string;
  merged_into: string | null;
}

/** What a merge lists as moved (ids as text), for its undo. */
export type Moved = Record<string, string[]>;

/* ----------------------------------------------------------------- persons by identity number and by key */

/** Real persons, one per identity number: created when new, a missing name filled in. Columns are parallel. */
export async function upsertRealPersons(
  tx: Tx,
  c: { ids: string[]; names: (string | null)[]; norm: (string | null)[]; sexes: (string | null)[]; births: (string | null)[]; counties: (string | null)[] },
): Promise<void> {
  await tx.execute(sql`/* persons.upsert-real */ 
      INSERT INTO persons (id_number, name, name_normalized, sex, birth_date, county_code)
      SELECT * FROM unnest(${A(c.ids)}::text[], ${A(c.names)}::text[], ${A(c.norm)}::text[], ${A(c.sexes)}::text[], ${A(c.births)}::date[], ${A(c.counties)}::text[])
      ON CONFLICT (id_number) DO UPDATE SET name = COALESCE(persons.name, EXCLUDED.name),
        name_normalized = COALESCE(persons.name_normalized, EXCLUDED.name_normalized)
      WHERE persons.name IS NULL AND EXCLUDED.name IS NOT NULL`);
}

/** The persons of these identity numbers (`key` is the identity number). */
export function personsByIdNumber(tx: Tx, ids: string[]): Promise<PersonRow[]> {
  return rows<PersonRow>(
    tx,
    sql`/* persons.by-id-number */ SELECT id::text AS id, id_number AS key, merged_into::text AS merged_into FROM persons WHERE id_number = ANY(${A(ids)}::text[])`,
  );
}

/** The provisional persons of keys that now come with an identity number (`key` is the provisional key). */
export function aliasesExisting(tx: Tx, keys: string[]): Promise<PersonRow[]> {
  return rows<PersonRow>(
    tx,
    sql`/* persons.aliases-existing */ SELECT id::text AS id, provisional_key AS key, merged_into::text AS merged_into FROM persons WHERE provisional_key = ANY(${A(keys)}::text[])`,
  );
}

/** Provisional persons created already merged into the real person of their identity. Columns are parallel. */
export function createAliases(
  tx: Tx,
  c: { keys: string[]; names: (string | null)[]; norm: (string | null)[]; births: (string | null)[]; guardians: (string | null)[]; into: number[] },
): Promise<Array<{ id: string; key: string; into: string }>> {
  return rows<{ id: string; key: string; into: string }>(
    tx,
    sql`/* persons.aliases-create */ INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number, merged_into)
            SELECT * FROM unnest(${A(c.keys)}::text[], ${A(c.names)}::text[],
              ${A(c.norm)}::text[], ${A(c.births)}::date[],
              ${A(c.guardians)}::text[], ${A(c.into)}::bigint[])
            RETURNING id::text AS id, provisional_key AS key, merged_into::text AS into`,
  );
}

/** The merges of created aliases, one statement for the batch (`evidence` is JSON text). Columns are parallel. */
export async function recordAliasMerges(tx: Tx, c: { from: string[]; into: string[]; evidence: string[] }): Promise<void> {
  await tx.execute(sql`/* persons.aliases-record-merges */ 
        INSERT INTO person_merges (from_person_id, into_person_id, reason, evidence)
        SELECT f, i, 'IDENTITY_KNOWN', e::jsonb FROM unnest(${A(c.from)}::bigint[], ${A(c.into)}::bigint[],
          ${A(c.evidence)}::text[]) AS t(f, i, e)`);
}

/** The merges of these persons the platform undid, as from → into pairs. */
export function undoneMergesFrom(tx: Tx, ids: string[]): Promise<Array<{ f: string; i: string }>> {
  return rows<{ f: string; i: string }>(
    tx,
    sql`/* persons.undone-merges */ SELECT from_person_id::text AS f, into_person_id::text AS i FROM person_merges
          WHERE undone_at IS NOT NULL AND from_person_id = ANY(${A(ids)}::bigint[])`,
  );
}

/** The provisional person of one key, if any. */
export function personByProvisionalKey(tx: Tx, key: string): Promise<Array<{ id: string; merged_into: string | null }>> {
  return rows<{ id: string; merged_into: string | null }>(
    tx,
    sql`/* persons.by-provisional-key */ SELECT id::text AS id, merged_into::text AS merged_into FROM persons WHERE provisional_key = ${key}`,
  );
}

/** Provisional persons, created when new (an existing one is left as it is). Columns are parallel. */
export async function upsertProvisionalPersons(
  tx: Tx,
  c: { keys: string[]; names: (string | null)[]; norm: (string | null)[]; births: (string | null)[]; guardians: (string | null)[] },
): Promise<void> {
  await tx.execute(sql`/* persons.upsert-provisional */ 
        INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number)
        SELECT * FROM unnest(${A(c.keys)}::text[], ${A(c.names)}::text[], ${A(c.norm)}::text[], ${A(c.births)}::date[], ${A(c.guardians)}::text[])
        ON CONFLICT (provisional_key) DO NOTHING`);
}

/** The provisional persons of these keys (`key` is the provisional key). */
export function personsByProvisionalKey(tx: Tx, keys: string[]): Promise<PersonRow[]> {
  return rows<PersonRow>(
    tx,
    sql`/* persons.by-provisional-keys */ SELECT id::text AS id, provisional_key AS key, merged_into::text AS merged_into FROM persons WHERE provisional_key = ANY(${A(keys)}::text[])`,
  );
}

/** Whom one person is merged into (one hop), if anyone. */
export async function mergedIntoOf(tx: Tx, id: number): Promise<string | null> {
  const r = await rows<{ merged_into: string | null }>(tx, sql`/* persons.merged-into */ SELECT merged_into::text AS merged_into FROM persons WHERE id = ${id}`);
  return r[0]?.merged_into ?? null;
}

/** The provisional key of one person ('' when it has none). */
export async function provisionalKeyOfPerson(tx: Tx, id: number): Promise<string> {
  const p = await rows<{ key: string | null }>(tx, sql`/* persons.provisional-key-of */ SELECT provisional_key AS key FROM persons WHERE id = ${id}`);
  return p[0]?.key ?? '';
}

/* ----------------------------------------------------------------- a child in its guardian's household */

/** The one household member of the provisional child `p` in its guardian's household (same name and birth date), or null. */
const householdMatch = sql`(SELECT min(c.id) FROM persons g
    JOIN household_members gm ON gm.person_id = g.id
    JOIN household_members cm ON cm.household_id = gm.household_id
    JOIN persons c ON c.id = cm.person_id AND c.id_number IS NOT NULL
    WHERE g.id_number = p.guardian_id_number AND c.name_normalized = p.name_normalized AND c.birth_date = p.birth_date
    HAVING count(DISTINCT c.id) = 1)`;

/** The household member a provisional child (not yet stored) is, by `householdMatch`, or null. */
export async function childInGuardianHousehold(tx: Tx, guardianIdNumber: string, nameNormalized: string, birthDate: string): Promise<number | null> {
  const r = await rows<{ id: string | null }>(
    tx,
    sql`/* persons.child-in-guardian-household */ SELECT ${householdMatch}::text AS id
        FROM (SELECT ${guardianIdNumber}::text AS guardian_id_number, ${nameNormalized}::text AS name_normalized, ${birthDate}::date AS birth_date) p`,
  );
  return r[0]?.id ? Number(r[0].id) : null;
}

/** Provisional children merged by a household match (in force) whose guardian's household no longer matches them there. */
export function staleChildMatches(tx: Tx): Promise<Array<{ prov: string; into: string }>> {
  return rows<{ prov: string; into: string }>(
    tx,
    // The merges first, then the match for each (materialized: written as one join, PostgreSQL evaluated the match
    // for every merged child with a guardian before joining the merges: 41,183 times an ingest at provincial scale
    // for 2,076 household-match merges, 2.0–2.8 s of every ingest against 0.2 s now; issue 17)
    sql`/* persons.stale-child-matches */ WITH merged AS MATERIALIZED (
          SELECT p.id, p.merged_into, p.guardian_id_number, p.name_normalized, p.birth_date FROM person_merges m
          JOIN persons p ON p.id = m.from_person_id AND p.merged_into = m.into_person_id
          WHERE m.reason = 'GUARDIAN_HOUSEHOLD_MATCH' AND m.undone_at IS NULL AND m.superseded_at IS NULL
            AND p.id_number IS NULL AND p.guardian_id_number IS NOT NULL)
        SELECT p.id::text AS prov, p.merged_into::text AS into FROM merged p WHERE p.merged_into IS DISTINCT FROM ${householdMatch}`,
  );
}

/**
 * Unmerged provisional children and the household member each now matches, leaving out a pair whose merge the
 * platform undid (the rule is `persons.ts`'s: an undone merge is not made again; this is its set-based form).
 */
export function provisionalChildMatches(tx: Tx): Promise<Array<{ prov: string; real: string }>> {
  return rows<{ prov: string; real: string }>(
    tx,
    sql`/* persons.match-provisional-children */ SELECT p.id::text AS prov, m.real::text AS real
        FROM persons p CROSS JOIN LATERAL (SELECT ${householdMatch} AS real) m
        WHERE p.id_number IS NULL AND p.merged_into IS NULL AND p.guardian_id_number IS NOT NULL AND m.real IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM person_merges u WHERE u.from_person_id = p.id AND u.into_person_id = m.real AND u.undone_at IS NOT NULL)`,
  );
}

/* ----------------------------------------------------------------- merges */

/** Whether the platform undid a merge of `from` into `into`. */
export async function mergeUndone(tx: Tx, from: number, into: number): Promise<boolean> {
  const r = await rows<{ n: string }>(
    tx,
    sql`/* persons.merge-was-undone */ SELECT count(*)::text AS n FROM person_merges WHERE from_person_id = ${from} AND into_person_id = ${into} AND undone_at IS NOT NULL`,
  );
  return r[0]!.n !== '0';
}

export async function recordMerge(tx: Tx, from: number, into: number, reason: string, evidence: Record<string, unknown>): Promise<void> {
  await tx.execute(
    sql`/* persons.record-merge */ INSERT INTO person_merges (from_person_id, into_person_id, reason, evidence) VALUES (${from}, ${into}, ${reason}, ${JSON.stringify(evidence)}::jsonb)`,
  );
}

/** A provisional person created already merged into `into`; its id, or null when the key exists already. */
export async function createMergedPerson(
  tx: Tx,
  p: { key: string; name: string | null; norm: string | null; birthDate: string | null; guardianIdNumber: string | null },
  into: number,
): Promise<number | null> {
  const r = await rows<{ id: string }>(
    tx,
    sql`/* persons.create-merged */ INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number, merged_into)
        VALUES (${p.key}, ${p.name}, ${p.norm}, ${p.birthDate}::date, ${p.guardianIdNumber}, ${into})
        ON CONFLICT (provisional_key) DO NOTHING RETURNING id::text AS id`,
  );
  return r[0] ? Number(r[0].id) : null;
}

/* Moving what one person's records state (every canonical table) to another. */

export async function moveAid(tx: Tx, from: number, into: number): Promise<string[]> {
  const r = await rows<{ id: string }>(tx, sql`/* persons.merge-aid */ UPDATE aid_records SET person_id = ${into} WHERE person_id = ${from} RETURNING id::text AS id`);
  return r.map((x) => x.id);
}

export async function moveStatuses(tx: Tx, from: number, into: number): Promise<string[]> {
  const r = await rows<{ id: string }>(tx, sql`/* persons.merge-statuses */ UPDATE statuses SET person_id = ${into} WHERE person_id = ${from} RETURNING id::text AS id`);
  return r.map((x) => x.id);
}

export async function moveSettlements(tx: Tx, from: number, into: number): Promise<string[]> {
  const r = await rows<{ id: string }>(
    tx,
    sql`/* persons.merge-settlements */ UPDATE settlements SET person_id = ${into} WHERE person_id = ${from} RETURNING settlement_id AS id`,
  );
  return r.map((x) => x.id);
}

/** Returns the household keys of the memberships moved. */
export async function moveMemberships(tx: Tx, from: number, into: number): Promise<string[]> {
  const r = await rows<{ k: string }>(tx, sql`/* persons.merge-memberships */ UPDATE memberships SET person_id = ${into} WHERE person_id = ${from} RETURNING household_key AS k`);
  return r.map((x) => x.k);
}

export async function moveResidences(tx: Tx, from: number, into: number): Promise<void> {
  await tx.execute(sql`/* persons.merge-residences */ UPDATE residences SET person_id = ${into} WHERE person_id = ${from}`);
}

export async function moveStatements(tx: Tx, from: number, into: number): Promise<void> {
  await tx.execute(sql`/* persons.merge-statements */ UPDATE status_statements SET person_id = ${into} WHERE person_id = ${from}`);
}

/** The keys of the households two persons are members of now. */
export async function householdKeysOf(tx: Tx, a: number, b: number): Promise<string[]> {
  const r = await rows<{ k: string }>(
    tx,
    sql`/* persons.households-of */ SELECT h.key AS k FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id IN (${a}, ${b})`,
  );
  return r.map((x) => x.k);
}

/** Copies the household rows of `from` to `into` (legacy rows no membership states); returns the household ids copied. */
export async function copyHouseholdMembers(tx: Tx, from: number, into: number): Promise<string[]> {
  const r = await rows<{ id: string }>(
    tx,
    sql`/* persons.merge-household-members */ INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
        SELECT household_id, ${into}, relationship, source_system, source_record_id, since FROM household_members WHERE person_id = ${from}
        ON CONFLICT DO NOTHING RETURNING household_id::text AS id`,
  );
  return r.map((x) => x.id);
}

export async function dropHouseholdMembers(tx: Tx, personId: number): Promise<void> {
  await tx.execute(sql`/* persons.merge-drop-household-members */ DELETE FROM household_members WHERE person_id = ${personId}`);
}

/** `from` is merged into `into`. */
export async function setMergedInto(tx: Tx, from: number, into: number): Promise<void> {
  await tx.execute(sql`/* persons.merge */ UPDATE persons SET merged_into = ${into} WHERE id = ${from}`);
}

/** Persons merged into `from` are now merged into `into`. */
export async function repointMerges(tx: Tx, from: number, into: number): Promise<void> {
  await tx.execute(sql`/* persons.merge-repoint */ UPDATE persons SET merged_into = ${into} WHERE merged_into = ${from}`);
}

/* Giving a provisional person back what is its own (`separate` in persons.ts): the rows its key's current records
   state (source_heads.provisional_key), and the rows the merge listed as moved that no key tells. */

/** The record (`system`, `recordId`) is one of the key's current records. */
const ofKey = (key: string, system: SQL, recordId: SQL) =>
  sql`EXISTS (SELECT 1 FROM source_heads h WHERE h.provisional_key = ${key} AND h.system = ${system} AND h.record_id = ${recordId})`;
/** No key tells whose the record (`system`, `recordId`) is. */
const keyless = (system: SQL, recordId: SQL) =>
  sql`NOT EXISTS (SELECT 1 FROM source_heads h WHERE h.provisional_key IS NOT NULL AND h.system = ${system} AND h.record_id = ${recordId})`;

export async function giveBackAid(tx: Tx, from: number, into: number, key: string, movedIds: number[]): Promise<void> {
  await tx.execute(sql`/* persons.separate-aid */ UPDATE aid_records a SET person_id = ${from} WHERE a.person_id = ${into}
    AND (${ofKey(key, sql`a.system`, sql`a.record_id`)} OR (a.id = ANY(${A(movedIds)}::bigint[]) AND ${keyless(sql`a.system`, sql`a.record_id`)}))`);
}

export async function giveBackStatuses(tx: Tx, from: number, into: number, key: string, movedIds: number[]): Promise<void> {
  await tx.execute(sql`/* persons.separate-statuses */ UPDATE statuses s SET person_id = ${from} WHERE s.person_id = ${into}
    AND (${ofKey(key, sql`s.source_system`, sql`s.source_record_id`)} OR (s.id = ANY(${A(movedIds)}::bigint[]) AND ${keyless(sql`s.source_system`, sql`s.source_record_id`)}))`);
}

export async function giveBackSettlements(tx: Tx, from: number, into: number, key: string, movedIds: string[]): Promise<void> {
  await tx.execute(sql`/* persons.separate-settlements */ UPDATE settlements s SET person_id = ${from} FROM source_records r
    WHERE s.person_id = ${into} AND r.id = s.source_record_ref
      AND (${ofKey(key, sql`r.system`, sql`r.record_id`)} OR (s.settlement_id = ANY(${A(movedIds)}::text[]) AND ${keyless(sql`r.system`, sql`r.record_id`)}))`);
}

/** Returns the household keys of the memberships given back. */
export async function giveBackMemberships(tx: Tx, from: number, into: number, key: string): Promise<string[]> {
  const r = await rows<{ k: string }>(
    tx,
    sql`/* persons.separate-memberships */ UPDATE memberships m SET person_id = ${from} WHERE m.person_id = ${into} AND ${ofKey(key, sql`m.source_system`, sql`m.source_record_id`)}
        RETURNING m.household_key AS k`,
  );
  return r.map((x) => x.k);
}

export async function giveBackResidences(tx: Tx, from: number, into: number, key: string): Promise<void> {
  await tx.execute(sql`/* persons.separate-residences */ UPDATE residences r SET person_id = ${from} WHERE r.person_id = ${into} AND ${ofKey(key, sql`r.source_system`, sql`r.source_record_id`)}`);
}

export async function giveBackStatements(tx: Tx, from: number, into: number, key: string): Promise<void> {
  await tx.execute(sql`/* persons.separate-statements */ UPDATE status_statements m SET person_id = ${from} WHERE m.person_id = ${into} AND ${ofKey(key, sql`m.source_system`, sql`m.source_record_id`)}`);
}

/** Copies back the legacy household rows of these households that a merge copied from `from` to `into`. */
export async function giveBackHouseholdMembers(tx: Tx, from: number, into: number, householdIds: number[]): Promise<void> {
  await tx.execute(sql`/* persons.separate-household-members */ 
      INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
      SELECT household_id, ${from}, relationship, source_system, source_record_id, since FROM household_members
      WHERE person_id = ${into} AND household_id = ANY(${A(householdIds)}::bigint[]) ON CONFLICT DO NOTHING`);
}

/** `from` stands alone again. */
export async function unmerge(tx: Tx, from: number): Promise<void> {
  await tx.execute(sql`/* persons.unmerge */ UPDATE persons SET merged_into = NULL WHERE id = ${from}`);
}

/** Marks the merge in force of `from` into `into` superseded; returns what it listed as moved (one entry per merge marked). */
export async function supersedeMerges(tx: Tx, from: number, into: number): Promise<Moved[]> {
  const m = await rows<{ evidence: { moved?: Moved } | null }>(
    tx,
    sql`/* persons.supersede-merge */ UPDATE person_merges SET superseded_at = now()
        WHERE from_person_id = ${from} AND into_person_id = ${into} AND undone_at IS NULL AND superseded_at IS NULL RETURNING evidence`,
  );
  return m.map((x) => x.evidence?.moved ?? {});
}

export interface MergeRow {
  from_person_id: string;
  into_person_id: string;
  evidence: { moved?: Moved } | null;
  undone_at: string | null;
  superseded_at: string | null;
}

/** One recorded merge, locked for its undo. */
export async function mergeForUpdate(tx: Tx, mergeId: number): Promise<MergeRow | undefined> {
  const m = await rows<MergeRow>(
    tx,
    sql`/* persons.undo-merge */ SELECT from_person_id::text, into_person_id::text, evidence, undone_at::text, superseded_at::text FROM person_merges WHERE id = ${mergeId} FOR UPDATE`,
  );
  return m[0];
}

export async function markUndone(tx: Tx, mergeId: number, actor: string, reason: string): Promise<void> {
  await tx.execute(sql`/* persons.mark-undone */ UPDATE person_merges SET undone_at = now(), undone_by = ${actor}, undo_reason = ${reason} WHERE id = ${mergeId}`);
}
