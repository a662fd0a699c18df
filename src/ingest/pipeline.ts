/**
 * The ingest pipeline: one file (or byte stream) of one system → source records → facts or quarantine →
 * the canonical tables. Streaming with bounded memory (records are handled in batches), idempotent per
 * (system, record id), and all-or-nothing per file: a file whose integrity check fails applies nothing.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client.ts';
import { abortRuns, finishRun, heartbeat, startRun } from './runs.ts';
import { todayCst } from '../identity/dates.ts';
import { matchProvisionalChildren, provisionalKeyOf, refKey, resolvePersons } from '../identity/persons.ts';
import { fundCodeOf, type RejectCode } from '../codes.ts';
import {
  FileRejectedError,
  type Adapter,
  type ByteInput,
  type AidFact,
  type Fact,
  type MapContext,
  type MapOutcome,
  type PersonRef,
  type SourceRecord,
} from './adapter.ts';
import * as store from './store.ts';
import { mapRecord } from './common-rules.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { reconcileDonations } from '../ledger/store.ts';

/** The summary `relief-hub ingest` prints and the `ingest` mutation returns (contract.md). */
export interface IngestSummary {
  system: string;
  file: string;
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Records newly flagged DUPLICATE by what this file brought (rule 2). */
  duplicates: number;
  /** Records newly flagged SUSPECTED_DUPLICATE by what this file brought (rule 3). */
  suspectedDuplicates: number;
  rejected: boolean;
  reason: RejectCode | null;
  message: string | null;
  ms: number;
  runId: number;
}

export interface IngestOptions {
  batchSize?: number;
  /** The clock; tests pin it. Dates after today (CST) are refused. */
  now?: Date;
  /**
   * Batch only: derive over every person at the end instead of over what the files touched (a first load,
   * where the two are the same and whole-table passes are cheaper). A scope past WHOLE_SCOPE_PERSONS does
   * this by itself.
   */
  deriveEverything?: boolean;
}

/**
 * JSON with bigint as text and dates as ISO, keys in a fixed order: the basis of content hashes. Written out
 * by hand (one pass, no intermediate objects) because it runs for every record; it prints exactly what
 * `JSON.stringify` with a key-sorting, bigint-to-text replacer prints (the property test in
 * pipeline.test.ts holds it to that), so stored hashes stay valid.
 */
export function stableJson(value: unknown): string {
  return stable(value) ?? 'null';
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Keys sorted, then in the order an object built from them enumerates them (what the original replacer
 * printed): array-index keys first, ascending as numbers, then the others in sorted order.
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o).sort();
  const isIndex = (k: string) => INDEX_KEY.test(k) && Number(k) < 4294967295;
  if (!keys.some(isIndex)) return keys;
  return [...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex(k))];
}

function stable(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `"${v.toString()}"`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const o = v as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof o.toJSON === 'function') return stable(o.toJSON());
  if (Array.isArray(o)) {
    let out = '[';
    for (let i = 0; i < o.length; i++) out += (i ? ',' : '') + (stable(o[i]) ?? 'null');
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const k of sortedKeys(o)) {
    const s = stable(o[k]);
    if (s === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + s;
    first = false;
  }
  return out + '}';
}

/**
 * JSON text that a database cannot store: an escaped NUL (no text or jsonb value holds U+0000) or an escaped
 * lone surrogate (jsonb refuses it). JSON.stringify escapes both; an even run of backslashes before `\u` is
 * an escaped backslash, not an escape.
 */
const UNSTORABLE_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Only records that were corrected at least once can receive a stale version. */
function updatedAnywhere(heads: Map<string, store.Head>): boolean {
  for (const h of heads.values()) if (h.version > 1) return true;
  return false;
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

interface Counters {
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Records newly flagged DUPLICATE / SUSPECTED_DUPLICATE by what this file brought (rules 2 and 3). */
  duplicates: number;
  suspectedDuplicates: number;
}

interface Prepared {
  quarantined: store.QuarantineRow[];
  /** `receivedHash`: the content as received, when the pipeline carried something into it (a known voucher). */
  good: Array<{ rec: SourceRecord; out: Extract<MapOutcome, { ok: true }>; hash: string; receivedHash?: string }>;
  records: number;
}

/**
 * The pure half of a batch: each record mapped to facts (or a quarantine reason) and its content hashed. It
 * needs no database, so the next batch is prepared while the previous one is being written.
 */
function prepareBatch(adapter: Adapter, ctx: MapContext, batch: SourceRecord[]): Prepared {
  const quarantined: store.QuarantineRow[] = [];
  const good: Prepared['good'] = [];
  for (const rec of batch) {
    let out: MapOutcome;
    try {
      out = mapRecord(adapter, rec, ctx);
    } catch (e) {
      // An adapter fault must not lose the record: it is quarantined with the fault as its message.
      out = { ok: false, recordId: null, reason: 'UNPARSABLE', message: `record could not be read: ${(e as Error).message}` };
    }
    // Versions are told apart by what was received, before the record's established identity is carried in.
    if (out.ok) {
      const facts = stableJson(out.facts);
      // The field readers refuse such text; this keeps any other path from failing the whole file on it.
      if (UNSTORABLE_JSON.test(facts)) out = { ok: false, recordId: out.recordId, reason: 'BAD_VALUE', message: 'a field holds a NUL character or a lone surrogate' };
      else {
        good.push({ rec, out, hash: sha256(facts) });
        continue;
      }
    }
    const value = stableJson(rec.value ?? null);
    quarantined.push({
      recordId: out.recordId,
      location: rec.location,
      reason: out.reason,
      message: out.message,
      raw: rec.raw,
      // jsonb holds neither; the raw text (escaped, or the bytes in base64) keeps the record whole.
      value: UNSTORABLE_JSON.test(value) ? 'null' : value,
      rawHash: sha256(rec.raw),
    });
  }
  return { quarantined, good, records: batch.length };
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
async function resolvePaymentKeys(tx: Tx, system: string, file: string, runId: number, prepared: Prepared, c: Counters): Promise<void> {
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

/** The database half of a batch, in the file's transaction. */
async function applyBatch(tx: Tx, adapter: Adapter, file: string, runId: number, prepared: Prepared, c: Counters, scope: Scope): Promise<void> {
  const system = adapter.code;
  const { quarantined } = prepared;
  c.records += prepared.records;
  c.quarantined += quarantined.length;
  await store.storeQuarantine(tx, system, file, runId, quarantined);
  if (prepared.good.some((g) => g.out.paymentKey)) await resolvePaymentKeys(tx, system, file, runId, prepared, c);
  const good = prepared.good;
  if (good.length === 0) return;

  const ids = [...new Set(good.map((g) => g.out.recordId))];
  const heads = await store.loadHeads(tx, system, ids);
  const known = updatedAnywhere(heads) ? await store.loadKnownVersions(tx, system, ids) : new Set<string>();
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
  const fund = adapter.programs[0] ? fundCodeOf(adapter.programs[0].code) : `FUND:${system}`;
  await store.applyDonations(tx, system, fund, donations, donationHashes);
  await store.resolveQuarantineFor(tx, system, entries.map(([r]) => r));
}

/** Where the records of one ingest come from: a file's reader, or records already at hand (a pulled page). */
export interface RecordSource {
  /** Label shown in provenance and quarantine (file name, `pull:<base>#<page>`). */
  name: string;
  /** The whole-file integrity check, run before anything is applied. */
  verify?: () => Promise<void>;
  records: () => AsyncIterable<SourceRecord>;
}

/** An input of a system as a record source: its adapter's integrity check and reader. */
export function inputSource(adapter: Adapter, input: ByteInput): RecordSource {
  return { name: input.name, verify: adapter.verify ? () => adapter.verify!(input) : undefined, records: () => adapter.read(input) };
}

/** Ingests one input of one system and returns its summary. Never throws for bad data; throws for I/O faults. */
export function ingest(database: Database, adapter: Adapter, input: ByteInput, opts: IngestOptions = {}): Promise<IngestSummary> {
  return ingestSource(database, adapter, inputSource(adapter, input), opts);
}

const zero = (): Counters => ({ records: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, duplicates: 0, suspectedDuplicates: 0 });

function summaryOf(adapter: Adapter, source: RecordSource, c: Counters, rejected: FileRejectedError | null, ms: number, runId: number): IngestSummary {
  return {
    system: adapter.code,
    file: source.name,
    ...c,
    rejected: rejected !== null,
    reason: rejected?.reason ?? null,
    message: rejected?.message ?? null,
    ms,
    runId,
  };
}

/** The tables an ingest writes and derivation reads. */
const INGEST_TABLES = sql.raw(
  'persons, households, household_members, statuses, settlements, settlement_refunds, aid_records, donations, source_records, source_heads, quarantine, ledger_transactions, ledger_postings, warnings, person_merges',
);

/**
 * Planner statistics for a long transaction. Autovacuum cannot see rows a transaction has not committed, so
 * in a large load the planner would go on planning for the tables as they were before it (empty, on a first
 * load) and pick plans that degrade quadratically. ANALYZE inside the transaction does see its own rows: it
 * runs each time the records written in the transaction have doubled since the last time (from 20,000), so a
 * load of n records analyses about log2(n / 20,000) times.
 */
export class Statistics {
  private written = 0;
  private next = 20_000;
  constructor(private readonly tx: Tx) {}
  async wrote(records: number): Promise<void> {
    this.written += records;
    if (this.written < this.next) return;
    this.next = this.written * 2;
    await this.refresh();
  }
  /** Analyses now when anything was written since the last time (before derivation). */
  async settle(): Promise<void> {
    if (this.written >= 20_000) await this.refresh();
  }
  private async refresh(): Promise<void> {
    await this.tx.execute(sql`/* ingest.analyze */ ANALYZE ${INGEST_TABLES}`);
  }
}

/**
 * Reads every record of one source and writes its facts, in batches, into the caller's transaction; what it
 * touched goes into `scope`. Two batches are in flight: while the database writes one, the next is read and
 * prepared. Batches are applied strictly in order, each after the previous one finished.
 */
async function loadRecords(tx: Tx, adapter: Adapter, source: RecordSource, runId: number, ctx: MapContext, batchSize: number, c: Counters, scope: Scope, stats: Statistics): Promise<void> {
  let writing: Promise<void> | null = null;
  const flush = async (batch: SourceRecord[]) => {
    const prepared = prepareBatch(adapter, ctx, batch);
    if (writing) await writing;
    await stats.wrote(batch.length);
    writing = applyBatch(tx, adapter, source.name, runId, prepared, c, scope);
    writing.catch(() => undefined); // awaited by the next flush or below; a failure surfaces there
  };
  let batch: SourceRecord[] = [];
  try {
    for await (const rec of source.records()) {
      batch.push(rec);
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
  } catch (e) {
    // A file found malformed mid-way: let the batch being written finish before the rollback.
    if (writing) await (writing as Promise<void>).catch(() => undefined);
    throw e;
  }
  if (writing) await writing;
}

/**
 * What follows the facts of one file or of a batch of files: provisional children matched, the overlap
 * rules derived over everything the files can have changed the outcome of, the fund pool booking what the
 * derived records and the donations now say, the warnings recomputed.
 */
async function settle(tx: Tx, scope: Scope, donations: Map<string, Set<string>>, now: Date): Promise<{ duplicates: number; suspectedDuplicates: number }> {
  for (const id of await matchProvisionalChildren(tx)) scope.addPerson(id);
  const derived = await applyConsequences(tx, scope, now);
  for (const [system, ids] of donations) await reconcileDonations(tx, system, [...ids], now);
  return { duplicates: derived.duplicates, suspectedDuplicates: derived.suspectedDuplicates };
}

/** Ingests records of one system, all or nothing, in batches. */
export async function ingestSource(database: Database, adapter: Adapter, source: RecordSource, opts: IngestOptions = {}): Promise<IngestSummary> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const ctx: MapContext = { system: adapter.code, now, today: todayCst(now) };
  const c = zero();
  const runId = await startRun(database, adapter.code, source.name);
  const stopBeating = heartbeat(database, [runId]);
  let rejected: FileRejectedError | null = null;
  try {
    if (source.verify) await source.verify();
    await database.db.transaction(async (tx) => {
      const scope = new Scope();
      await lockDerivation(tx);
      const stats = new Statistics(tx);
      await loadRecords(tx, adapter, source, runId, ctx, opts.batchSize ?? DEFAULT_BATCH, c, scope, stats);
      await stats.settle();
      Object.assign(c, await settle(tx, scope, new Map([[adapter.code, scope.donations]]), now));
    });
  } catch (e) {
    if (!(e instanceof FileRejectedError)) {
      stopBeating();
      await abortRuns(database, [runId], e);
      throw e;
    }
    rejected = e;
    Object.assign(c, zero());
  } finally {
    stopBeating();
  }
  const summary = summaryOf(adapter, source, c, rejected, Date.now() - started, runId);
  await finishRun(database, summary);
  return summary;
}

export const DEFAULT_BATCH = 2000;

export interface BatchSummary {
  /** One summary per file, in the order given; `duplicates`/`suspectedDuplicates` are the batch's (below). */
  files: IngestSummary[];
  /** Records newly flagged DUPLICATE / SUSPECTED_DUPLICATE by what the whole batch brought. */
  duplicates: number;
  suspectedDuplicates: number;
  /** Time spent deriving the rules, booking the ledger and recomputing warnings, once for the batch. */
  settleMs: number;
  ms: number;
}

/**
 * Ingests several files, of any systems, in one transaction: each file still all or nothing (a savepoint; a
 * rejected file applies nothing and the others go on), and what follows the facts — derivation, ledger,
 * warnings — runs once over the union of what the files touched instead of once per file. Files are applied
 * in the order given. This is the bulk path for a delivery of many exports at once (a province's first load,
 * a quarter's catch-up); readers see the batch all at once when it commits.
 */
export async function ingestBatch(database: Database, items: Array<{ adapter: Adapter; source: RecordSource }>, opts: IngestOptions = {}): Promise<BatchSummary> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const runIds: number[] = [];
  for (const it of items) runIds.push(await startRun(database, it.adapter.code, it.source.name));
  const stopBeating = heartbeat(database, runIds);
  const files: IngestSummary[] = [];
  let settled = { duplicates: 0, suspectedDuplicates: 0 };
  let settleMs = 0;
  await database.db.transaction(async (tx) => {
    const all = new Scope();
    await lockDerivation(tx);
    if (opts.deriveEverything) all.everything();
    const stats = new Statistics(tx);
    const donations = new Map<string, Set<string>>();
    for (const [i, { adapter, source }] of items.entries()) {
      const fileStarted = Date.now();
      const ctx: MapContext = { system: adapter.code, now, today: todayCst(now) };
      const c = zero();
      const scope = new Scope();
      let rejected: FileRejectedError | null = null;
      try {
        if (source.verify) await source.verify();
        await tx.transaction(async (sp) => loadRecords(sp, adapter, source, runIds[i]!, ctx, opts.batchSize ?? DEFAULT_BATCH, c, scope, stats));
        all.merge(scope);
        const ids = donations.get(adapter.code) ?? new Set<string>();
        for (const d of scope.donations) ids.add(d);
        donations.set(adapter.code, ids);
      } catch (e) {
        if (!(e instanceof FileRejectedError)) throw e;
        rejected = e;
        Object.assign(c, zero());
      }
      files.push(summaryOf(adapter, source, c, rejected, Date.now() - fileStarted, runIds[i]!));
    }
    const settleStarted = Date.now();
    await stats.settle();
    settled = await settle(tx, all, donations, now);
    settleMs = Date.now() - settleStarted;
  }).catch(async (e: unknown) => {
    stopBeating();
    await abortRuns(database, runIds, e);
    throw e;
  });
  stopBeating();
  for (const f of files) await finishRun(database, f);
  return { files, ...settled, settleMs, ms: Date.now() - started };
}
