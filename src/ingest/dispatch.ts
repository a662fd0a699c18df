/**
 * The database half of a batch: a batch's mapped records checked against what the hub holds (heads, known
 * versions, payment keys), new and corrected versions stored, and their facts dispatched by kind to the
 * store's statements. What the batch touched goes into the file's `Scope`.
 */
import type { Tx } from '../db/client.ts';
import { provisionalKeyOf, refKey, resolvePersons } from '../identity/persons.ts';
import { donationFund } from '../ledger/service.ts';
import type { Adapter, AidFact, Fact, MapOutcome, PersonRef, SourceRecord } from './adapter.ts';
import * as store from './store.ts';
import { sha256, stableJson } from './hashing.ts';
import type { Scope } from '../overlap/derive.ts';
import type { SeenIds } from './seen.ts';

export interface Counters {
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Records newly flagged DUPLICATE / SUSPECTED_DUPLICATE by what this file brought (rules 2 and 3). */
  duplicates: number;
  suspectedDuplicates: number;
}

export const zero = (): Counters => ({ records: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, duplicates: 0, suspectedDuplicates: 0 });

export interface Prepared {
  quarantined: store.QuarantineRow[];
  /** `receivedHash`: the content as received, when the pipeline carried something into it (a known voucher). */
  good: Array<{ rec: SourceRecord; out: Extract<MapOutcome, { ok: true }>; hash: string; receivedHash?: string }>;
  records: number;
}

/**
 * Only records that were corrected at least once can receive a stale version (of a record never corrected, the
 * one version known is its head's); their earlier versions are looked up, no one else's.
 */
function corrected(heads: Map<string, store.Head>): string[] {
  const out: string[] = [];
  for (const [id, h] of heads) if (h.version > 1) out.push(id);
  return out;
}

function personsOf(facts: Fact[]): PersonRef[] {
  const out: PersonRef[] = [];
  for (const f of facts) {
    if ('person' in f) {
      out.push(f.person);
      // A guardian named on a child's record is a real, identified person too.
      if (f.person.guardianIdNumber) out.push({ idNumber: f.person.guardianIdNumber });
    }
  }
  return out;
}

/** An identity once established for a record is never lost to a later delivery that lacks it (rule 1). */
function carryIdentity(facts: Fact[], identity: string | null): void {
  if (identity === null) return;
  for (const f of facts) {
    if ('person' in f && !f.person.idNumber && f.person.provisionalKey) f.person = { ...f.person, idNumber: identity };
  }
}

function identityOf(facts: Fact[]): string | null {
  for (const f of facts) if ('person' in f && f.person.idNumber) return f.person.idNumber;
  return null;
}


/**
 * Records known by a voucher when present, else by their own fields (`paymentKey`, veterans): one record
 * whichever delivery comes first (sources.md §8), decided before the heads are read.
 * - With a voucher, when no record has it yet but one was delivered without it (same key): that record is
 *   renamed to the voucher, and this delivery corrects it.
 * - Without a voucher, when no record has the key as its id but exactly one vouchered record has this key: it
 *   re-sends that record. Its voucher is carried in (a voucher once known is not lost, as an identity is not,
 *   rule 1), so a copy differing only by the missing voucher is unchanged and any other change a correction.
 *   When several vouchered records have the key, which one it re-sends cannot be told: it is quarantined
 *   (`BAD_VALUE`), not guessed, and not counted as another payment.
 */
async function resolvePaymentKeys(tx: Tx, system: string, file: string, runId: number, prepared: Prepared, c: Counters, written: SeenIds | null): Promise<void> {
  const keyed = prepared.good.filter((g) => g.out.paymentKey);
  const keys = [...new Set(keyed.map((g) => g.out.paymentKey!))];
  const exists = new Set((await store.loadHeads(tx, system, [...new Set([...keys, ...keyed.map((g) => g.out.recordId)])])).keys());
  const owners = await store.recordsByPaymentKey(tx, system, keys);
  const vouchers = await store.vouchersOf(tx, system, [...new Set([...owners.values()].flat())]);
  const ambiguous: store.QuarantineRow[] = [];
  const keep: Prepared['good'] = [];
  for (const g of prepared.good) {
    const key = g.out.paymentKey;
    if (!key) {
      keep.push(g);
      continue;
    }
    const id = g.out.recordId;
    const known = owners.get(key) ?? [];
    if (id !== key) {
      // Delivered with its voucher.
      if (!exists.has(id) && exists.has(key)) {
        await store.renameRecord(tx, system, key, id);
        written?.add(id);
        exists.delete(key);
        // Deliveries of the same file still to be applied under the old id follow it.
        for (const k of keep) if (k.out.recordId === key) k.out = { ...k.out, recordId: id };
      }
      exists.add(id);
      if (!known.includes(id)) owners.set(key, [...known, id]);
      vouchers.set(id, (g.out.facts.find((f) => f.kind === 'aid') as AidFact | undefined)?.voucher ?? null);
      keep.push(g);
    } else if (!exists.has(key) && known.length === 1) {
      const to = known[0]!;
      const voucher = vouchers.get(to) ?? null;
      const facts = g.out.facts.map((f) => (f.kind === 'aid' && f.voucher === null ? { ...f, voucher } : f));
      keep.push({ ...g, out: { ...g.out, recordId: to, facts }, hash: sha256(stableJson(facts)), receivedHash: g.hash });
    } else if (!exists.has(key) && known.length > 1) {
      ambiguous.push({
        recordId: key,
        location: g.rec.location,
        reason: 'BAD_VALUE',
        message: `no voucher, and ${known.length} payments with vouchers (${known.join(', ')}) have the same identity number, approval date and amount: which one this re-sends cannot be told`,
        raw: g.rec.raw,
        value: stableJson(g.rec.value ?? null),
        rawHash: sha256(g.rec.raw),
      });
    } else {
      exists.add(key);
      keep.push(g);
    }
  }
  if (ambiguous.length > 0) {
    c.quarantined += ambiguous.length;
    await store.storeQuarantine(tx, system, file, runId, ambiguous);
  }
  prepared.good = keep;
}

/**
 * The database half of a batch, in the file's transaction. `written`: on a first load of the system, the record
 * ids the load has written so far (src/ingest/seen.ts); only those it may hold are looked up in the heads.
 */
export async function applyBatch(tx: Tx, adapter: Adapter, file: string, runId: number, prepared: Prepared, c: Counters, scope: Scope, written: SeenIds | null = null): Promise<void> {
  const system = adapter.code;
  const { quarantined } = prepared;
  c.records += prepared.records;
  c.quarantined += quarantined.length;
  await store.storeQuarantine(tx, system, file, runId, quarantined);
  if (prepared.good.some((g) => g.out.paymentKey)) await resolvePaymentKeys(tx, system, file, runId, prepared, c, written);
  const good = prepared.good;
  if (good.length === 0) return;

  const ids = [...new Set(good.map((g) => g.out.recordId))];
  const heads = await store.loadHeads(tx, system, written ? ids.filter((id) => written.mayHave(id)) : ids);
  const known = await store.loadKnownVersions(tx, system, corrected(heads));
  const seen = new Map<string, string>();
  for (const [id, h] of heads) seen.set(id, h.contentHash);
  // The last delivery of a record in the batch is the one applied; `updated` tracks which existed before.
  const apply = new Map<string, { rec: SourceRecord; facts: Fact[]; hash: string; paymentKey?: string }>();
  const updated = new Set<string>();
  for (const { rec, out, hash, receivedHash } of good) {
    const before = seen.get(out.recordId);
    // The same content again, or a stale copy of a version a correction already superseded (an old export
    // delivered again), changes nothing: only new content is a correction.
    if (before === hash || known.has(`${out.recordId}#${hash}`) || (receivedHash !== undefined && known.has(`${out.recordId}#${receivedHash}`))) {
      c.unchanged++;
      continue;
    }
    carryIdentity(out.facts, heads.get(out.recordId)?.identity ?? null);
    if (before === undefined) c.new++;
    else {
      c.updated++;
      updated.add(out.recordId);
    }
    seen.set(out.recordId, hash);
    apply.set(out.recordId, { rec, facts: out.facts, hash, paymentKey: out.paymentKey });
  }
  if (apply.size === 0) return;

  const entries = [...apply.entries()];
  // A correction changes everything it touches, the old side too: what the records said before (their persons,
  // stays, vouchers, households) is re-derived along with what they say now.
  const before = updated.size > 0 ? await store.stateBefore(tx, system, [...updated]) : null;
  if (before) {
    for (const p of before.persons) scope.addPerson(p);
    for (const s of before.settlements) scope.addSettlement(s);
    for (const v of before.vouchers) scope.addVoucher(v);
  }
  const refs = await store.storeVersions(
    tx,
    system,
    file,
    runId,
    entries.map(([recordId, a]) => ({ recordId, contentHash: a.hash, identity: identityOf(a.facts), location: a.rec.location, raw: a.rec.raw, paymentKey: a.paymentKey, provisionalKey: provisionalKeyOf(personsOf(a.facts)) })),
  );
  if (written) for (const [recordId] of entries) written.add(recordId);
  const personIds = await resolvePersons(tx, entries.flatMap(([, a]) => personsOf(a.facts)));
  const pid = (p: PersonRef) => personIds.get(refKey(p))!;
  for (const id of personIds.values()) scope.addPerson(id);

  const residences: Parameters<typeof store.applyResidences>[2] = [];
  const memberships: Parameters<typeof store.applyMemberships>[2] = [];
  const statuses: Parameters<typeof store.applyStatuses>[2] = [];
  const derivedStatuses: Parameters<typeof store.applyDerivedStatuses>[2] = [];
  const settlements: Parameters<typeof store.applySettlements>[1] = [];
  const settlementHashes: string[] = [];
  const refunds: Array<Extract<Fact, { kind: 'refund' }> & { sourceRef: number }> = [];
  const aid: Parameters<typeof store.applyAid>[2] = [];
  const aidHashes: string[] = [];
  const donations: Parameters<typeof store.applyDonations>[3] = [];
  const donationHashes: string[] = [];
  for (const [recordId, a] of entries) {
    const sourceRef = refs.get(recordId)!;
    for (const f of a.facts) {
      switch (f.kind) {
        case 'residence':
          residences.push({ ...f, personId: pid(f.person), recordId, sourceRef });
          break;
        case 'membership':
          memberships.push({ ...f, personId: pid(f.person), recordId, sourceRef });
          break;
        case 'status':
          (f.derivedKey ? derivedStatuses : statuses).push({ ...f, personId: pid(f.person), recordId, sourceRef });
          break;
        case 'settlement':
          scope.addSettlement(f.settlementId);
          settlements.push({ ...f, personId: pid(f.person), recordId, sourceRef });
          settlementHashes.push(a.hash);
          break;
        case 'refund':
          scope.addSettlement(f.originalSettlementId);
          refunds.push({ ...f, sourceRef });
          break;
        case 'aid':
          aid.push({ ...f, personId: pid(f.person), recordId, sourceRef });
          aidHashes.push(a.hash);
          break;
        case 'donation':
          scope.donations.add(f.donationId);
          donations.push({ ...f, recordId, sourceRef });
          donationHashes.push(a.hash);
          break;
      }
    }
  }
  await store.applyResidences(tx, system, residences);
  await store.applyMemberships(tx, system, memberships);
  // Counties and households follow from the records' current statements, for the persons and households
  // they name now and named before.
  const residents = new Set([...residences.map((r) => r.personId), ...(before?.persons ?? [])]);
  await store.deriveCounties(tx, [...residents]);
  const members = new Set([...memberships.map((m) => m.personId), ...(before?.persons ?? [])]);
  const householdKeys = new Set([...memberships.map((m) => m.householdKey), ...(before?.households ?? [])]);
  await store.deriveHouseholds(tx, [...members], [...householdKeys]);
  await store.applyStatuses(tx, system, statuses);
  await store.applyDerivedStatuses(tx, system, derivedStatuses);
  await store.applySettlements(tx, settlements, settlementHashes);
  await store.applyRefunds(tx, refunds, before?.settlements ?? []);
  await store.applyAid(tx, system, aid, aidHashes, updated);
  const fund = donationFund(adapter);
  await store.applyDonations(tx, system, fund, donations, donationHashes);
  await store.resolveQuarantineFor(tx, system, entries.map(([r]) => r));
}
