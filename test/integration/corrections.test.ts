/**
 * Corrections and delivery order never change an answer (issue 12): one test per observed failure, each
 * with hand-made files in the agencies' formats through the ingest path, and each ending with the invariant
 * itself — what the database holds equals what a fresh database fed only the current versions holds.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest, ingestBatch, inputSource } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { recordAid } from '../../src/ledger/service.ts';
import { publishVersion } from '../../src/policy/rules.ts';
import { eligibility } from '../../src/policy/eligibility.ts';
import { openItems } from '../../src/review/service.ts';
import { quarterlyReport } from '../../src/reports/quarterly.ts';
import { highestCategory } from '../../src/shared/rules.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { charityGrantFile, civilPaymentFile, civilStatusFile, hardshipFile, idNumber, settlementFile } from '../support/builders.ts';
import { derivedState } from '../support/replay.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(201);
const Q = idNumber(202);
const R = idNumber(203);
const H1 = idNumber(204);
const H2 = idNumber(205);

type Delivery = [system: string, name: string, content: Buffer];

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
beforeEach(async () => resetDatabase(database));
afterAll(() => undefined);

const deliver = (...[system, name, content]: Delivery) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
const state = () => derivedState(database, { asOf: '2026-11-01', quarters: [[2026, 1], [2026, 2]] });

/** Delivers the sequence, then checks the result against a fresh database fed only `finals`; returns nothing (the database ends with the sequence's result). */
async function expectReplayEquivalent(sequence: Delivery[], finals: Delivery[]): Promise<void> {
  await resetDatabase(database);
  for (const f of finals) await deliver(...f);
  const fresh = await state();
  await resetDatabase(database);
  for (const d of sequence) await deliver(...d);
  expect(await state()).toEqual(fresh);
}

const aidRow = async (system: string, recordId: string) =>
  (await rows<{ link_kind: string; linked: string | null; flags: string[]; excess: string; dup: string | null; person: string }>(
    database.db,
    sql`SELECT a.link_kind, a.linked_settlement_id AS linked, a.flags, a.excess_fen::text AS excess, d.record_id AS dup, p.id_number AS person
        FROM aid_records a JOIN persons p ON p.id = a.person_id LEFT JOIN aid_records d ON d.id = a.duplicate_of
        WHERE a.system = ${system} AND a.record_id = ${recordId}`,
  ))[0]!;
const openWarnings = async () =>
  rows<{ kind: string; key: string | null }>(
    database.db,
    sql`SELECT w.kind, h.key FROM warnings w LEFT JOIN households h ON h.id = w.household_id WHERE w.closed_at IS NULL ORDER BY w.kind, h.key`,
  );
const queue = async () => {
  const keys = new Map((await rows<{ id: string; k: string }>(database.db, sql`SELECT id::text, record_id AS k FROM aid_records`)).map((r) => [Number(r.id), r.k]));
  return (await openItems(database.db, null, null, 100)).items.map((i) => `${keys.get(i.aidId)}:${i.kind}`).sort();
};

describe(`corrections change everything they touch (${testDbKind})`, () => {
  it('1. a refund corrected to name another stay gives the first stay back, whole', async () => {
    const stays: Delivery = ['medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P }, { id: 'S-2', person: P, hospital: 'H46010200002' }])];
    const aid: Delivery = ['civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: '5000.00', settlement: 'S-1' }])];
    const refund1: Delivery = ['medical-insurance', 'r1.ndjson', settlementFile([{ id: 'RF-1', person: P, refundOf: 'S-1' }])];
    const refund2: Delivery = ['medical-insurance', 'r2.ndjson', settlementFile([{ id: 'RF-1', person: P, refundOf: 'S-2' }])];
    await expectReplayEquivalent([stays, aid, refund1, refund2], [stays, aid, refund2]);
    expect(await aidRow('civil-affairs', 'LS-1')).toMatchObject({ link_kind: 'EXPLICIT', linked: 'S-1', flags: [] });
    const s = (await state()).settlements;
    expect(s.map((x) => [x.id, x.refunded, x.counted, x.remaining])).toEqual([
      ['S-1', false, '500000', '1500000'],
      ['S-2', true, '0', '0'],
    ]);
  });

  it("2. an aid record moved to another person takes the old person's excess with it, in the report too", async () => {
    const stay: Delivery = ['medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P }])]; // B = 20000 yuan
    const v1: Delivery = ['civil-affairs', 'p1.csv', civilPaymentFile([
      { id: 'LS-1', person: P, amount: '15000.00', paid: '2026/2/1', settlement: 'S-1' },
      { id: 'LS-2', person: P, amount: '10000.00', paid: '2026/2/5', settlement: 'S-1' },
    ])];
    const v2: Delivery = ['civil-affairs', 'p2.csv', civilPaymentFile([{ id: 'LS-1', person: Q, amount: '15000.00', paid: '2026/2/1', settlement: 'S-1' }])];
    const final: Delivery = ['civil-affairs', 'p.csv', civilPaymentFile([
      { id: 'LS-1', person: Q, amount: '15000.00', paid: '2026/2/1', settlement: 'S-1' },
      { id: 'LS-2', person: P, amount: '10000.00', paid: '2026/2/5', settlement: 'S-1' },
    ])];
    await deliver(...stay);
    await deliver(...v1);
    expect((await aidRow('civil-affairs', 'LS-2')).excess).toBe('500000');
    await expectReplayEquivalent([stay, v1, v2], [stay, final]);
    expect(await aidRow('civil-affairs', 'LS-2')).toMatchObject({ excess: '0', link_kind: 'EXPLICIT' });
    expect(await aidRow('civil-affairs', 'LS-1')).toMatchObject({ excess: '0', link_kind: 'NONE', flags: ['SETTLEMENT_PERSON_MISMATCH'] });
    expect((await quarterlyReport(database.db, 2026, 1)).totals.excess).toBe(0n);
  });

  it("3. a settlement moved to another person drops the old owner's inferred link", async () => {
    const stay = (person: string): Delivery => ['medical-insurance', `s-${person}.ndjson`, settlementFile([{ id: 'S-1', person, hospital: 'H46010200001', discharged: '2026-01-12' }])];
    const aid: Delivery = ['civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: '500.00', approved: '2026/2/1', hospital: 'H46010200001' }])];
    await deliver(...stay(P));
    await deliver(...aid);
    expect(await aidRow('civil-affairs', 'LS-1')).toMatchObject({ link_kind: 'INFERRED', linked: 'S-1' });
    await expectReplayEquivalent([stay(P), aid, stay(Q)], [stay(Q), aid]);
    expect(await aidRow('civil-affairs', 'LS-1')).toMatchObject({ link_kind: 'NONE', linked: null, flags: [] });
  });

  it('4. two vouchers chaining three persons flag all four records, in every order and in one load', async () => {
    const a: Delivery = ['civil-affairs', 'a.csv', civilPaymentFile([{ id: 'A-1', person: P, amount: '100.00', voucher: 'PZ-1' }])];
    const b: Delivery = ['charity', 'b.csv', charityGrantFile([{ id: 'B-1', person: Q, amount: '100.00', voucher: 'PZ-1' }, { id: 'B-2', person: Q, amount: '200.00', voucher: 'PZ-2' }])];
    const c: Delivery = ['civil-affairs', 'c.csv', civilPaymentFile([{ id: 'C-1', person: R, amount: '200.00', voucher: 'PZ-2' }])];
    const all = ['A-1:VOUCHER_CONFLICT', 'B-1:VOUCHER_CONFLICT', 'B-2:VOUCHER_CONFLICT', 'C-1:VOUCHER_CONFLICT'];
    const orders = [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]];
    let first: Awaited<ReturnType<typeof state>> | null = null;
    for (const order of orders) {
      await resetDatabase(database);
      for (const d of order) await deliver(...d);
      expect(await queue()).toEqual(all);
      const s = await state();
      if (first) expect(s).toEqual(first);
      first ??= s;
    }
    await resetDatabase(database);
    await ingestBatch(database, [c, a, b].map(([system, name, content]) => ({ adapter: adapterFor(system)!, source: inputSource(adapterFor(system)!, bufferInput(name, content)) })), { now });
    expect(await state()).toEqual(first);
  });

  it('5. a voucher corrected on one record clears the conflict of the other', async () => {
    const a: Delivery = ['civil-affairs', 'a.csv', civilPaymentFile([{ id: 'A-1', person: P, amount: '100.00', voucher: 'PZ-1' }])];
    const b1: Delivery = ['charity', 'b1.csv', charityGrantFile([{ id: 'B-1', person: Q, amount: '100.00', voucher: 'PZ-1' }])];
    const b2: Delivery = ['charity', 'b2.csv', charityGrantFile([{ id: 'B-1', person: Q, amount: '100.00', voucher: 'PZ-9' }])];
    await deliver(...a);
    await deliver(...b1);
    expect(await queue()).toEqual(['A-1:VOUCHER_CONFLICT', 'B-1:VOUCHER_CONFLICT']);
    await expectReplayEquivalent([a, b1, b2], [a, b2]);
    expect(await queue()).toEqual([]);
    expect((await aidRow('civil-affairs', 'A-1')).flags).toEqual([]);
  });

  it('6. a status re-sent under another householder moves the member, and the warning with it', async () => {
    const under = (h: string, name: string): Delivery => ['civil-affairs', name, civilStatusFile([{ householder: h, member: P, relationship: '子女', category: '低保边缘', income: '10000' }])];
    const stay: Delivery = ['medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, maf: 1000 }])]; // B = 19000 ≥ 50% of 10000
    await deliver(...under(H1, 'st1.csv'));
    await deliver(...stay);
    expect(await openWarnings()).toEqual([{ kind: 'RETURN_TO_POVERTY_RISK', key: `civil:${H1}` }]);
    await expectReplayEquivalent([under(H1, 'st1.csv'), stay, under(H2, 'st2.csv')], [under(H2, 'st2.csv'), stay]);
    expect((await state()).persons.find((p) => p.k === P)!.households).toBe(`civil:${H2}:子女`);
    expect(await openWarnings()).toEqual([{ kind: 'RETURN_TO_POVERTY_RISK', key: `civil:${H2}` }]);
  });

  it("7. a status re-sent with a corrected county (行政区划) changes the person's county", async () => {
    const st = (county: string, name: string): Delivery => ['civil-affairs', name, civilStatusFile([{ householder: P, member: P, county }])];
    // From the larger code to the smaller one, on the same 认定日期: the correction wins, not the larger code.
    await deliver(...st('469027', 'a.csv'));
    expect((await state()).persons.find((p) => p.k === P)!.county).toBe('469027');
    await expectReplayEquivalent([st('469027', 'a.csv'), st('460106', 'b.csv')], [st('460106', 'b.csv')]);
    expect((await state()).persons.find((p) => p.k === P)!.county).toBe('460106');
  });

  it("8. an aid record moved to another person opens the new person's household warning (a duplicate group it joins)", async () => {
    // Q's household: low-income, income 10000; Q's stay B = 19000 is covered by Y until X (same voucher and
    // amount, paid earlier, no stay) becomes Q's: then X is the primary and Y a duplicate, and the stay is uncovered.
    const status: Delivery = ['civil-affairs', 'st.csv', civilStatusFile([{ householder: Q, member: Q, category: '低保边缘', income: '10000' }])];
    const stay: Delivery = ['medical-insurance', 's.ndjson', settlementFile([{ id: 'S-Q', person: Q, maf: 1000 }])]; // B = 19000
    const y: Delivery = ['charity', 'y.csv', charityGrantFile([{ id: 'Y-1', person: Q, amount: '19000.00', date: '2026-02-05', voucher: 'PZ-7', settlement: 'S-Q' }])];
    const x = (person: string, name: string): Delivery => ['civil-affairs', name, civilPaymentFile([{ id: 'X-1', person, amount: '19000.00', paid: '2026/2/1', voucher: 'PZ-7' }])];
    await deliver(...status);
    await deliver(...stay);
    await deliver(...y);
    await deliver(...x(P, 'x1.csv'));
    expect(await openWarnings()).toEqual([]);
    await expectReplayEquivalent([status, stay, y, x(P, 'x1.csv'), x(Q, 'x2.csv')], [status, stay, y, x(Q, 'x2.csv')]);
    expect((await aidRow('charity', 'Y-1')).dup).toBe('X-1');
    expect(await openWarnings()).toEqual([{ kind: 'RETURN_TO_POVERTY_RISK', key: `civil:${Q}` }]);
  });

  it('8. an aid record moved to another person opens the warning of the household whose stay it no longer covers', async () => {
    const status: Delivery = ['civil-affairs', 'st.csv', civilStatusFile([{ householder: Q, member: Q, category: '低保边缘', income: '10000' }])];
    const stay: Delivery = ['medical-insurance', 's.ndjson', settlementFile([{ id: 'S-Q', person: Q, maf: 1000 }])]; // B = 19000
    const x = (person: string, name: string): Delivery => ['civil-affairs', name, civilPaymentFile([{ id: 'X-1', person, amount: '19000.00', settlement: 'S-Q' }])];
    await deliver(...status);
    await deliver(...stay);
    await deliver(...x(Q, 'x1.csv'));
    expect(await openWarnings()).toEqual([]);
    await expectReplayEquivalent([status, stay, x(Q, 'x1.csv'), x(P, 'x2.csv')], [status, stay, x(P, 'x2.csv')]);
    expect((await aidRow('civil-affairs', 'X-1')).flags).toEqual(['SETTLEMENT_PERSON_MISMATCH']);
    expect(await openWarnings()).toEqual([{ kind: 'RETURN_TO_POVERTY_RISK', key: `civil:${Q}` }]);
  });

  it('10. recordAid naming only the hospital checks the stay it will be inferred to', async () => {
    await deliver('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, hospital: 'H46010200001', discharged: '2026-01-12' }]));
    await deliver('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: '15000.00', settlement: 'S-1' }]));
    const input = { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 1_000_000n, hospitalCode: 'H46010200001', approvedOn: '2026-02-01' };
    const refused = await recordAid(database, input, 'tester', now);
    expect(refused).toMatchObject({ kind: 'AidRefused', reason: 'OVER_CAPACITY', remaining: 500_000n });
    const recorded = await recordAid(database, { ...input, overrideReason: 'the board approved it above the stay' }, 'tester', now);
    expect(recorded).toMatchObject({ kind: 'AidRecorded', overridden: true });
    const r = await rows<{ link_kind: string; excess: string; override_reason: string | null }>(
      database.db,
      sql`SELECT link_kind, excess_fen::text AS excess, override_reason FROM aid_records WHERE origin = 'API'`,
    );
    expect(r).toEqual([{ link_kind: 'INFERRED', excess: '500000', override_reason: 'the board approved it above the stay' }]);
  });

  it('11. aid whose stay was refunded reaches the review queue', async () => {
    await deliver('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P }]));
    await deliver('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, settlement: 'S-1' }]));
    await deliver('medical-insurance', 'r.ndjson', settlementFile([{ id: 'RF-1', person: P, refundOf: 'S-1' }]));
    expect(await queue()).toEqual(['LS-1:REFUNDED_SETTLEMENT']);
    expect((await openItems(database.db, 'REFUNDED_SETTLEMENT', null, 10)).total).toBe(1);
  });

  it('12. a reversed record is never the primary of a duplicate group: the paid report counts', async () => {
    const reversed: Delivery = ['civil-affairs', 'a.csv', civilPaymentFile([{ id: 'A-1', person: P, amount: '1000.00', paid: '2026/2/1', voucher: 'PZ-5', status: '已撤销' }])];
    const paid: Delivery = ['charity', 'b.csv', charityGrantFile([{ id: 'B-1', person: P, amount: '1000.00', date: '2026-02-05', voucher: 'PZ-5' }])];
    await expectReplayEquivalent([paid, reversed], [reversed, paid]);
    expect(await aidRow('charity', 'B-1')).toMatchObject({ dup: null, flags: [] });
    expect(await aidRow('civil-affairs', 'A-1')).toMatchObject({ dup: null, flags: [] });
    const t = (await quarterlyReport(database.db, 2026, 1)).totals;
    expect({ personTimes: t.personTimes, amount: t.amount, duplicates: t.duplicateCount }).toEqual({ personTimes: 1, amount: 100_000n, duplicates: 0 });
  });

  it('a payment moved to another person takes the status it implied (困难职工) with it', async () => {
    const pay = (person: string, name: string): Delivery => ['union-hardship', name, hardshipFile([{ id: 'UH-1', person, approved: '20260201' }])];
    const other: Delivery = ['union-hardship', 'o.txt', hardshipFile([{ id: 'UH-2', person: Q, approved: '20260301', paid: '20260305' }])];
    await deliver(...pay(P, 'a.txt'));
    await deliver(...other);
    await expectReplayEquivalent([pay(P, 'a.txt'), other, pay(Q, 'b.txt')], [other, pay(Q, 'b.txt')]);
    const st = await rows<{ id_number: string; valid_from: string }>(
      database.db,
      sql`SELECT p.id_number, s.valid_from::text FROM statuses s JOIN persons p ON p.id = s.person_id WHERE s.category = 'POOR_WORKER' ORDER BY 1`,
    );
    // P holds no status any more; Q's is in force from the earlier of its two payments.
    expect(st).toEqual([{ id_number: Q, valid_from: '2026-02-01' }]);
    expect((await quarterlyReport(database.db, 2026, 1, ['CATEGORY'])).rows.map((r) => [r.category, r.personTimes])).toEqual([['POOR_WORKER', 2]]);
  });

  it('14. the highest category is the one order everywhere: reports, warnings, eligibility', async () => {
    expect(highestCategory(['EXPENDITURE_HARDSHIP', 'LOW_INCOME_MARGINAL', 'VETERAN'])).toBe('LOW_INCOME_MARGINAL');
    // 支出型困难 sorts before 低保边缘 by name (EXPENDITURE… < LOW…) but ranks below it.
    await deliver('civil-affairs', 'st.csv', civilStatusFile([
      { householder: P, member: P, category: '支出型困难', income: '1000000' },
      { householder: P, member: P, category: '低保边缘', income: '1000000' },
    ]));
    await deliver('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, maf: 0 }]));
    await deliver('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: '100.00', settlement: 'S-1' }]));
    const w = await rows<{ category: string }>(database.db, sql`SELECT evidence->>'category' AS category FROM warnings WHERE kind = 'MISSED_ASSISTANCE' AND closed_at IS NULL`);
    expect(w).toEqual([{ category: 'LOW_INCOME_MARGINAL' }]);
    expect((await quarterlyReport(database.db, 2026, 1, ['CATEGORY'])).rows.map((r) => r.category)).toEqual(['LOW_INCOME_MARGINAL']);
    await publishVersion(database.db, { code: 'RURAL_MEDICAL_SUPPORT', effectiveFrom: '2026-06-01', definition: { all: [{ type: 'holdsStatus', categories: ['EXPENDITURE_HARDSHIP', 'LOW_INCOME_MARGINAL'] }] } }, 'tester');
    expect((await eligibility(database.db, P, 'RURAL_MEDICAL_SUPPORT', '2026-11-01')).reasons).toEqual(['HOLDS_LOW_INCOME_MARGINAL']);
  });
});
