/** The overlap rules as a caseworker sees them: on the aid records, on the stay, and in aidCapacity. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { civilPaymentFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(51);
const Q = idNumber(52);

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

async function load(system: string, name: string, content: Buffer) {
  return ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
}

const STAY = `query($s: String!) {
  settlement(settlementId: $s) { burden countedAid excess remaining
    aid { recordId amount excess flags linkKind duplicateOf { recordId } } }
  aidCapacity(settlementId: $s) { burden countedAid remaining refunded } }`;

describe(`overlapping aid on a stay (${testDbKind})`, () => {
  it('removes a duplicate report, flags a conflict and takes the excess above the burden', async () => {
    // B = 50000 − 25000 − 5000 = 20000 yuan.
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P }]));
    const summary = await load('civil-affairs', 'pay.csv', civilPaymentFile([
      { id: 'LS-1', person: P, amount: '10000.00', paid: '2026/2/5', voucher: 'PZ-001', settlement: 'S-1' },
      { id: 'LS-2', person: P, amount: '10000.00', paid: '2026/2/6', voucher: ' pz 001', settlement: 'S-1' },
      { id: 'LS-3', person: P, amount: '15000.00', paid: '2026/3/1', voucher: 'PZ-003', settlement: 'S-1' },
      { id: 'LS-4', person: Q, amount: '15000.00', paid: '2026/3/2', voucher: 'PZ-003' },
    ]));
    expect(summary).toMatchObject({ new: 4, duplicates: 1, suspectedDuplicates: 0 });
    const r = await gql<{ settlement: any; aidCapacity: any }>(hub.url, STAY, { s: 'S-1' });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.settlement).toEqual({
      burden: '20000.00',
      countedAid: '25000.00',
      excess: '5000.00',
      remaining: '0.00',
      aid: [
        { recordId: 'LS-1', amount: '10000.00', excess: '0.00', flags: [], linkKind: 'EXPLICIT', duplicateOf: null },
        { recordId: 'LS-2', amount: '10000.00', excess: '0.00', flags: ['DUPLICATE'], linkKind: 'EXPLICIT', duplicateOf: { recordId: 'LS-1' } },
        { recordId: 'LS-3', amount: '15000.00', excess: '5000.00', flags: ['VOUCHER_CONFLICT'], linkKind: 'EXPLICIT', duplicateOf: null },
      ],
    });
    expect(r.body.data!.aidCapacity).toEqual({ burden: '20000.00', countedAid: '25000.00', remaining: '0.00', refunded: false });
    const p = await gql<{ person: any }>(hub.url, 'query($id: String!) { person(idNumber: $id) { a: aid { totalCount totalAmount } b: aid(filter: { includeDuplicates: true }) { totalCount } } }', { id: P });
    expect(p.body.data!.person).toEqual({ a: { totalCount: 2, totalAmount: '25000.00' }, b: { totalCount: 3 } });
  });

  it('links aid that waits for its settlement when the settlement arrives, and flags another person\'s stay', async () => {
    await load('civil-affairs', 'pay.csv', civilPaymentFile([
      { id: 'LS-1', person: P, amount: '3000.00', settlement: 'S-9' },
      { id: 'LS-2', person: Q, amount: '1000.00', settlement: 'S-9' },
    ]));
    const before = await gql<{ person: any }>(hub.url, 'query($id: String!) { person(idNumber: $id) { aid { edges { node { linkKind linkedSettlement { settlementId } } } } } }', { id: P });
    expect(before.body.data!.person.aid.edges[0].node).toEqual({ linkKind: 'PENDING', linkedSettlement: null });
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-9', person: P }]));
    const r = await gql<{ settlement: any; aidCapacity: any }>(hub.url, STAY, { s: 'S-9' });
    expect(r.body.data!.settlement.aid.map((a: { recordId: string }) => a.recordId)).toEqual(['LS-1']);
    expect(r.body.data!.aidCapacity).toEqual({ burden: '20000.00', countedAid: '3000.00', remaining: '17000.00', refunded: false });
    const q = await gql<{ person: any }>(hub.url, 'query($id: String!) { person(idNumber: $id) { aid { edges { node { flags linkKind } } } } }', { id: Q });
    expect(q.body.data!.person.aid.edges[0].node).toEqual({ flags: ['SETTLEMENT_PERSON_MISMATCH'], linkKind: 'NONE' });
  });

  it('infers a link from the hospital and a discharge in the 90 days before approval, only when it is the only one', async () => {
    await load('medical-insurance', 's.ndjson', settlementFile([
      { id: 'S-A', person: P, hospital: 'H46010200001', discharged: '2026-01-12' },
      { id: 'S-B', person: P, hospital: 'H46010200002', discharged: '2025-06-01' },
    ]));
    await load('civil-affairs', 'pay.csv', civilPaymentFile([
      { id: 'LS-1', person: P, amount: '500.00', approved: '2026/2/1', hospital: 'H46010200001' },
      { id: 'LS-2', person: P, amount: '500.00', approved: '2026/2/1', hospital: 'H46010200002' },
    ]));
    const r = await gql<{ person: any }>(hub.url, 'query($id: String!) { person(idNumber: $id) { aid { edges { node { recordId linkKind flags linkedSettlement { settlementId } } } } } }', { id: P });
    expect(r.body.data!.person.aid.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { recordId: 'LS-1', linkKind: 'INFERRED', flags: ['INFERRED_LINK'], linkedSettlement: { settlementId: 'S-A' } },
      { recordId: 'LS-2', linkKind: 'NONE', flags: [], linkedSettlement: null },
    ]);
  });
});
