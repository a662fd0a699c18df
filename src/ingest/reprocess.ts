/**
 * Re-processing a quarantined record once its source has fixed it: the platform sends the corrected fields
 * (or nothing, to map the record again as stored, e.g. after a reference-data change). A record that now maps
 * is applied like any delivery and its quarantine item is resolved; one that still fails stays quarantined,
 * and nothing is written.
 */
import type { Database } from '../db/client.ts';
import type { quarantine } from '../db/schema.ts';
import { todayCst } from '../identity/dates.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import type { Location, SourceRecord } from './adapter.ts';
import { ingestSource, type IngestSummary } from './pipeline.ts';
import { stableJson } from './hashing.ts';
import { mapRecord } from './common-rules.ts';
import { requireAdapter } from '../../adapters/index.ts';
import { quarantineItem, resolveReprocessed } from './store.ts';

export type QuarantineItemRow = typeof quarantine.$inferSelect;

export interface ReprocessResult {
  outcome: 'APPLIED' | 'STILL_QUARANTINED' | 'ALREADY_RESOLVED';
  reasonCode: string | null;
  message: string | null;
  item: QuarantineItemRow;
  summary: IngestSummary | null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Corrections are merged into the stored fields, object by object (a rural row's `fields`, a claim's `insured`). */
export function mergeCorrections(value: unknown, corrections: unknown): unknown {
  if (!isPlainObject(corrections)) return corrections;
  const base = isPlainObject(value) ? value : {};
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(corrections)) out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeCorrections(base[k], v) : v;
  return out;
}

export async function reprocessQuarantined(database: Database, id: number, corrections: unknown, now: Date = new Date()): Promise<ReprocessResult> {
  const item = await quarantineItem(database.db, id);
  if (!item) throw new HubError(ErrorCode.NOT_FOUND, `no quarantined record ${id}`);
  if (corrections != null && !isPlainObject(corrections)) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, 'corrections must be a JSON object of field → corrected value', { argument: 'corrections' });
  }
  if (item.resolvedAt) return { outcome: 'ALREADY_RESOLVED', reasonCode: null, message: `resolved ${item.resolution}`, item, summary: null };
  const adapter = requireAdapter(item.system);
  if (item.value === null || (isPlainObject(item.value) && '$unparsable' in item.value && corrections == null)) {
    return { outcome: 'STILL_QUARANTINED', reasonCode: item.reasonCode, message: 'the record could not be parsed: send its fields as corrections', item, summary: null };
  }
  const value = corrections == null ? item.value : mergeCorrections(isPlainObject(item.value) && '$unparsable' in item.value ? {} : item.value, corrections);
  const record: SourceRecord = {
    location: { ...(item.location as Location), reprocessOf: item.id } as Location,
    raw: corrections == null ? item.raw : stableJson(value),
    value,
  };
  const mapped = mapRecord(adapter, record, { system: adapter.code, now, today: todayCst(now) });
  if (!mapped.ok) return { outcome: 'STILL_QUARANTINED', reasonCode: mapped.reason, message: mapped.message, item, summary: null };
  const summary = await ingestSource(
    database,
    adapter,
    {
      name: `reprocess:${item.id}:${item.file}`,
      records: async function* () {
        yield record;
      },
    },
    { now },
  );
  await resolveReprocessed(database.db, item.id);
  const after = await quarantineItem(database.db, id);
  return { outcome: 'APPLIED', reasonCode: null, message: null, item: after!, summary };
}
