/** Reading the quarantine. */
import { and, asc, count, eq, gt, isNull, type SQL } from 'drizzle-orm';
import type { Drizzle } from '../db/client.ts';
import { quarantine } from '../db/schema.ts';

export type QuarantineRow = typeof quarantine.$inferSelect;

export async function listQuarantine(
  db: Drizzle,
  opts: { system?: string | null; afterId?: number | null; limit: number; includeResolved?: boolean },
): Promise<{ items: QuarantineRow[]; total: number; hasNext: boolean }> {
  const where: SQL[] = [];
  if (opts.system) where.push(eq(quarantine.system, opts.system));
  if (!opts.includeResolved) where.push(isNull(quarantine.resolvedAt));
  const filter = where.length ? and(...where) : undefined;
  // label: quarantine.count
  const [{ n }] = (await db.select({ n: count() }).from(quarantine).where(filter)) as [{ n: number }];
  const pageWhere = opts.afterId ? and(filter, gt(quarantine.id, opts.afterId)) : filter;
  // label: quarantine.page
  const items = await db.select().from(quarantine).where(pageWhere).orderBy(asc(quarantine.id)).limit(opts.limit + 1);
  return { items: items.slice(0, opts.limit), total: Number(n), hasNext: items.length > opts.limit };
}
