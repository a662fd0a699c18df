/**
 * A source read in batches: each batch mapped and hashed (pure, no database), then written by `applyBatch`,
 * with the next batch prepared while the previous one is written.
 */
import type { Tx } from '../db/client.ts';
import type { Adapter, MapContext, MapOutcome, SourceRecord } from './adapter.ts';
import type * as store from './store.ts';
import { mapRecord } from './common-rules.ts';
import { sha256, stableJson, UNSTORABLE_JSON } from './hashing.ts';
import { applyBatch, type Counters, type Prepared } from './dispatch.ts';
import type { Statistics } from './statistics.ts';
import type { Scope } from '../overlap/derive.ts';
import type { SeenIds } from './seen.ts';

/** Where the records of one ingest come from: a file's reader, or records already at hand (a pulled page). */
export interface RecordSource {
  /** Label shown in provenance and quarantine (file name, `pull:<base>#<page>`). */
  name: string;
  /** The whole-file integrity check, run before anything is applied. */
  verify?: () => Promise<void>;
  records: () => AsyncIterable<SourceRecord>;
}

/**
 * The pure half of a batch: each record mapped to facts (or a quarantine reason) and its content hashed. It
 * needs no database, so the next batch is prepared while the previous one is being written.
 */
export function prepareBatch(adapter: Adapter, ctx: MapContext, batch: SourceRecord[]): Prepared {
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
 * Reads every record of one source and writes its facts, in batches, into the caller's transaction; what it
 * touched goes into `scope`. Two batches are in flight: while the database writes one, the next is read and
 * prepared. Batches are applied strictly in order, each after the previous one finished.
 */
export async function loadRecords(tx: Tx, adapter: Adapter, source: RecordSource, runId: number, ctx: MapContext, batchSize: number, c: Counters, scope: Scope, stats: Statistics, seen: SeenIds | null = null): Promise<void> {
  let writing: Promise<void> | null = null;
  const flush = async (batch: SourceRecord[]) => {
    const prepared = prepareBatch(adapter, ctx, batch);
    if (writing) await writing;
    await stats.wrote(batch.length, adapter.code);
    writing = applyBatch(tx, adapter, source.name, runId, prepared, c, scope, seen);
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
