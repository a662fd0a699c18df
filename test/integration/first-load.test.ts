/**
 * A first load (`ingestBatch` of a system with no source heads yet) looks up only the heads of records it has
 * written itself (src/ingest/seen.ts). A record repeated within the load — the same copy again, a correction in
 * a later file, a stale copy of the version a correction superseded — must count and apply exactly as when
 * the files are ingested one by one, whatever the batch boundaries; a later load of the same system (heads
 * present) is the ordinary path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest, ingestBatch, inputSource } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { civilPaymentFile, idNumber } from '../support/builders.ts';
import { derivedState } from '../support/replay.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(301);
const Q = idNumber(302);

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
afterAll(() => undefined);

const files: Array<[string, Buffer]> = [
  ['a.csv', civilPaymentFile([{ id: 'A-1', person: P }, { id: 'A-2', person: Q }])],
  // A-1 again as it was; A-2 corrected
  ['b.csv', civilPaymentFile([{ id: 'A-1', person: P }, { id: 'A-2', person: Q, amount: '1500.00' }])],
  // A-2's first version again (a stale copy), A-3 new
  ['c.csv', civilPaymentFile([{ id: 'A-2', person: Q }, { id: 'A-3', person: P, amount: '300.00' }])],
  // A-3 corrected, A-1 again
  ['d.csv', civilPaymentFile([{ id: 'A-3', person: P, amount: '350.00' }, { id: 'A-1', person: P }])],
];
const civil = adapterFor('civil-affairs')!;
const counters = (s: { new: number; updated: number; unchanged: number; quarantined: number }) => ({ new: s.new, updated: s.updated, unchanged: s.unchanged, quarantined: s.quarantined });
const state = () => derivedState(database, { asOf: '2026-11-01', quarters: [[2026, 1]] });
const aid = () =>
  rows<{ r: string; a: string; v: number; versions: string }>(
    database.db,
    sql`SELECT a.record_id AS r, a.amount_fen::text AS a, a.version AS v,
          (SELECT count(*)::text FROM source_records s WHERE s.system = a.system AND s.record_id = a.record_id) AS versions
        FROM aid_records a ORDER BY a.record_id`,
  );

describe(`a first load with records repeated within it (${testDbKind})`, () => {
  it('counts and applies as file-by-file ingestion does, with batches of one record and of many', async () => {
    await resetDatabase(database);
    const oneByOne = [];
    for (const [name, content] of files) oneByOne.push(counters(await ingest(database, civil, bufferInput(name, content), { now })));
    expect(oneByOne).toEqual([
      { new: 2, updated: 0, unchanged: 0, quarantined: 0 },
      { new: 0, updated: 1, unchanged: 1, quarantined: 0 },
      { new: 1, updated: 0, unchanged: 1, quarantined: 0 },
      { new: 0, updated: 1, unchanged: 1, quarantined: 0 },
    ]);
    const expectedAid = await aid();
    expect(expectedAid).toEqual([
      { r: 'A-1', a: '100000', v: 1, versions: '1' },
      { r: 'A-2', a: '150000', v: 2, versions: '2' },
      { r: 'A-3', a: '35000', v: 2, versions: '2' },
    ]);
    const expectedState = await state();

    for (const batchSize of [1, 2, 1000]) {
      await resetDatabase(database);
      const load = await ingestBatch(database, files.map(([name, content]) => ({ adapter: civil, source: inputSource(civil, bufferInput(name, content)) })), { now, batchSize });
      expect(load.files.map(counters)).toEqual(oneByOne);
      expect(await aid()).toEqual(expectedAid);
      expect(await state()).toEqual(expectedState);
    }

    // A second load of the same system (its heads are there now): everything again is unchanged
    const again = await ingestBatch(database, files.map(([name, content]) => ({ adapter: civil, source: inputSource(civil, bufferInput(`again-${name}`, content)) })), { now, batchSize: 2 });
    expect(again.files.map(counters)).toEqual([
      { new: 0, updated: 0, unchanged: 2, quarantined: 0 },
      { new: 0, updated: 0, unchanged: 2, quarantined: 0 },
      { new: 0, updated: 0, unchanged: 2, quarantined: 0 },
      { new: 0, updated: 0, unchanged: 2, quarantined: 0 },
    ]);
    expect(await aid()).toEqual(expectedAid);
  }, 120_000);
});
