/**
 * The statements of the layer below the domains (src/shared): the person id range that person sets are
 * sliced from.
 */
import { sql } from 'drizzle-orm';
import { rows, type Tx } from '../db/client.ts';

/** The lowest and highest person id (null when there is no person). */
export async function personIdRange(tx: Tx): Promise<{ lo: number; hi: number } | null> {
  const r = await rows<{ lo: string | null; hi: string | null }>(tx, sql`/* shared.person-range */ SELECT min(id)::text AS lo, max(id)::text AS hi FROM persons`);
  if (r[0]!.lo === null) return null;
  return { lo: Number(r[0]!.lo), hi: Number(r[0]!.hi) };
}
