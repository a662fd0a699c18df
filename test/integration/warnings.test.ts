/** Dual early warnings and missed assistance: each threshold's edge, closing, evidence, a policy version change. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(101);

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

const load = (system: string, name: string, content: Buffer) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
const warnings = async (kind?: string, includeClosed = false) => {
  const r = await gql<{ earlyWarnings: { totalCount: number; edges: Array<{ node: { kind: string; closedAt: string | null; evidence: any; policyVersion: number } }> } }>(
    hub.url,
    'query($k: WarningKind, $c: Boolean) { earlyWarnings(kind: $k, includeClosed: $c) { totalCount edges { node { kind closedAt evidence policyVersion } } } }',
    { k: kind ?? null, c: includeClosed },
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.earlyWarnings;
};

describe(`early warnings (${testDbKind})`, () => {
  it.each([
    ['just under', 25000, '0.01', 0],
    ['exactly at', 25000, null, 1],
    ['just over', 24999, '0.99', 1],
  ])('ILLNESS_POVERTY_RISK, no status, income unknown: net burden %s 30,000 yuan', async (_l, basic, aid, expectedCount) => {
    // B = 60000 − basic − 5000.
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, total: 60000, basic }]));
    if (aid) await load('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: aid, settlement: 'S-1' }]));
    const w = await warnings('ILLNESS_POVERTY_RISK');
    expect(w.totalCount).toBe(expectedCount);
    if (expectedCount) expect(w.edges[0]!.node.evidence).toMatchObject({ threshold: { fallbackFen: '3000000' }, stays: [{ settlementId: 'S-1' }] });
  });

  it.each([
    ['just under', 25000, '0.01', 0],
    ['exactly at', 25000, null, 1],
    ['just over', 24999, '0.99', 1],
  ])('RETURN_TO_POVERTY_RISK, low-income household with income 40,000 yuan: net burden %s 50%% of income', async (_l, basic, aid, expectedCount) => {
    await load('civil-affairs', 'st.csv', civilStatusFile([{ householder: P, member: P, category: '低保边缘', income: '40000' }]));
    // B = 50000 − basic − 5000: 20000 (= 50% of 40000) or 20001.
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, basic }]));
    if (aid) await load('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: aid, settlement: 'S-1' }]));
    const w = await warnings('RETURN_TO_POVERTY_RISK');
    expect(w.totalCount).toBe(expectedCount);
    expect((await warnings('ILLNESS_POVERTY_RISK')).totalCount).toBe(0);
  });

  it('closes a warning that stops holding (aid arrives), keeping it, and shows it on the person', async () => {
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, total: 60000, basic: 25000 }]));
    expect((await warnings('ILLNESS_POVERTY_RISK')).totalCount).toBe(1);
    await load('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: '5000.00', settlement: 'S-1' }]));
    expect((await warnings('ILLNESS_POVERTY_RISK')).totalCount).toBe(0);
    const all = await warnings('ILLNESS_POVERTY_RISK', true);
    expect(all.totalCount).toBe(1);
    expect(all.edges[0]!.node.closedAt).not.toBeNull();
    const p = await gql<{ person: { warnings: Array<{ kind: string; closedAt: string | null }> } }>(hub.url, 'query($id: String!) { person(idNumber: $id) { warnings { kind closedAt } } }', { id: P });
    expect(p.body.data!.person.warnings).toHaveLength(1);
  });

  it('MISSED_ASSISTANCE: a key recipient\'s stay with no medical assistance paid; not when the fund paid', async () => {
    await load('civil-affairs', 'st.csv', civilStatusFile([{ householder: P, member: P, category: '低保', from: '2025/1/5', income: '1000000' }]));
    await load('medical-insurance', 's.ndjson', settlementFile([
      { id: 'S-1', person: P, maf: 0 },
      { id: 'S-2', person: P, maf: 1000, admitted: '2026-02-01', discharged: '2026-02-10' },
    ]));
    const w = await warnings('MISSED_ASSISTANCE');
    expect(w.totalCount).toBe(1);
    expect(w.edges[0]!.node.evidence).toMatchObject({ settlementId: 'S-1', category: 'MINIMUM_LIVING', assistanceFundPaidFen: '0' });
  });

  it('uses the threshold of the version in force, across a policy version change', async () => {
    const r = await gql(hub.url, 'mutation($d: JSON!) { publishPolicyVersion(input: { code: "ILLNESS_POVERTY_RISK", effectiveFrom: "2026-10-15", definition: $d }) { version } }', {
      d: { days: 365, incomeShareBp: 5000, fallbackFen: 4000000, statusEndedYears: 5 },
    });
    expect(r.body.errors).toBeUndefined();
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, total: 60000, basic: 25000 }]));
    expect((await warnings('ILLNESS_POVERTY_RISK')).totalCount).toBe(0);
    await load('medical-insurance', 's2.ndjson', settlementFile([{ id: 'S-2', person: P, total: 40000, basic: 25000, admitted: '2026-03-01', discharged: '2026-03-10' }]));
    const w = await warnings('ILLNESS_POVERTY_RISK');
    expect(w.edges.map((e) => e.node.policyVersion)).toEqual([2]);
    expect(w.edges[0]!.node.evidence).toMatchObject({ netBurdenFen: '4000000', threshold: { fallbackFen: '4000000' } });
  });
});
