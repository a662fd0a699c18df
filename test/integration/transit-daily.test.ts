/**
 * The quarterly report reads 已发放未到账 (paid, not arrived) from transit_daily, kept by statement triggers on
 * aid_records (migration 0021). Every way a record enters or leaves transit must move it: a delivery, a
 * duplicate found by the derivation, an arrival, a reversal, a correction of the amount or the payment day,
 * a record withdrawn; and the figure must be the one a fresh database fed the final deliveries gives.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { confirmArrival, reverseAid } from '../../src/ledger/service.ts';
import { quarterlyReport } from '../../src/reports/quarterly.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { charityGrantFile, civilPaymentFile, idNumber } from '../support/builders.ts';
import { transitAgrees } from '../support/replay.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(311);
const Q = idNumber(312);

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
beforeEach(async () => resetDatabase(database));

const deliver = (system: string, name: string, content: Buffer) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
/** transit_daily as `fund day amount×records`, checked against the rule asked of aid_records first. */
const kept = async () => {
  await transitAgrees(database);
  return (
    await rows<{ k: string }>(database.db, sql`SELECT fund_code || ' ' || paid_on::text || ' ' || amount_fen::text || '×' || records::text AS k FROM transit_daily ORDER BY 1`)
  ).map((r) => r.k);
};
const aidId = async (recordId: string) => Number((await rows<{ id: string }>(database.db, sql`SELECT id::text FROM aid_records WHERE record_id = ${recordId}`))[0]!.id);
/** Paid-not-arrived at the end of 2026 Q1 of every fund that has some, in fen. */
const pna = async () =>
  Object.fromEntries((await quarterlyReport(database.db, 2026, 1, ['COUNTY'])).funds.filter((f) => f.paidNotArrived !== 0n).map((f) => [f.fund, String(f.paidNotArrived)]));

describe(`paid-not-arrived is kept per fund and payment day (${testDbKind})`, () => {
  it('follows deliveries, duplicates, arrivals, reversals and corrections, and equals a fresh database fed the final deliveries', async () => {
    await deliver('civil-affairs', 'a.csv', civilPaymentFile([
      { id: 'A-1', person: P, amount: '100.00', paid: '2026/2/5', voucher: 'PZ-1' },
      { id: 'A-2', person: P, amount: '50.00', paid: '2026/2/5' },
      { id: 'A-3', person: Q, amount: '30.00', paid: '2026/3/1' },
      { id: 'A-4', person: Q, amount: '20.00', paid: '2026/4/2' },
    ]));
    const civil = (await kept())[0]!.split(' ')[0]!;
    expect(await kept()).toEqual([`${civil} 2026-02-05 15000×2`, `${civil} 2026-03-01 3000×1`, `${civil} 2026-04-02 2000×1`]);
    // Paid by the quarter's end: the April payment is not in Q1's figure.
    expect(await pna()).toEqual({ [civil]: '18000' });

    // The same payment reported by the charity, paid later: the derivation makes it a duplicate, in no total.
    await deliver('charity', 'b.csv', charityGrantFile([{ id: 'B-1', person: P, amount: '100.00', date: '2026-02-07', voucher: 'PZ-1' }]));
    expect((await kept()).filter((k) => !k.startsWith(civil))).toEqual([]);

    await confirmArrival(database, await aidId('A-2'), new Date('2026-02-20T10:00:00+08:00'), now);
    expect(await kept()).toEqual([`${civil} 2026-02-05 10000×1`, `${civil} 2026-03-01 3000×1`, `${civil} 2026-04-02 2000×1`]);
    await reverseAid(database, await aidId('A-3'), 'paid to the wrong account', now);
    // A day with nothing left in transit is gone, as in a fresh database.
    expect(await kept()).toEqual([`${civil} 2026-02-05 10000×1`, `${civil} 2026-04-02 2000×1`]);
    expect(await pna()).toEqual({ [civil]: '10000' });

    // A correction moves A-1's payment day and amount; A-4 is re-sent as cancelled (已撤销).
    await deliver('civil-affairs', 'c.csv', civilPaymentFile([
      { id: 'A-1', person: P, amount: '120.00', paid: '2026/1/9', voucher: 'PZ-1' },
      { id: 'A-4', person: Q, amount: '20.00', paid: '2026/4/2', status: '已撤销' },
    ]));
    // The charity's record no longer matches A-1's amount: it is no duplicate now, and in transit itself.
    const corrected = await kept();
    const charity = corrected.find((k) => !k.startsWith(civil))?.split(' ')[0];
    expect(corrected).toEqual([`${civil} 2026-01-09 12000×1`, `${charity} 2026-02-07 10000×1`].sort());
    expect(await pna()).toEqual({ [civil]: '12000', [charity!]: '10000' });

    const report = await pna();
    await resetDatabase(database);
    await deliver('civil-affairs', 'a.csv', civilPaymentFile([
      { id: 'A-1', person: P, amount: '120.00', paid: '2026/1/9', voucher: 'PZ-1' },
      { id: 'A-2', person: P, amount: '50.00', paid: '2026/2/5' },
      { id: 'A-3', person: Q, amount: '30.00', paid: '2026/3/1' },
      { id: 'A-4', person: Q, amount: '20.00', paid: '2026/4/2', status: '已撤销' },
    ]));
    await deliver('charity', 'b.csv', charityGrantFile([{ id: 'B-1', person: P, amount: '100.00', date: '2026-02-07', voucher: 'PZ-1' }]));
    await confirmArrival(database, await aidId('A-2'), new Date('2026-02-20T10:00:00+08:00'), now);
    await reverseAid(database, await aidId('A-3'), 'paid to the wrong account', now);
    expect(await kept()).toEqual(corrected);
    expect(await pna()).toEqual(report);
  });
});
