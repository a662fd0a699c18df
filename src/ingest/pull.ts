/**
 * `relief-hub pull union-women --base URL`: resumes from the stored watermark, follows cursors to the end,
 * applies each page as it arrives (its own transaction) and moves the watermark after it, so that a pull
 * that gives up keeps what it applied and the next one resumes there.
 */
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../db/client.ts';
import { unionWomen } from '../../adapters/union-women/index.ts';
import { fetchClaimPages, pulledRecords, PullError, type PullOptions } from '../../adapters/union-women/pull.ts';
import { ingestSource, type IngestOptions, type IngestSummary } from './pipeline.ts';

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
  // label: pull.read-watermark
  const r = await rows<{ watermark: string }>(database.db, sql`SELECT watermark FROM sync_watermarks WHERE system = ${system}`);
  return r[0]?.watermark ?? null;
}

/** The latest `updatedAt` among a page's items (compared as instants, kept as written). */
function latestUpdatedAt(items: unknown[], current: string | null): string | null {
  let best = current;
  let bestMs = current ? Date.parse(current) : -Infinity;
  for (const it of items) {
    const u = (it as { updatedAt?: unknown } | null)?.updatedAt;
    if (typeof u !== 'string') continue;
    const ms = Date.parse(u);
    if (Number.isFinite(ms) && ms > bestMs) {
      best = u;
      bestMs = ms;
    }
  }
  return best;
}

export async function pullUnionWomen(
  database: Database,
  opts: Omit<PullOptions, 'since'> & { ingest?: IngestOptions },
): Promise<PullSummary> {
  const system = unionWomen.code;
  const since = await readWatermark(database, system);
  const out: PullSummary = { system, base: opts.base, since, watermark: since, pages: 0, records: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, error: null };
  try {
    for await (const page of fetchClaimPages({ ...opts, since })) {
      const name = `pull:${opts.base}#${page.page}`;
      const s: IngestSummary = await ingestSource(database, unionWomen, { name, records: async function* () { yield* pulledRecords(name, page); } }, opts.ingest);
      out.pages++;
      out.records += s.records;
      out.new += s.new;
      out.updated += s.updated;
      out.unchanged += s.unchanged;
      out.quarantined += s.quarantined;
      const next = latestUpdatedAt(page.items, out.watermark);
      if (next !== null && next !== out.watermark) {
        // label: pull.store-watermark
        await database.db.execute(sql`
          INSERT INTO sync_watermarks (system, watermark) VALUES (${system}, ${next})
          ON CONFLICT (system) DO UPDATE SET watermark = EXCLUDED.watermark, updated_at = now()`);
        out.watermark = next;
      }
    }
  } catch (e) {
    if (!(e instanceof PullError)) throw e;
    out.error = { code: e.code, message: e.message, status: e.status, tries: e.tries };
  }
  return out;
}
