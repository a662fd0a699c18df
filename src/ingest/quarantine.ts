/** Reading the quarantine (its statements in src/ingest/store.ts). */
import type { Drizzle } from '../db/client.ts';
import type { quarantine } from '../db/schema.ts';
import { quarantinePage } from './store.ts';

export type QuarantineRow = typeof quarantine.$inferSelect;

export async function listQuarantine(
  db: Drizzle,
  opts: { system?: string | null; afterId?: number | null; limit: number; includeResolved?: boolean },
): Promise<{ items: QuarantineRow[]; total: number; hasNext: boolean }> {
  return quarantinePage(db, opts);
}
