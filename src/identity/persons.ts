/**
 * Person resolution (domain.md "Identity"): one person per normalised identity number across every system;
 * provisional persons for those without one, merged into the real person once the identity is known —
 * whichever file brings it, in whichever order the files arrive. Every merge is recorded.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';
import type { PersonRef } from '../ingest/adapter.ts';
import { addressCodeOf, birthDateOf, sexOf } from './id-number.ts';
import { normalizeName } from './text.ts';
import { deriveCounties, deriveHouseholds } from '../ingest/store.ts';

/**
 * The key a reference resolves by. A provisional key comes first, also beside an identity number: the record
 * belongs to whoever that provisional person is now — the real person while its merge holds, the provisional
 * person itself once the platform undid the merge (see `resolvePersons`).
 */
export function refKey(ref: PersonRef): string {
  if (ref.provisionalKey) return `pk:${ref.provisionalKey}`;
  if (ref.idNumber) return `id:${ref.idNumber}`;
  throw new Error('a person reference needs an identity number or a provisional key');
}

/** The provisional key the records of a delivery name their person by, if any (kept on the record's head). */
export function provisionalKeyOf(refs: PersonRef[]): string | null {
  for (const r of refs) if (r.provisionalKey) return r.provisionalKey;
  return null;
}

interface PersonRow {
  id: string;
  key: string;
  merged_into: string | null;
}

/**
 * Resolves a batch of references to person ids, creating persons as needed. Returns refKey → person id,
 * already following merges.
 */
export async function resolvePersons(tx: Tx, refs: PersonRef[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const real = new Map<string, PersonRef>();
  const provisional = new Map<string, PersonRef>();
  const aliases: Array<{ key: string; idNumber: string; ref: PersonRef }> = [];
  for (const ref of refs) {
    if (ref.idNumber) {
      if (!real.has(ref.idNumber)) real.set(ref.idNumber, ref);
      if (ref.provisionalKey) aliases.push({ key: ref.provisionalKey, idNumber: ref.idNumber, ref });
    } else if (ref.provisionalKey) {
      if (!provisional.has(ref.provisionalKey)) provisional.set(ref.provisionalKey, ref);
    }
  }

  if (real.size > 0) {
    const ids = [...real.keys()];
    const names = ids.map((i) => real.get(i)!.name ?? null);
    const norm = names.map((n) => normalizeName(n));
    const sexes = ids.map(sexOf);
    const births = ids.map(birthDateOf);
    const counties = ids.map(addressCodeOf);
    await tx.execute(sql`/* persons.upsert-real */ 
      INSERT INTO persons (id_number, name, name_normalized, sex, birth_date, county_code)
      SELECT * FROM unnest(${A(ids)}::text[], ${A(names)}::text[], ${A(norm)}::text[], ${A(sexes)}::text[], ${A(births)}::date[], ${A(counties)}::text[])
      ON CONFLICT (id_number) DO UPDATE SET name = COALESCE(persons.name, EXCLUDED.name),
        name_normalized = COALESCE(persons.name_normalized, EXCLUDED.name_normalized)
      WHERE persons.name IS NULL AND EXCLUDED.name IS NOT NULL`);
    const found = await rows<PersonRow>(
      tx,
      sql`/* persons.by-id-number */ SELECT id::text AS id, id_number AS key, merged_into::text AS merged_into FROM persons WHERE id_number = ANY(${A(ids)}::text[])`,
    );
    for (const r of found) out.set(`id:${r.key}`, Number(r.id));
  }

  // A provisional key that now comes with its identity: the provisional person (existing or not yet seen)
  // is this real person. Creating the alias row, already merged, makes later provisional-only deliveries
  // of the same key land on the real person too.
  //
  // The one place that decides whom a provisional key stands for (domain.md "Identity"; the undo is the
  // platform's): a merge the platform undid stays undone whatever later deliveries bring — the same
  // claim again (a correction of the case naming the same patient, a stale copy, the unidentified version)
  // does not make it again, and the records of the key stay with the provisional person. A claim of another
  // identity is a new fact: the provisional person merges into that one (that merge was never undone).
  // A claim the source corrected away (the case now names another patient) no longer holds: its merge is
  // superseded (not undone), and the key's records follow the current claim. So whom a record belongs to
  // follows from the current versions and the platform's undos alone, in any order of delivery.
  if (aliases.length > 0) {
    const byKey = new Map(aliases.map((a) => [a.key, a]));
    const keys = [...byKey.keys()];
    const existing = await rows<{ id: string; key: string; merged_into: string | null }>(
      tx,
      sql`/* persons.aliases-existing */ SELECT id::text AS id, provisional_key AS key, merged_into::text AS merged_into FROM persons WHERE provisional_key = ANY(${A(keys)}::text[])`,
    );
    const seen = new Set(existing.map((e) => e.key));
    const missing = keys.filter((k) => !seen.has(k)).map((k) => byKey.get(k)!);
    if (missing.length > 0) {
      const created = await rows<{ id: string; key: string; into: string }>(
        tx,
        sql`/* persons.aliases-create */ INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number, merged_into)
            SELECT * FROM unnest(${A(missing.map((a) => a.key))}::text[], ${A(missing.map((a) => a.ref.name ?? null))}::text[],
              ${A(missing.map((a) => normalizeName(a.ref.name)))}::text[], ${A(missing.map((a) => a.ref.birthDate ?? null))}::date[],
              ${A(missing.map((a) => a.ref.guardianIdNumber ?? null))}::text[], ${A(missing.map((a) => out.get(`id:${a.idNumber}`)!))}::bigint[])
            RETURNING id::text AS id, provisional_key AS key, merged_into::text AS into`,
      );
      // Nothing existed to move: what the key brings (now and later) reaches the real person through this
      // merge, and its undo finds it by the key on the records' heads (`separate`).
      await tx.execute(sql`/* persons.aliases-record-merges */ 
        INSERT INTO person_merges (from_person_id, into_person_id, reason, evidence)
        SELECT f, i, 'IDENTITY_KNOWN', e::jsonb FROM unnest(${A(created.map((c) => c.id))}::bigint[], ${A(created.map((c) => c.into))}::bigint[],
          ${A(created.map((c) => JSON.stringify({ provisionalKey: c.key, idNumber: byKey.get(c.key)!.idNumber, moved: {} })))}::text[]) AS t(f, i, e)`);
      for (const a of missing) out.set(`pk:${a.key}`, out.get(`id:${a.idNumber}`)!);
    }
    // The platform's undos of these provisional persons' merges (one statement for the batch)
    const undos = existing.length === 0 ? [] : await rows<{ f: string; i: string }>(
      tx,
      sql`/* persons.undone-merges */ SELECT from_person_id::text AS f, into_person_id::text AS i FROM person_merges
          WHERE undone_at IS NOT NULL AND from_person_id = ANY(${A(existing.map((e) => e.id))}::bigint[])`,
    );
    const undonePairs = new Set(undos.map((u) => `${u.f}>${u.i}`));
    for (const e of existing) {
      const a = byKey.get(e.key)!;
      const from = Number(e.id);
      const realId = out.get(`id:${a.idNumber}`)!;
      const undone = undonePairs.has(`${from}>${realId}`);
      const target = undone ? from : realId;
      const current = e.merged_into === null ? null : Number(e.merged_into);
      if (current !== null && current !== target) await supersedeMerge(tx, from, current);
      if (!undone && current !== realId) await mergePerson(tx, from, realId, 'IDENTITY_KNOWN', { provisionalKey: a.key, idNumber: a.idNumber });
      out.set(`pk:${a.key}`, target);
    }
  }

  if (provisional.size > 0) {
    const keys = [...provisional.keys()];
    // A child known only through a guardian is first matched to a household member recorded elsewhere.
    for (const key of keys) {
      const ref = provisional.get(key)!;
      if (!ref.guardianIdNumber) continue;
      const match = await findChildInGuardianHousehold(tx, ref.guardianIdNumber, normalizeName(ref.name), ref.birthDate ?? null);
      if (match !== null) {
        const existing = await rows<{ id: string; merged_into: string | null }>(
          tx,
          sql`SELECT id::text AS id, merged_into::text AS merged_into FROM persons WHERE provisional_key = ${key}`,
        );
        if (existing[0] && (existing[0].merged_into !== null || (await mergeWasUndone(tx, Number(existing[0].id), match)))) continue;
        if (existing[0]) await mergePerson(tx, Number(existing[0].id), match, 'GUARDIAN_HOUSEHOLD_MATCH', { provisionalKey: key });
        else await createMerged(tx, ref, match, 'GUARDIAN_HOUSEHOLD_MATCH');
        out.set(`pk:${key}`, match);
        provisional.delete(key);
      }
    }
    const rest = [...provisional.keys()];
    if (rest.length > 0) {
      const names = rest.map((k) => provisional.get(k)!.name ?? null);
      const norm = names.map((n) => normalizeName(n));
      const births = rest.map((k) => provisional.get(k)!.birthDate ?? null);
      const guardians = rest.map((k) => provisional.get(k)!.guardianIdNumber ?? null);
      await tx.execute(sql`/* persons.upsert-provisional */ 
        INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number)
        SELECT * FROM unnest(${A(rest)}::text[], ${A(names)}::text[], ${A(norm)}::text[], ${A(births)}::date[], ${A(guardians)}::text[])
        ON CONFLICT (provisional_key) DO NOTHING`);
      const found = await rows<PersonRow>(
        tx,
        sql`SELECT id::text AS id, provisional_key AS key, merged_into::text AS merged_into FROM persons WHERE provisional_key = ANY(${A(rest)}::text[])`,
      );
      for (const r of found) out.set(`pk:${r.key}`, await followMerges(tx, Number(r.id), r.merged_into));
    }
  }
  return out;
}

async function followMerges(tx: Tx, id: number, mergedInto: string | null): Promise<number> {
  let current = id;
  let next = mergedInto;
  for (let hops = 0; next !== null && hops < 10; hops++) {
    current = Number(next);
    const r = await rows<{ merged_into: string | null }>(tx, sql`SELECT merged_into::text AS merged_into FROM persons WHERE id = ${current}`);
    next = r[0]?.merged_into ?? null;
  }
  return current;
}

async function findChildInGuardianHousehold(tx: Tx, guardianIdNumber: string, nameNormalized: string | null, birthDate: string | null): Promise<number | null> {
  if (nameNormalized === null || birthDate === null) return null;
  const r = await rows<{ id: string | null }>(
    tx,
    sql`/* persons.child-in-guardian-household */ SELECT ${householdMatch}::text AS id
        FROM (SELECT ${guardianIdNumber}::text AS guardian_id_number, ${nameNormalized}::text AS name_normalized, ${birthDate}::date AS birth_date) p`,
  );
  return r[0]?.id ? Number(r[0].id) : null;
}

/** The one household member of the provisional child `p` in its guardian's household (same name and birth date), or null. */
const householdMatch = sql`(SELECT min(c.id) FROM persons g
    JOIN household_members gm ON gm.person_id = g.id
    JOIN household_members cm ON cm.household_id = gm.household_id
    JOIN persons c ON c.id = cm.person_id AND c.id_number IS NOT NULL
    WHERE g.id_number = p.guardian_id_number AND c.name_normalized = p.name_normalized AND c.birth_date = p.birth_date
    HAVING count(DISTINCT c.id) = 1)`;

/**
 * After household memberships arrive or change: a child matched in its guardian's household that no longer
 * matches there (the household was corrected) is no longer that member — the match's merge is superseded and
 * the child's records go back to the provisional child; then provisional children whose guardian's household
 * now lists one member of the same name and birth date are that member (unless the platform undid that merge).
 * Returns the persons whose records moved.
 */
export async function matchProvisionalChildren(tx: Tx): Promise<number[]> {
  const stale = await rows<{ prov: string; into: string }>(
    tx,
    sql`/* persons.stale-child-matches */ SELECT p.id::text AS prov, p.merged_into::text AS into FROM persons p
        JOIN person_merges m ON m.from_person_id = p.id AND m.into_person_id = p.merged_into AND m.reason = 'GUARDIAN_HOUSEHOLD_MATCH'
          AND m.undone_at IS NULL AND m.superseded_at IS NULL
        WHERE p.id_number IS NULL AND p.guardian_id_number IS NOT NULL AND p.merged_into IS DISTINCT FROM ${householdMatch}`,
  );
  for (const x of stale) await supersedeMerge(tx, Number(x.prov), Number(x.into));
  const pairs = await rows<{ prov: string; real: string }>(
    tx,
    sql`/* persons.match-provisional-children */ SELECT p.id::text AS prov, m.real::text AS real
        FROM persons p CROSS JOIN LATERAL (SELECT ${householdMatch} AS real) m
        WHERE p.id_number IS NULL AND p.merged_into IS NULL AND p.guardian_id_number IS NOT NULL AND m.real IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM person_merges u WHERE u.from_person_id = p.id AND u.into_person_id = m.real AND u.undone_at IS NOT NULL)`,
  );
  for (const p of pairs) await mergePerson(tx, Number(p.prov), Number(p.real), 'GUARDIAN_HOUSEHOLD_MATCH', {});
  return [...stale.flatMap((x) => [Number(x.prov), Number(x.into)]), ...pairs.map((p) => Number(p.real))];
}

/** A merge the platform undid is not made again by a later delivery. */
async function mergeWasUndone(tx: Tx, from: number, into: number): Promise<boolean> {
  const r = await rows<{ n: string }>(
    tx,
    sql`SELECT count(*)::text AS n FROM person_merges WHERE from_person_id = ${from} AND into_person_id = ${into} AND undone_at IS NOT NULL`,
  );
  return r[0]!.n !== '0';
}

async function recordMerge(tx: Tx, from: number, into: number, reason: string, evidence: Record<string, unknown>): Promise<void> {
  await tx.execute(
    sql`/* persons.record-merge */ INSERT INTO person_merges (from_person_id, into_person_id, reason, evidence) VALUES (${from}, ${into}, ${reason}, ${JSON.stringify(evidence)}::jsonb)`,
  );
}

/** A provisional person seen first as someone already known: created merged, the merge recorded (nothing to move yet). */
async function createMerged(tx: Tx, ref: PersonRef, into: number, reason: string): Promise<void> {
  const r = await rows<{ id: string }>(
    tx,
    sql`/* persons.create-merged */ INSERT INTO persons (provisional_key, name, name_normalized, birth_date, guardian_id_number, merged_into)
        VALUES (${ref.provisionalKey!}, ${ref.name ?? null}, ${normalizeName(ref.name)}, ${ref.birthDate ?? null}::date, ${ref.guardianIdNumber ?? null}, ${into})
        ON CONFLICT (provisional_key) DO NOTHING RETURNING id::text AS id`,
  );
  if (r[0]) await recordMerge(tx, Number(r[0].id), into, reason, { provisionalKey: ref.provisionalKey, moved: {} });
}

/** Moves what one person's records state (every canonical table) to another; returns the household keys touched. */
async function moveAll(tx: Tx, from: number, into: number): Promise<{ aid: string[]; statuses: string[]; settlements: string[]; households: string[] }> {
  const aid = await rows<{ id: string }>(tx, sql`/* persons.merge-aid */ UPDATE aid_records SET person_id = ${into} WHERE person_id = ${from} RETURNING id::text AS id`);
  const st = await rows<{ id: string }>(tx, sql`/* persons.merge-statuses */ UPDATE statuses SET person_id = ${into} WHERE person_id = ${from} RETURNING id::text AS id`);
  const setl = await rows<{ id: string }>(
    tx,
    sql`/* persons.merge-settlements */ UPDATE settlements SET person_id = ${into} WHERE person_id = ${from} RETURNING settlement_id AS id`,
  );
  const hm = await rows<{ k: string }>(tx, sql`/* persons.merge-memberships */ UPDATE memberships SET person_id = ${into} WHERE person_id = ${from} RETURNING household_key AS k`);
  await tx.execute(sql`/* persons.merge-residences */ UPDATE residences SET person_id = ${into} WHERE person_id = ${from}`);
  await tx.execute(sql`/* persons.merge-statements */ UPDATE status_statements SET person_id = ${into} WHERE person_id = ${from}`);
  return { aid: aid.map((r) => r.id), statuses: st.map((r) => r.id), settlements: setl.map((r) => r.id), households: hm.map((r) => r.k) };
}

/** Households and counties of two persons after records moved between them (from the current statements). */
async function rederive(tx: Tx, a: number, b: number, householdKeys: string[]): Promise<void> {
  const before = await rows<{ k: string }>(
    tx,
    sql`/* persons.households-of */ SELECT h.key AS k FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id IN (${a}, ${b})`,
  );
  await deriveHouseholds(tx, [a, b], [...new Set([...householdKeys, ...before.map((r) => r.k)])]);
  await deriveCounties(tx, [a, b]);
}

/**
 * Merges a provisional person into another: everything that belonged to it follows, and the merge records
 * what moved. (Its undo moves back everything the provisional key's current records state, which includes what
 * moved here and what reached the real person through the merge later.)
 */
export async function mergePerson(tx: Tx, from: number, into: number, reason: string, evidence: Record<string, unknown>): Promise<void> {
  if (from === into) return;
  const moved = await moveAll(tx, from, into);
  // Legacy household rows of the provisional person that no membership states (before memberships were kept)
  const hm = await rows<{ id: string }>(
    tx,
    sql`/* persons.merge-household-members */ INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
        SELECT household_id, ${into}, relationship, source_system, source_record_id, since FROM household_members WHERE person_id = ${from}
        ON CONFLICT DO NOTHING RETURNING household_id::text AS id`,
  );
  await tx.execute(sql`DELETE FROM household_members WHERE person_id = ${from}`);
  await tx.execute(sql`/* persons.merge */ UPDATE persons SET merged_into = ${into} WHERE id = ${from}`);
  await tx.execute(sql`UPDATE persons SET merged_into = ${into} WHERE merged_into = ${from}`);
  await rederive(tx, from, into, moved.households);
  await recordMerge(tx, from, into, reason, {
    ...evidence,
    moved: { aid: moved.aid, statuses: moved.statuses, settlements: moved.settlements, households: hm.map((r) => r.id), householdKeys: moved.households },
  });
}

/**
 * Gives a provisional person back what is its own while it is merged into `into`: every row its key's current
 * records state (source_heads.provisional_key), whenever they arrived, and what the merge listed as moved that
 * no key tells (records delivered before keys were kept). Then it stands alone again.
 */
async function separate(tx: Tx, from: number, into: number, moved: Record<string, string[]>): Promise<void> {
  const p = await rows<{ key: string | null }>(tx, sql`SELECT provisional_key AS key FROM persons WHERE id = ${from}`);
  const key = p[0]?.key ?? '';
  const ofKey = (system: SQL, recordId: SQL) =>
    sql`EXISTS (SELECT 1 FROM source_heads h WHERE h.provisional_key = ${key} AND h.system = ${system} AND h.record_id = ${recordId})`;
  const keyless = (system: SQL, recordId: SQL) =>
    sql`NOT EXISTS (SELECT 1 FROM source_heads h WHERE h.provisional_key IS NOT NULL AND h.system = ${system} AND h.record_id = ${recordId})`;
  const aid = (moved.aid ?? []).map(Number);
  const statusIds = (moved.statuses ?? []).map(Number);
  const settlementIds = moved.settlements ?? [];
  await tx.execute(sql`/* persons.separate-aid */ UPDATE aid_records a SET person_id = ${from} WHERE a.person_id = ${into}
    AND (${ofKey(sql`a.system`, sql`a.record_id`)} OR (a.id = ANY(${A(aid)}::bigint[]) AND ${keyless(sql`a.system`, sql`a.record_id`)}))`);
  await tx.execute(sql`/* persons.separate-statuses */ UPDATE statuses s SET person_id = ${from} WHERE s.person_id = ${into}
    AND (${ofKey(sql`s.source_system`, sql`s.source_record_id`)} OR (s.id = ANY(${A(statusIds)}::bigint[]) AND ${keyless(sql`s.source_system`, sql`s.source_record_id`)}))`);
  await tx.execute(sql`/* persons.separate-settlements */ UPDATE settlements s SET person_id = ${from} FROM source_records r
    WHERE s.person_id = ${into} AND r.id = s.source_record_ref
      AND (${ofKey(sql`r.system`, sql`r.record_id`)} OR (s.settlement_id = ANY(${A(settlementIds)}::text[]) AND ${keyless(sql`r.system`, sql`r.record_id`)}))`);
  const hm = await rows<{ k: string }>(
    tx,
    sql`/* persons.separate-memberships */ UPDATE memberships m SET person_id = ${from} WHERE m.person_id = ${into} AND ${ofKey(sql`m.source_system`, sql`m.source_record_id`)}
        RETURNING m.household_key AS k`,
  );
  await tx.execute(sql`/* persons.separate-residences */ UPDATE residences r SET person_id = ${from} WHERE r.person_id = ${into} AND ${ofKey(sql`r.source_system`, sql`r.source_record_id`)}`);
  await tx.execute(sql`/* persons.separate-statements */ UPDATE status_statements m SET person_id = ${from} WHERE m.person_id = ${into} AND ${ofKey(sql`m.source_system`, sql`m.source_record_id`)}`);
  // Legacy household rows the merge copied (no membership states them)
  const householdIds = (moved.households ?? []).map(Number);
  if (householdIds.length && (moved.householdKeys ?? []).length === 0) {
    await tx.execute(sql`/* persons.separate-household-members */ 
      INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
      SELECT household_id, ${from}, relationship, source_system, source_record_id, since FROM household_members
      WHERE person_id = ${into} AND household_id = ANY(${A(householdIds)}::bigint[]) ON CONFLICT DO NOTHING`);
  }
  await tx.execute(sql`/* persons.unmerge */ UPDATE persons SET merged_into = NULL WHERE id = ${from}`);
  await rederive(tx, from, into, hm.map((r) => r.k));
}

/** The merge in force of a provisional person into another no longer holds: the source corrected the claim that made it. */
async function supersedeMerge(tx: Tx, from: number, into: number): Promise<void> {
  const m = await rows<{ evidence: { moved?: Record<string, string[]> } | null }>(
    tx,
    sql`/* persons.supersede-merge */ UPDATE person_merges SET superseded_at = now()
        WHERE from_person_id = ${from} AND into_person_id = ${into} AND undone_at IS NULL AND superseded_at IS NULL RETURNING evidence`,
  );
  await separate(tx, from, into, Object.assign({}, ...m.map((x) => x.evidence?.moved ?? {})));
}

export interface UndoResult {
  mergeId: number;
  fromPersonId: number;
  intoPersonId: number;
}

/**
 * Undoes a wrong merge (platform only): what belongs to the provisional person goes back to it — everything its
 * key's current records state, also what arrived after the merge — and it stands alone again; the merge stays
 * recorded with who undid it and why, and is not made again by later deliveries (see `resolvePersons`).
 */
export async function undoMerge(tx: Tx, mergeId: number, actor: string, reason: string): Promise<UndoResult | null> {
  const m = await rows<{ from_person_id: string; into_person_id: string; evidence: { moved?: Record<string, string[]> } | null; undone_at: string | null; superseded_at: string | null }>(
    tx,
    sql`/* persons.undo-merge */ SELECT from_person_id::text, into_person_id::text, evidence, undone_at::text, superseded_at::text FROM person_merges WHERE id = ${mergeId} FOR UPDATE`,
  );
  const merge = m[0];
  if (!merge || merge.undone_at !== null) return null;
  const from = Number(merge.from_person_id);
  const into = Number(merge.into_person_id);
  // A superseded merge moved nothing that is still there; it is only marked, so that the claim is not merged again.
  if (merge.superseded_at === null) await separate(tx, from, into, merge.evidence?.moved ?? {});
  await tx.execute(sql`/* persons.mark-undone */ UPDATE person_merges SET undone_at = now(), undone_by = ${actor}, undo_reason = ${reason} WHERE id = ${mergeId}`);
  return { mergeId, fromPersonId: from, intoPersonId: into };
}
