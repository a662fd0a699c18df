/**
 * `relief-hub pull <system> --base URL`, for any system whose adapter declares a pull spec (today
 * union-women): resumes from the stored watermark, follows cursors to the end, applies each page as it arrives (its own transaction) and moves the watermark after it, so that a pull
 * that gives up keeps what it applied and the next one resumes there. The watermark moves only over applied
 * claims (`watermarkAfter`).
 */
import type { Database } from '../db/client.ts';
import { adapters, requireAdapter } from '../../adapters/index.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { fetchPages, pulledRecords, PullError, redactUrl, type PullOptions } from './pull-http.ts';
import type { Adapter, MapContext, PullSpec, SourceRecord } from './adapter.ts';
import { todayCst } from '../identity/dates.ts';
import { ingestSource, type IngestOptions, type IngestSummary } from './pipeline.ts';
import { loadWatermark, storeWatermark } from './store.ts';

export interface PullSummary {
  system: string;
  base: string;
  since: string | null;
  watermark: string | null;
  pages: number;
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Set when the pull gave up; what was applied before stays applied. */
  error: { code: string; message: string; status: number | null; tries: number } | null;
}

export async function readWatermark(database: Database, system: string): Promise<string | null> {
  return loadWatermark(database.db, system);
}

/** The system is known but delivers files: it has no API to pull. */
export class NotPulledError extends HubError {
  constructor(system: string) {
    const pulled = adapters.filter((a) => a.pull).map((a) => a.code);
    super(ErrorCode.NOT_PULLED, `${system} is not pulled (it delivers files); pulled systems: ${pulled.join(', ') || 'none'}`, { system, pulledSystems: pulled });
  }
}

/** The adapter of a pulled system and its spec: UNKNOWN_SYSTEM for an unknown code, NOT_PULLED for a system without a pull spec. */
export function pulledAdapter(system: string): Adapter & { pull: PullSpec } {
  const adapter = requireAdapter(system);
  if (!adapter.pull) throw new NotPulledError(system);
  return adapter as Adapter & { pull: PullSpec };
}

/**
 * The watermark after a page: the latest watermark field (union-women: `updatedAt`) among the page's items
 * that were applied, never one of an item that was quarantined. A quarantined item may carry a date in the future (it is quarantined for
 * it): were the watermark moved to it, every later pull would ask for claims after that date and silently
 * miss every claim made until then. Left below it, the next pull asks again from the last applied claim and
 * gets the quarantined one again (quarantine keeps it once) together with everything newer. Applied items
 * never lie after `now`: the mapper refuses an `updatedAt` in the future. Compared as instants, kept as
 * written.
 */
export function watermarkAfter(
  adapter: Adapter & { pull: PullSpec },
  records: readonly SourceRecord<unknown>[],
  current: string | null,
  ctx: MapContext,
): string | null {
  let best = current;
  let bestMs = current ? Date.parse(current) : -Infinity;
  for (const rec of records) {
    const u = (rec.value as Record<string, unknown> | null)?.[adapter.pull.watermarkField];
    if (typeof u !== 'string') continue;
    const ms = Date.parse(u);
    if (!Number.isFinite(ms) || ms <= bestMs || ms > ctx.now.getTime()) continue;
    if (!adapter.map(rec, ctx).ok) continue;
    best = u;
    bestMs = ms;
  }
  return best;
}

export type PullRunOptions = Omit<PullOptions, 'since'> & { ingest?: IngestOptions };

/**
 * Pulls one system by its adapter's spec. Refuses (throws, nothing fetched) an unknown system with
 * UNKNOWN_SYSTEM and a system without a pull spec with NOT_PULLED; a pull that gives up is not thrown but
 * reported in `error`, with what it applied kept.
 */
export async function pull(database: Database, system: string, opts: PullRunOptions): Promise<PullSummary> {
  const adapter = pulledAdapter(system);
  const since = await readWatermark(database, system);
  // One clock for the pull: what the mapper calls the future is what the watermark never passes.
  const now = opts.ingest?.now ?? new Date();
  const ctx: MapContext = { system, now, today: todayCst(now) };
  const base = redactUrl(opts.base);
  const out: PullSummary = { system, base, since, watermark: since, pages: 0, records: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, error: null };
  try {
    for await (const page of fetchPages(adapter.pull, { ...opts, since })) {
      // Stored with every record as its provenance: never with the credentials of the base.
      const name = `pull:${base}#${page.page}`;
      const records = pulledRecords(name, page);
      const s: IngestSummary = await ingestSource(database, adapter, { name, records: async function* () { yield* records; } }, { ...opts.ingest, now });
      out.pages++;
      out.records += s.records;
      out.new += s.new;
      out.updated += s.updated;
      out.unchanged += s.unchanged;
      out.quarantined += s.quarantined;
      const next = watermarkAfter(adapter, records, out.watermark, ctx);
      if (next !== null && next !== out.watermark) {
        await storeWatermark(database.db, system, next);
        out.watermark = next;
      }
    }
  } catch (e) {
    if (!(e instanceof PullError)) throw e;
    out.error = { code: e.code, message: e.message, status: e.status, tries: e.tries };
  }
  return out;
}

