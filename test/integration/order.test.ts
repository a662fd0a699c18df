/**
 * Property: the same files ingested in any order (corrections after what they correct) give the same
 * persons, quarantine, links, flags and totals — those of the generator's expected.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { generateProvince, type Expected } from '../../generator/index.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { ingestFile } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { deliveryOrder } from '../support/order.ts';
import { expectedOverlap, overlapTotals } from '../support/overlap.ts';

let dir: string;
let expected: Expected;
let database: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-order-'));
  expected = await generateProvince({ persons: 400, seed: 5, out: dir, corrections: true });
  database = await testDatabase();
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe(`ingestion order does not change any total (${testDbKind})`, () => {
  it('holds for random delivery orders', async () => {
    const now = new Date('2026-11-01T00:00:00+08:00');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        await resetDatabase(database);
        for (const f of deliveryOrder(expected, seed)) await ingestFile(database, f.system, path.join(dir, f.file), { now });
        const persons = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM persons WHERE merged_into IS NULL`);
        const quarantined = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM quarantine`);
        const amount = await rows<{ n: string }>(
          database.db,
          sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records WHERE duplicate_of IS NULL AND status <> 'REVERSED' AND paid_on IS NOT NULL`,
        );
        expect({
          persons: Number(persons[0]!.n),
          quarantined: Number(quarantined[0]!.n),
          counted: Number(amount[0]!.n),
          overlap: await overlapTotals(database),
        }).toEqual({ persons: expected.persons, quarantined: expected.quarantined.total, counted: expected.aid.counted.amountFen, overlap: expectedOverlap(expected) });
      }),
      { numRuns: 3, seed: 20261124 },
    );
  }, 600_000);
});
