/**
 * Person resolution (domain.md "Identity"): one person per normalised identity number across every system;
 * provisional persons for those without one, merged into the real person once the identity is known —
 * whichever file brings it, in whichever order the files arrive. Every merge is recorded.
 */
import type { Tx } from '../db/client.ts';
import type { PersonRef } from '../ingest/adapter.ts';
import { addressCodeOf, birthDateOf, sexOf } from './id-number.ts';
import { normalizeName } from './text.ts';
import { deriveCounties, deriveHouseholds } from '../ingest/store.ts';
import * as store from './store.ts';

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
    await store.upsertRealPersons(tx, { ids, names, norm, sexes, births, counties });
    const found = await store.personsByIdNumber(tx, ids);
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
    const existing = await store.aliasesExisting(tx, keys);
    const seen = new Set(existing.map((e) => e.key));
    const missing = keys.filter((k) => !seen.has(k)).map((k) => byKey.get(k)!);
    if (missing.length > 0) {
      const created = await store.createAliases(tx, {
        keys: missing.map((a) => a.key),
        names: missing.map((a) => a.ref.name ?? null),
        norm: missing.map((a) => normalizeName(a.ref.name)),
        births: missing.map((a) => a.ref.birthDate ?? null),
        guardians: missing.map((a) => a.ref.guardianIdNumber ?? null),
        into: missing.map((a) => out.get(`id:${a.idNumber}`)!),
      });
      // Nothing existed to move: what the key brings (now and later) reaches the real person through this
      // merge, and its undo finds it by the key on the records' heads (`separate`).
      await store.recordAliasMerges(tx, {
        from: created.map((c) => c.id),
        into: created.map((c) => c.into),
        evidence: created.map((c) => JSON.stringify({ provisionalKey: c.key, idNumber: byKey.get(c.key)!.idNumber, moved: {} })),
      });
      for (const a of missing) out.set(`pk:${a.key}`, out.get(`id:${a.idNumber}`)!);
    }
    // The platform's undos of these provisional persons' merges (one statement for the batch)
    const undos = existing.length === 0 ? [] : await store.undoneMergesFrom(tx, existing.map((e) => e.id));
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
        const existing = await store.personByProvisionalKey(tx, key);
        // Already merged, or that merge was undone (not made again, as above): the child stays where it is.
        if (existing[0] && (existing[0].merged_into !== null || (await store.mergeUndone(tx, Number(existing[0].id), match)))) continue;
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
      await store.upsertProvisionalPersons(tx, { keys: rest, names, norm, births, guardians });
      const found = await store.personsByProvisionalKey(tx, rest);
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
    next = await store.mergedIntoOf(tx, current);
  }
  return current;
}

async function findChildInGuardianHousehold(tx: Tx, guardianIdNumber: string, nameNormalized: string | null, birthDate: string | null): Promise<number | null> {
  if (nameNormalized === null || birthDate === null) return null;
  return store.childInGuardianHousehold(tx, guardianIdNumber, nameNormalized, birthDate);
}

/**
 * After household memberships arrive or change: a child matched in its guardian's household that no longer
 * matches there (the household was corrected) is no longer that member — the match's merge is superseded and
 * the child's records go back to the provisional child; then provisional children whose guardian's household
 * now lists one member of the same name and birth date are that member (unless the platform undid that merge).
 * Returns the persons whose records moved.
 */
export async function matchProvisionalChildren(tx: Tx): Promise<number[]> {
  const stale = await store.staleChildMatches(tx);
  for (const x of stale) await supersedeMerge(tx, Number(x.prov), Number(x.into));
  // (the pairs leave out a merge the platform undid: the rule written in `resolvePersons`, applied to the set)
  const pairs = await store.provisionalChildMatches(tx);
  for (const p of pairs) await mergePerson(tx, Number(p.prov), Number(p.real), 'GUARDIAN_HOUSEHOLD_MATCH', {});
  return [...stale.flatMap((x) => [Number(x.prov), Number(x.into)]), ...pairs.map((p) => Number(p.real))];
}

/** A provisional person seen first as someone already known: created merged, the merge recorded (nothing to move yet). */
async function createMerged(tx: Tx, ref: PersonRef, into: number, reason: string): Promise<void> {
  const id = await store.createMergedPerson(
    tx,
    { key: ref.provisionalKey!, name: ref.name ?? null, norm: normalizeName(ref.name), birthDate: ref.birthDate ?? null, guardianIdNumber: ref.guardianIdNumber ?? null },
    into,
  );
  if (id !== null) await store.recordMerge(tx, id, into, reason, { provisionalKey: ref.provisionalKey, moved: {} });
}

/** Moves what one person's records state (every canonical table) to another; returns the household keys touched. */
async function moveAll(tx: Tx, from: number, into: number): Promise<{ aid: string[]; statuses: string[]; settlements: string[]; households: string[] }> {
  const aid = await store.moveAid(tx, from, into);
  const statuses = await store.moveStatuses(tx, from, into);
  const settlements = await store.moveSettlements(tx, from, into);
  const households = await store.moveMemberships(tx, from, into);
  await store.moveResidences(tx, from, into);
  await store.moveStatements(tx, from, into);
  return { aid, statuses, settlements, households };
}

/** Households and counties of two persons after records moved between them (from the current statements). */
async function rederive(tx: Tx, a: number, b: number, householdKeys: string[]): Promise<void> {
  const before = await store.householdKeysOf(tx, a, b);
  await deriveHouseholds(tx, [a, b], [...new Set([...householdKeys, ...before])]);
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
  const hm = await store.copyHouseholdMembers(tx, from, into);
  await store.dropHouseholdMembers(tx, from);
  await store.setMergedInto(tx, from, into);
  await store.repointMerges(tx, from, into);
  await rederive(tx, from, into, moved.households);
  await store.recordMerge(tx, from, into, reason, {
    ...evidence,
    moved: { aid: moved.aid, statuses: moved.statuses, settlements: moved.settlements, households: hm, householdKeys: moved.households },
  });
}

/**
 * Gives a provisional person back what is its own while it is merged into `into`: every row its key's current
 * records state (source_heads.provisional_key), whenever they arrived, and what the merge listed as moved that
 * no key tells (records delivered before keys were kept). Then it stands alone again.
 */
async function separate(tx: Tx, from: number, into: number, moved: store.Moved): Promise<void> {
  const key = await store.provisionalKeyOfPerson(tx, from);
  await store.giveBackAid(tx, from, into, key, (moved.aid ?? []).map(Number));
  await store.giveBackStatuses(tx, from, into, key, (moved.statuses ?? []).map(Number));
  await store.giveBackSettlements(tx, from, into, key, moved.settlements ?? []);
  const householdKeys = await store.giveBackMemberships(tx, from, into, key);
  await store.giveBackResidences(tx, from, into, key);
  await store.giveBackStatements(tx, from, into, key);
  // Legacy household rows the merge copied (no membership states them)
  const householdIds = (moved.households ?? []).map(Number);
  if (householdIds.length && (moved.householdKeys ?? []).length === 0) await store.giveBackHouseholdMembers(tx, from, into, householdIds);
  await store.unmerge(tx, from);
  await rederive(tx, from, into, householdKeys);
}

/** The merge in force of a provisional person into another no longer holds: the source corrected the claim that made it. */
async function supersedeMerge(tx: Tx, from: number, into: number): Promise<void> {
  const moved = await store.supersedeMerges(tx, from, into);
  await separate(tx, from, into, Object.assign({}, ...moved));
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
  const merge = await store.mergeForUpdate(tx, mergeId);
  if (!merge || merge.undone_at !== null) return null;
  const from = Number(merge.from_person_id);
  const into = Number(merge.into_person_id);
  // A superseded merge moved nothing that is still there; it is only marked, so that the claim is not merged again.
  if (merge.superseded_at === null) await separate(tx, from, into, merge.evidence?.moved ?? {});
  await store.markUndone(tx, mergeId, actor, reason);
  return { mergeId, fromPersonId: from, intoPersonId: into };
}
