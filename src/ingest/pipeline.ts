/**
 * The ingest pipeline: one file (or byte stream) of one system → source records → facts or quarantine →
 * the canonical tables. Streaming with bounded memory (records are handled in batches), idempotent per
 * (system, record id), and all-or-nothing per file: a file whose integrity check fails applies nothing.
 */
import { transaction, type Database, type Tx } from '../db/client.ts';
import { abortRuns, finishRun, heartbeat, startRun } from './runs.ts';
import { todayCst } from '../identity/dates.ts';
import { matchProvisionalChildren } from '../identity/persons.ts';
import type { RejectCode } from '../codes.ts';
import { FileRejectedError, type Adapter, type ByteInput, type MapContext } from './adapter.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { bookingEverything, reconcileDonations } from '../ledger/store.ts';
import { loadRecords, type RecordSource } from './batches.ts';
import { zero, type Counters } from './dispatch.ts';
import { Statistics } from './statistics.ts';
import { savepoint, systemsWithoutHeads } from './store.ts';
import { SeenIds } from './seen.ts';


/** The summary `relief-hub ingest` prints and the `ingest` mutation returns (contract.md). */
/** What one ingest did: its counters (records, new, updated, unchanged, quarantined, newly flagged duplicates), and the file's fate. */
export interface IngestSummary extends Counters {
  system: string;
  file: string;
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

/** An input of a system as a record source: its adapter's integrity check and reader. */
export function inputSource(adapter: Adapter, input: ByteInput): RecordSource {
  return { name: input.name, verify: adapter.verify ? () => adapter.verify!(input) : undefined, records: () => adapter.read(input) };
}

/** Ingests one input of one system and returns its summary. Never throws for bad data; throws for I/O faults. */
export function ingest(database: Database, adapter: Adapter, input: ByteInput, opts: IngestOptions = {}): Promise<IngestSummary> {
  return ingestSource(database, adapter, inputSource(adapter, input), opts);
}

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
    await transaction(database, async (tx) => {
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
  await transaction(database, async (tx) => {
    const all = new Scope();
    await lockDerivation(tx);
    if (opts.deriveEverything) {
      all.everything();
      await bookingEverything(tx);
    }
    // Systems with no heads yet (a first load): their head lookups are limited to ids this load wrote (seen.ts)
    const firstLoads = new Map<string, SeenIds>();
    for (const s of await systemsWithoutHeads(tx, [...new Set(items.map((it) => it.adapter.code))])) firstLoads.set(s, new SeenIds());
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
        await savepoint(tx, async (sp) => loadRecords(sp, adapter, source, runIds[i]!, ctx, opts.batchSize ?? DEFAULT_BATCH, c, scope, stats, firstLoads.get(adapter.code) ?? null));
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
