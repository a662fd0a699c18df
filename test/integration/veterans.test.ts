/**
 * Issue 12, line 13 (sources.md §8): a veterans payment's record id is its 凭证号 when present, else
 * 公民身份号码 + 审批时间 + 帮扶金额. The same payment delivered without its voucher and with it is one record,
 * whichever comes first: never two counted payments.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest, type IngestSummary } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { fundBalances } from '../../src/ledger/store.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { idNumber } from '../support/builders.ts';
import { veteransPaymentFile, veteransRosterFile, type VeteransPaymentRow } from '../support/veterans.ts';
import { eligibility } from '../../src/policy/eligibility.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(81);

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
beforeEach(async () => resetDatabase(database));

let n = 0;
const deliver = (rowsIn: VeteransPaymentRow[]): Promise<IngestSummary> =>
  ingest(database, adapterFor('veterans')!, bufferInput(`veterans-${++n}.csv`, veteransPaymentFile(rowsIn)), { now });

/** What a reader sees of the veterans payments: every record, and what counts. */
async function state() {
  const aid = await rows<{ record_id: string; voucher: string | null; amount: string; paid_on: string | null; counts: boolean }>(
    database.db,
    sql`SELECT record_id, voucher, amount_fen::text AS amount, paid_on::text AS paid_on, (duplicate_of IS NULL AND status <> 'REVERSED') AS counts
        FROM aid_records WHERE system = 'veterans' ORDER BY record_id`,
  );
  const fund = (await fundBalances(database.db, 'FUND:VETERAN_ASSISTANCE'))[0]!;
  return { aid, outflows: fund.outflowsFen };
}

const plain: VeteransPaymentRow = { person: P, yuan: 1234.5, approved: '2026-03-01', paid: '2026-03-05', voucher: null };
const vouchered: VeteransPaymentRow = { ...plain, voucher: 'VA20260001' };

describe(`veterans payments with and without their voucher (${testDbKind})`, () => {
  it('line 13: delivered first without 凭证号 and later with it, the payment is one record, corrected, counted once', async () => {
    expect(await deliver([plain])).toMatchObject({ new: 1, updated: 0 });
    expect(await deliver([vouchered])).toMatchObject({ new: 0, updated: 1, unchanged: 0 });
    const s = await state();
    expect(s.aid).toEqual([{ record_id: 'VA20260001', voucher: 'VA20260001', amount: '123450', paid_on: '2026-03-05', counts: true }]);
    expect(s.outflows).toBe(123450n);
    // Its versions are kept under the voucher: both deliveries, the first as received.
    const versions = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM source_records WHERE system = 'veterans' AND record_id = 'VA20260001'`);
    expect(Number(versions[0]!.n)).toBe(2);
    // And it equals what a fresh database fed only the current version holds.
    await resetDatabase(database);
    await deliver([vouchered]);
    expect(await state()).toEqual(s);
  });

  it('delivered first with its voucher and re-sent without it: the same record, and the voucher is kept', async () => {
    await deliver([vouchered]);
    const before = await state();
    expect(await deliver([plain])).toMatchObject({ new: 0, updated: 0, unchanged: 1 });
    expect(await state()).toEqual(before);
    // A re-send without the voucher that changes something else is a correction of the vouchered record.
    expect(await deliver([{ ...plain, paid: '2026-03-09' }])).toMatchObject({ new: 0, updated: 1 });
    expect((await state()).aid).toEqual([{ record_id: 'VA20260001', voucher: 'VA20260001', amount: '123450', paid_on: '2026-03-09', counts: true }]);
    expect((await state()).outflows).toBe(123450n);
  });

  it('a stale copy of the first delivery without voucher, sent after a later correction, changes nothing', async () => {
    await deliver([plain]);
    // The voucher arrives with a corrected payment day: no version with the voucher ever had the first day.
    expect(await deliver([{ ...vouchered, paid: '2026-03-12' }])).toMatchObject({ updated: 1 });
    expect(await deliver([plain])).toMatchObject({ new: 0, updated: 0, unchanged: 1 });
    expect((await state()).aid.map((a) => [a.record_id, a.paid_on])).toEqual([['VA20260001', '2026-03-12']]);
  });

  it('one file holding the payment without and then with its voucher gives one record', async () => {
    const s = await deliver([plain, vouchered]);
    expect(s.records).toBe(2);
    expect((await state()).aid.map((a) => a.record_id)).toEqual(['VA20260001']);
  });

  it('a different amount or approval day is another payment, with or without a voucher', async () => {
    await deliver([plain, { ...plain, yuan: 200 }, { ...plain, approved: '2026-03-02' }]);
    await deliver([vouchered]);
    expect((await state()).aid).toHaveLength(3);
  });

  it('a re-send without voucher matching two vouchered payments is quarantined, not guessed and not counted', async () => {
    await deliver([vouchered, { ...vouchered, voucher: 'VA20260002' }]);
    const s = await deliver([{ ...plain, paid: '2026-03-08' }]);
    expect(s).toMatchObject({ quarantined: 1, new: 0, updated: 0 });
    const q = await rows<{ reason_code: string }>(database.db, sql`SELECT reason_code FROM quarantine WHERE system = 'veterans'`);
    expect(q).toEqual([{ reason_code: 'BAD_VALUE' }]);
    expect((await state()).aid.map((a) => [a.record_id, a.paid_on])).toEqual([
      ['VA20260001', '2026-03-05'],
      ['VA20260002', '2026-03-05'],
    ]);
  });
});

describe(`the rosters of veterans and of disability certificate holders (${testDbKind})`, () => {
  const V = idNumber(82);
  const D = idNumber(83);
  const county = async (id: string) => (await rows<{ c: string | null }>(database.db, sql`SELECT county_code AS c FROM persons WHERE id_number = ${id}`))[0]?.c;

  it('a first-time applicant on the veterans roster meets the veterans rule while the status is in force, and lives where the roster says', async () => {
    expect((await eligibility(database.db, V, 'VETERAN_ASSISTANCE', '2026-06-01')).eligible).toBe(false);
    const s = await ingest(database, adapterFor('veterans')!, bufferInput('roster.csv', veteransRosterFile([{ person: V, from: '2024-05-01', to: '2026-03-31', county: '469005' }])), { now });
    expect(s).toMatchObject({ records: 1, new: 1, quarantined: 0 });
    expect(await eligibility(database.db, V, 'VETERAN_ASSISTANCE', '2026-03-31')).toMatchObject({ eligible: true, ruleCode: 'VETERAN_ASSISTANCE' });
    expect((await eligibility(database.db, V, 'VETERAN_ASSISTANCE', '2026-04-01')).eligible).toBe(false);
    expect(await county(V)).toBe('469005');
    // No payment exists: the roster alone made the person known.
    expect((await state()).aid).toEqual([]);
    // The roster re-sent with the status extended is the same record, corrected.
    const again = await ingest(database, adapterFor('veterans')!, bufferInput('roster-2.csv', veteransRosterFile([{ person: V, from: '2024-05-01', to: null, county: '469005' }])), { now });
    expect(again).toMatchObject({ new: 0, updated: 1 });
    expect((await eligibility(database.db, V, 'VETERAN_ASSISTANCE', '2026-10-01')).eligible).toBe(true);
  });

  it('a first-time applicant on the certificate roster meets the rehabilitation rule; a certificate that contradicts its row is quarantined', async () => {
    const roster = Buffer.from(
      ['残疾人证号,姓名,残疾类别,残疾等级,发证日期,有效期至,县区代码', `${D}42,某某,肢体,二级,2022-06-01,2032-05-31,460106`, `${V}42,某某,视力,二级,2022-06-01,,460106`].join('\n') + '\n',
    );
    const s = await ingest(database, adapterFor('disabled-rehab')!, bufferInput('roster.csv', roster), { now });
    expect(s).toMatchObject({ records: 2, new: 1, quarantined: 1 });
    expect(await eligibility(database.db, D, 'DISABLED_REHAB', '2026-10-01')).toMatchObject({ eligible: true, ruleCode: 'DISABLED_REHAB' });
    expect((await eligibility(database.db, V, 'DISABLED_REHAB', '2026-10-01')).eligible).toBe(false);
    const statuses = await rows<{ category: string; detail: { level: number; category: number } }>(
      database.db,
      sql`SELECT s.category, s.detail FROM statuses s JOIN persons p ON p.id = s.person_id WHERE p.id_number = ${D}`,
    );
    expect(statuses).toEqual([{ category: 'DISABLED', detail: { category: 4, categoryName: '肢体', level: 2 } }]);
    expect(await county(D)).toBe('460106');
    const q = await rows<{ reason_code: string }>(database.db, sql`SELECT reason_code FROM quarantine WHERE system = 'disabled-rehab'`);
    expect(q).toEqual([{ reason_code: 'CERT_MISMATCH' }]);
  });
});
