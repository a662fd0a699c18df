/**
 * Person resolution across files in any order: unidentified emergency patients and children known through a
 * guardian become the real person when the identity arrives, the merge is recorded, and the platform can
 * undo a wrong one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { civilStatusFile, idNumber } from '../support/builders.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const now = new Date('2026-11-01T00:00:00+08:00');

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

const PATIENT = idNumber(11);
const emergency = (caseNo: string, idNo: string | null, amountFen = 350000) =>
  JSON.stringify({
    caseNo,
    patient: { idNo, name: idNo ? '王大明' : null, unidentified: idNo === null, approxAge: idNo ? null : 40 },
    hospitalCode: 'H46010200001',
    settlementId: null,
    admittedAt: '2026-01-03T02:10:00+08:00',
    amountFen,
    approvedAt: '2026-01-20T10:00:00+08:00',
    paidAt: '2026-01-25T10:00:00+08:00',
    voucherNo: null,
  });

const GUARDIAN = idNumber(21, { female: true });
const CHILD = idNumber(22, { birth: '2019-05-01' });
const womenChildren = (childId: string | null) =>
  JSON.stringify({
    batch: 'FL-2026-Q1-03',
    records: [
      {
        recordNo: 'FL-1',
        beneficiary: { type: 'CHILD', idNumber: childId, name: '小明', birthDate: '2019-05-01', guardianIdNumber: GUARDIAN, guardianName: '王芳' },
        project: '儿童大病救助',
        amount: '8000.00',
        grantDate: '2026-02-14',
        voucherNo: null,
        settlementId: null,
      },
    ],
  });
const household = () => civilStatusFile([
  { householder: GUARDIAN, member: GUARDIAN, name: '王芳' },
  { householder: GUARDIAN, member: CHILD, name: '小明', relationship: '子女' },
]);

async function load(system: string, name: string, content: string | Buffer) {
  return ingest(database, adapterFor(system)!, bufferInput(name, typeof content === 'string' ? Buffer.from(content) : content), { now });
}

async function livePersons(): Promise<number> {
  return Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM persons WHERE merged_into IS NULL`))[0]!.n);
}

async function aidOf(idNo: string) {
  const r = await gql<{ person: { aid: { edges: Array<{ node: { system: string; recordId: string } }> }; merges: Array<{ id: string; reason: string; movedAid: number; undoneAt: string | null }> } | null }>(
    hub.url,
    'query($id: String!) { person(idNumber: $id) { aid { edges { node { system recordId } } } merges { id reason movedAid undoneAt } } }',
    { id: idNo },
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.person;
}

describe(`identity resolution (${testDbKind})`, () => {
  it.each([
    ['unidentified first', [['e1.ndjson', emergency('JJ-1', null)], ['e2.ndjson', emergency('JJ-1', PATIENT)]]],
    ['identified first', [['e2.ndjson', emergency('JJ-1', PATIENT)], ['e1.ndjson', emergency('JJ-1', null)]]],
  ])('an emergency case becomes its patient, whichever delivery comes first (%s)', async (_label, files) => {
    for (const [name, content] of files as [string, string][]) await load('health-emergency', name, content);
    const p = await aidOf(PATIENT);
    expect(p!.aid.edges.map((e) => e.node.recordId)).toEqual(['JJ-1']);
    expect(await livePersons()).toBe(1);
  });

  it.each([
    ['aid first', ['aid', 'household']],
    ['household first', ['household', 'aid']],
  ])('a child known through a guardian is the household member of the same name and birth date (%s)', async (_label, order) => {
    for (const step of order as string[]) {
      if (step === 'aid') await load('women-children', 'wc.json', womenChildren(null));
      else await load('civil-affairs', 'status.csv', household());
    }
    const p = await aidOf(CHILD);
    expect(p!.aid.edges.map((e) => `${e.node.system}:${e.node.recordId}`)).toEqual(['women-children:FL-1']);
    expect(await livePersons()).toBe(2);
  });

  it('a child without a household elsewhere stays provisional, tied to the guardian', async () => {
    await load('women-children', 'wc.json', womenChildren(null));
    const r = await rows<{ id_number: string | null; guardian_id_number: string; birth_date: string }>(
      database.db,
      sql`SELECT id_number, guardian_id_number, birth_date::text FROM persons WHERE provisional_key IS NOT NULL AND merged_into IS NULL`,
    );
    expect(r).toEqual([{ id_number: null, guardian_id_number: GUARDIAN, birth_date: '2019-05-01' }]);
    expect(await livePersons()).toBe(2);
  });

  it('the platform can undo a wrong merge; later deliveries do not make it again', async () => {
    await load('health-emergency', 'e1.ndjson', emergency('JJ-1', null));
    await load('health-emergency', 'e2.ndjson', emergency('JJ-1', PATIENT));
    const merged = await aidOf(PATIENT);
    const merge = merged!.merges.find((m) => m.reason === 'IDENTITY_KNOWN' && m.movedAid === 1)!;
    expect(merge).toBeDefined();

    const bad = await gql(hub.url, 'mutation($id: ID!) { undoPersonMerge(mergeId: $id, reason: "x") { id } }', { id: merge.id });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const undo = await gql<{ undoPersonMerge: { undoneAt: string; undoReason: string } }>(
      hub.url,
      'mutation($id: ID!) { undoPersonMerge(mergeId: $id, reason: "wrong patient recorded by the hospital") { undoneAt undoReason } }',
      { id: merge.id },
    );
    expect(undo.body.errors).toBeUndefined();
    expect(undo.body.data!.undoPersonMerge.undoReason).toBe('wrong patient recorded by the hospital');
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);
    expect(await livePersons()).toBe(2);

    await load('health-emergency', 'e3.ndjson', emergency('JJ-2', null));
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);
    const again = await gql(hub.url, 'mutation($id: ID!) { undoPersonMerge(mergeId: $id, reason: "once more please") { id } }', { id: merge.id });
    expect(again.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
  it('a merge made when the identity came first is undone whole, and stays undone through later corrections of the case', async () => {
    // Identified first: the provisional person is created already merged, with nothing to move yet; the
    // unidentified version that follows reaches the patient through the merge.
    await load('health-emergency', 'e2.ndjson', emergency('JJ-1', PATIENT));
    await load('health-emergency', 'e1.ndjson', emergency('JJ-1', null));
    const merge = (await aidOf(PATIENT))!.merges.find((m) => m.reason === 'IDENTITY_KNOWN')!;
    expect((await aidOf(PATIENT))!.aid.edges.map((e) => e.node.recordId)).toEqual(['JJ-1']);

    const undo = await gql(hub.url, 'mutation($id: ID!) { undoPersonMerge(mergeId: $id, reason: "wrong patient recorded by the hospital") { undoneAt } }', { id: merge.id });
    expect(undo.body.errors).toBeUndefined();
    const onProvisional = async () =>
      rows<{ key: string; amount: string }>(
        database.db,
        sql`SELECT p.provisional_key AS key, a.amount_fen::text AS amount FROM aid_records a JOIN persons p ON p.id = a.person_id WHERE a.record_id = 'JJ-1'`,
      );
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);
    expect(await onProvisional()).toEqual([{ key: 'health-emergency:case:JJ-1', amount: '350000' }]);

    // The hospital corrects the amount, naming the same patient again: the platform's undo stands.
    await load('health-emergency', 'e3.ndjson', emergency('JJ-1', PATIENT, 420000));
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);
    expect(await onProvisional()).toEqual([{ key: 'health-emergency:case:JJ-1', amount: '420000' }]);
    expect(await livePersons()).toBe(2);

    // A correction naming another patient is a new identity: the case merges into that person.
    const OTHER = idNumber(12);
    await load('health-emergency', 'e4.ndjson', emergency('JJ-1', OTHER, 420000));
    expect((await aidOf(OTHER))!.aid.edges.map((e) => e.node.recordId)).toEqual(['JJ-1']);
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);

    // Another case, identified, then corrected to another patient: its first merge no longer holds (superseded,
    // not undone) and the case follows the correction.
    await load('health-emergency', 'e5.ndjson', emergency('JJ-2', PATIENT));
    await load('health-emergency', 'e6.ndjson', emergency('JJ-2', OTHER));
    expect((await aidOf(OTHER))!.aid.edges.map((e) => e.node.recordId).sort()).toEqual(['JJ-1', 'JJ-2']);
    expect((await aidOf(PATIENT))!.aid.edges).toEqual([]);
    const r = await gql<{ person: { merges: Array<{ provisionalKey: string; undoneAt: string | null; supersededAt: string | null }> } }>(
      hub.url,
      'query($id: String!) { person(idNumber: $id) { merges { provisionalKey undoneAt supersededAt } } }',
      { id: PATIENT },
    );
    expect(r.body.errors).toBeUndefined();
    const jj2 = r.body.data!.person.merges.find((m) => m.provisionalKey === 'health-emergency:case:JJ-2')!;
    expect(jj2).toMatchObject({ undoneAt: null, supersededAt: expect.any(String) });
  });
});
