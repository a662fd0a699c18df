/** The recipient view over GraphQL: person, household, settlement — and no N+1 on a household query. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';
import * as store from '../../src/recipients/store.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const now = new Date('2026-11-01T00:00:00+08:00');

beforeAll(async () => {
  database = await testDatabase();
  // Under 200 a minute the rate limit asks the shared counter for every request (a lease of one,
  // src/server/rate-limit.ts), so each request costs the same statements whatever came before it.
  hub = await startTestHub(database, { RATE_LIMIT_PER_MINUTE: '150' });
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

async function load(system: string, name: string, content: Buffer) {
  const s = await ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
  expect(s.quarantined, `${name} quarantined nothing`).toBe(0);
  return s;
}

/** A civil-affairs household of `size` members, each with `aidEach` payments linked to a stay of theirs. */
async function household(tag: number, size: number, aidEach: number) {
  const head = idNumber(tag * 100);
  const members = Array.from({ length: size }, (_, i) => (i === 0 ? head : idNumber(tag * 100 + i)));
  await load('civil-affairs', `status-${tag}.csv`, civilStatusFile(members.map((m) => ({ householder: head, member: m, income: '24000' }))));
  await load('medical-insurance', `setl-${tag}.ndjson`, settlementFile(members.map((m, i) => ({ id: `S${tag}-${i}`, person: m }))));
  await load(
    'civil-affairs',
    `pay-${tag}.csv`,
    civilPaymentFile(members.flatMap((m, i) => Array.from({ length: aidEach }, (_, j) => ({ id: `LS${tag}-${i}-${j}`, person: m, amount: '100.00', settlement: `S${tag}-${i}` })))),
  );
  return { head, members };
}

const HOUSEHOLD = `query($id: ID!) { household(id: $id) { key annualIncome burden
  members { relationship person { idNumber name sex birthDate county city statuses { category validFrom } settlements { settlementId burden }
    aid(first: 50) { totalCount totalAmount edges { node { system recordId amount settlement { settlementId total } } } } } }
  aid(first: 500) { totalCount totalAmount } } }`;

describe(`the recipient view (${testDbKind})`, () => {
  it('shows a person with statuses, household, stays and the whole aid history', async () => {
    const { head, members } = await household(1, 3, 2);
    const r = await gql<{ person: any }>(
      hub.url,
      `query($id: String!) { person(idNumber: $id) { idNumber provisional sex birthDate county city countyName
        statuses { category validFrom validTo system county } household { key members { relationship person { idNumber } } annualIncome }
        settlements { settlementId total insurancePayments burden aid { recordId } }
        aid(first: 1) { totalCount totalAmount edges { cursor node { system recordId amount paidOn status } } pageInfo { hasNextPage endCursor } } } }`,
      { id: members[1]!.toLowerCase() },
    );
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data!.person;
    expect(p).toMatchObject({ idNumber: members[1], provisional: false, county: '460105', city: '4601', countyName: '海口市秀英区' });
    expect(p.statuses).toEqual([{ category: 'MINIMUM_LIVING', validFrom: '2025-01-05', validTo: null, system: 'civil-affairs', county: '460105' }]);
    expect(p.household.key).toBe(`civil:${head}`);
    expect(p.household.members).toHaveLength(3);
    expect(p.household.annualIncome).toBe('24000.00');
    expect(p.settlements).toEqual([{ settlementId: 'S1-1', total: '50000.00', insurancePayments: '30000.00', burden: '20000.00', aid: [{ recordId: 'LS1-1-0' }, { recordId: 'LS1-1-1' }] }]);
    expect(p.aid).toMatchObject({ totalCount: 2, totalAmount: '200.00', pageInfo: { hasNextPage: true } });
    const next = await gql<{ person: any }>(hub.url, `query($id: String!, $after: String) { person(idNumber: $id) { aid(first: 5, after: $after) { edges { node { recordId } } pageInfo { hasNextPage } } } }`, {
      id: members[1],
      after: p.aid.pageInfo.endCursor,
    });
    expect(next.body.data!.person.aid).toEqual({ edges: [{ node: { recordId: 'LS1-1-1' } }], pageInfo: { hasNextPage: false } });
  });

  it('a person seen only in one payment file forms a household of one', async () => {
    const lone = idNumber(7, { county: '469030' });
    await load('civil-affairs', 'pay.csv', civilPaymentFile([{ id: 'LS-1', person: lone }]));
    const r = await gql<{ person: any }>(hub.url, `query($id: String!) { person(idNumber: $id) { county city household { id key system members { relationship person { idNumber } } aid { totalCount } } } }`, { id: lone });
    expect(r.body.data!.person).toMatchObject({ county: '469030', city: '469030', household: { system: null, members: [{ relationship: '本人', person: { idNumber: lone } }], aid: { totalCount: 1 } } });
    const h = await gql<{ household: any }>(hub.url, 'query($id: ID!) { household(id: $id) { key } }', { id: r.body.data!.person.household.id });
    expect(h.body.data!.household.key).toBe(r.body.data!.person.household.key);
  });

  it('filters aid by date, system, program and status', async () => {
    const p = idNumber(3);
    await load('civil-affairs', 'pay.csv', civilPaymentFile([
      { id: 'A', person: p, paid: '2026/1/10' },
      { id: 'B', person: p, paid: '2026/3/10' },
      { id: 'C', person: p, paid: '2026/3/20', status: '已撤销' },
    ]));
    const q = async (filter: Record<string, unknown>) =>
      (await gql<{ person: any }>(hub.url, 'query($id: String!, $f: AidFilter) { person(idNumber: $id) { aid(filter: $f) { totalCount totalAmount edges { node { recordId } } } } }', { id: p, f: filter })).body.data!.person.aid;
    expect(await q({ from: '2026-03-01' })).toMatchObject({ totalCount: 2, totalAmount: '1000.00' });
    expect(await q({ to: '2026-02-01' })).toMatchObject({ totalCount: 1 });
    expect(await q({ status: 'REVERSED' })).toMatchObject({ totalCount: 1, totalAmount: '0.00' });
    expect(await q({ system: 'veterans' })).toMatchObject({ totalCount: 0 });
    expect(await q({ program: 'TEMPORARY_ASSISTANCE' })).toMatchObject({ totalCount: 3, totalAmount: '2000.00' });
  });

  it('refuses a malformed identity number with INVALID_ID_NUMBER and answers null for an unknown one', async () => {
    const bad = await gql(hub.url, '{ person(idNumber: "46010519800101123") { id } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_ID_NUMBER');
    const unknown = await gql<{ person: unknown }>(hub.url, `query($id: String!) { person(idNumber: $id) { id } }`, { id: idNumber(999) });
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data!.person).toBeNull();
  });

  it("the household query's one person statement answers what the five one-table statements answer, in one statement", async () => {
    const { head, members } = await household(6, 4, 3);
    const lone = idNumber(8, { county: '469030' });
    // aid naming a stay that has not arrived, and a person with no aid at all
    await load('civil-affairs', 'pay-lone.csv', civilPaymentFile([{ id: 'LN-1', person: lone, settlement: 'S-NOT-YET' }, { id: 'LN-2', person: lone, paid: '2026/2/1' }]));
    const quiet = idNumber(9);
    await load('civil-affairs', 'status-quiet.csv', civilStatusFile([{ householder: quiet, member: quiet, income: '1000' }]));
    const db = database.db;
    // What the resolvers would otherwise ask for one after the other (src/recipients/resolvers.ts lookupPerson)
    const apart = async (id: string) => {
      const person = await store.personByIdNumber(db, id);
      if (!person) return null;
      const [household] = await store.householdsOfPersons(db, [person.id]);
      const memberRows = household ? (await store.membersOfHouseholds(db, [household.id]))[0]! : [];
      const persons = await store.personsByIds(db, memberRows.map((m) => m.personId));
      const owners = memberRows.length > 0 ? memberRows.map((m) => m.personId) : [person.id];
      const aid = await store.aidByPersons(db, owners);
      return {
        person,
        household,
        members: memberRows.map((member, i) => ({ member, person: persons[i]! })),
        aid: new Map(owners.map((o, i) => [o, aid[i]!])),
        settlements: aid.flat().map((a) => store.settlementReadWith(a)),
      };
    };
    const cases = [head, members[2]!, lone, quiet, idNumber(998)];
    for (const id of cases) {
      const want = await apart(id);
      const before = database.stats.statements;
      const got = await store.personWithHousehold(db, id, true);
      expect(database.stats.statements - before, id).toBe(1);
      const gotSettlements = got ? [...got.aid!.values()].flat().map((a) => store.settlementReadWith(a)) : undefined;
      expect(got && { ...got, settlements: gotSettlements }, id).toEqual(want);
      const noAid = await store.personWithHousehold(db, id, false);
      expect(noAid, id).toEqual(want && { person: want.person, household: want.household, members: want.members, aid: null });
    }
    // the cases cover what they claim: a household of four with twelve records, a household of one with a
    // missing stay, a member without aid, an unknown person
    const h = (await store.personWithHousehold(db, head, true))!;
    expect(h.members).toHaveLength(4);
    expect([...h.aid!.values()].flat()).toHaveLength(12);
    expect([...h.aid!.values()].flat().every((a) => store.settlementReadWith(a)?.settlementId === a.settlementRef)).toBe(true);
    const l = (await store.personWithHousehold(db, lone, true))!;
    expect(l.household).toBeNull();
    // in payment order; a named stay not yet arrived reads as null, no named stay as not read (undefined)
    expect(l.aid!.get(l.person.id)!.map((a) => [a.recordId, a.settlementRef, store.settlementReadWith(a)])).toEqual([
      ['LN-2', null, undefined],
      ['LN-1', 'S-NOT-YET', null],
    ]);
    expect((await store.personWithHousehold(db, quiet, true))!.aid).toEqual(new Map([[(await store.personByIdNumber(db, quiet))!.id, []]]));
    expect(await store.personWithHousehold(db, idNumber(998), true)).toBeNull();
  });

  it('a household query costs the same number of SQL statements whatever its size (no N+1)', async () => {
    const small = await household(2, 2, 1);
    const big = await household(3, 12, 6);
    const statements = async (head: string) => {
      const p = await gql<{ person: { household: { id: string } } }>(hub.url, 'query($id: String!) { person(idNumber: $id) { household { id } } }', { id: head });
      const before = database.stats.statements;
      const r = await gql<{ household: { members: unknown[]; aid: { totalCount: number } } }>(hub.url, HOUSEHOLD, { id: p.body.data!.person.household.id });
      expect(r.body.errors).toBeUndefined();
      return { count: database.stats.statements - before, members: r.body.data!.household.members.length, aid: r.body.data!.household.aid.totalCount };
    };
    const s = await statements(small.head);
    const b = await statements(big.head);
    expect(s).toMatchObject({ members: 2, aid: 2 });
    expect(b).toMatchObject({ members: 12, aid: 72 });
    expect(b.count).toBe(s.count);
    expect(b.count).toBeLessThanOrEqual(10);
  });

  it("the members' warnings cost one statement whatever the household's size (a DataLoader, no query per person)", async () => {
    const small = await household(4, 2, 1);
    const big = await household(5, 12, 1);
    const WARNINGS = 'query($id: ID!) { household(id: $id) { members { person { idNumber warnings { kind county } } } } }';
    const statements = async (head: string) => {
      const p = await gql<{ person: { household: { id: string } } }>(hub.url, 'query($id: String!) { person(idNumber: $id) { household { id } } }', { id: head });
      const before = database.stats.statements;
      const r = await gql<{ household: { members: Array<{ person: { warnings: unknown[] } }> } }>(hub.url, WARNINGS, { id: p.body.data!.person.household.id });
      expect(r.body.errors).toBeUndefined();
      return { count: database.stats.statements - before, members: r.body.data!.household.members.length };
    };
    const s = await statements(small.head);
    const b = await statements(big.head);
    expect(s.members).toBe(2);
    expect(b.members).toBe(12);
    expect(b.count).toBe(s.count);
  });
});
