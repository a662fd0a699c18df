/**
 * Compiled execution of the hot reads (issue 17, src/graphql/compiled.ts): the same operations sent to a hub
 * that leaves everything to Apollo (COMPILED_QUERIES=off) and to one that compiles them give the same
 * responses byte for byte (status, content type, cache-control, body) for every role, masked fields and
 * errors included, and write the same access-log rows. The compiled hub's answers are counted, so that the
 * test knows which path answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import type { TokenClaims } from '../../src/access/auth.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let apollo: TestHub;
let fast: TestHub;
const now = new Date('2026-11-01T00:00:00+08:00');
const LOCAL = idNumber(71, { county: '460105' });
const SPOUSE = idNumber(72, { county: '460106' });
const FAR = idNumber(73, { county: '469030' });
const STRANGER = idNumber(74, { county: '469030' });
const NOBODY = idNumber(75, { county: '460106' });

const CLAIMS: Record<string, TokenClaims> = {
  CASEWORKER: { role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'cw-compiled' },
  'CASEWORKER-FAR': { role: 'CASEWORKER', agency: 'medical-security', county: '469030', sub: 'cw-far-compiled' },
  PLATFORM: { role: 'PLATFORM', sub: 'platform-compiled' },
  CHARITY: { role: 'CHARITY', sub: 'charity-compiled' },
  AUDITOR: { role: 'AUDITOR', sub: 'auditor-compiled' },
};

/** The benchmark's household aid-history query (bench/query-load.ts), and more of the person around it. */
const HOUSEHOLD = `query HouseholdAid($id: String!) {
  person(idNumber: $id) {
    household {
      key
      members { relationship person { idNumber name } }
      aid(first: 50) {
        totalCount
        totalAmount
        edges { node { system recordId program amount paidOn status flags excess settlement { settlementId burden } } }
      }
    }
  }
}`;
const PERSON = `query Person($id: String!) {
  person(idNumber: $id) {
    id idNumber name birthDate age sex county countyName city provisional
    statuses { category system validFrom validTo }
    settlements { settlementId total burden excess remaining }
    aid(first: 2) { totalCount totalAmount pageInfo { hasNextPage endCursor } edges { cursor node { id recordId amount duplicateOf { recordId } person { idNumber } } } }
    household { id key annualIncome burden members { relationship person { idNumber birthDate age } } }
  }
}`;
const SETTLEMENT = 'query($s: String!) { settlement(settlementId: $s) { settlementId medicalInsurance { diagnosisCode } person { name birthDate county } aid { recordId } } aidCapacity(settlementId: $s) { remaining countedAid } }';
const HOUSEHOLD_BY_ID = 'query($h: ID!) { household(id: $h) { key members { person { idNumber } } aid { totalCount } } }';

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: string;
}

async function post(hub: TestHub, role: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const r = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token(CLAIMS[role]!)}`, ...headers },
    body,
  });
  return { status: r.status, contentType: r.headers.get('content-type'), cacheControl: r.headers.get('cache-control'), body: await r.text() };
}

const lastLogId = async () => Number((await rows<{ n: string }>(database.db, sql`SELECT COALESCE(max(id), 0)::text AS n FROM access_log`))[0]!.n);
const logSince = (id: number) =>
  rows<Record<string, unknown>>(
    database.db,
    sql`SELECT actor, actor_role, actor_agency, actor_county, subject_person_id::text, subject_id_number, operation, fields, purpose FROM access_log WHERE id > ${id} ORDER BY id`,
  );

/**
 * Sends one request to the Apollo-only hub, then twice to the compiled one (a document is compiled the second
 * time it is seen: the first request is sent twice there),
 * and returns the three answers with the access-log rows each wrote and whether the compiled hub answered
 * the second one itself.
 */
async function both(role: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = { 'x-purpose': 'compiled path test' }) {
  const body = JSON.stringify({ query, variables });
  let mark = await lastLogId();
  const viaApollo = await post(apollo, role, body, headers);
  const apolloLog = await logSince(mark);
  mark = await lastLogId();
  const first = await post(fast, role, body, headers);
  const firstLog = await logSince(mark);
  await post(fast, role, body, headers);
  mark = await lastLogId();
  const before = fast.compiledAnswers;
  const second = await post(fast, role, body, headers);
  const secondLog = await logSince(mark);
  return { viaApollo, first, second, apolloLog, firstLog, secondLog, compiled: fast.compiledAnswers - before };
}

beforeAll(async () => {
  database = await testDatabase();
  await resetDatabase(database);
  apollo = await startTestHub(database, { COMPILED_QUERIES: 'off' });
  fast = await startTestHub(database);
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('s.csv', civilStatusFile([{ householder: LOCAL, member: LOCAL, income: '30000' }, { householder: LOCAL, member: SPOUSE, relationship: '配偶' }])), { now });
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('m.ndjson', settlementFile([{ id: 'S-FAR', person: FAR }, { id: 'S-LOCAL', person: LOCAL }, { id: 'S-SPOUSE', person: SPOUSE }, { id: 'S-STR', person: STRANGER }])), { now });
  await ingest(
    database,
    adapterFor('civil-affairs')!,
    bufferInput('p.csv', civilPaymentFile([
      { id: 'CP-L1', person: LOCAL, voucher: 'V-1', amount: '1000.00' },
      { id: 'CP-F1', person: FAR, voucher: 'V-1', amount: '2000.00' },
      { id: 'CP-L2', person: LOCAL, settlement: 'S-FAR', amount: '500.00' },
      { id: 'CP-S1', person: SPOUSE, settlement: 'S-SPOUSE', amount: '300.00' },
      { id: 'CP-S2', person: SPOUSE, settlement: 'S-SPOUSE', amount: '300.00' },
    ])),
    { now },
  );
}, 180_000);
afterAll(async () => {
  await apollo?.close();
  await fast?.close();
});

describe(`compiled hot reads answer as Apollo does (${testDbKind})`, () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['household aid history, own county', HOUSEHOLD, { id: LOCAL }],
    ['household aid history, reached by exact number', HOUSEHOLD, { id: FAR }],
    ['household aid history, a person of another county never aided by the agency', HOUSEHOLD, { id: STRANGER }],
    ['household aid history, a number the hub does not know', HOUSEHOLD, { id: NOBODY }],
    ['a person with masked fields', PERSON, { id: SPOUSE }],
    ['a person of the caller\'s county', PERSON, { id: LOCAL }],
    ['a settlement and its capacity', SETTLEMENT, { s: 'S-FAR' }],
    ['a settlement of the caller\'s county', SETTLEMENT, { s: 'S-LOCAL' }],
  ];
  const roles = Object.keys(CLAIMS);

  for (const [what, query, variables] of cases) {
    it(`${what}: the same bytes and the same access log for every role`, async () => {
      let compiledClean = 0;
      for (const role of roles) {
        const r = await both(role, query, variables);
        expect(r.first, `${role}: first request`).toEqual(r.viaApollo);
        expect(r.second, `${role}: second request`).toEqual(r.viaApollo);
        expect(r.secondLog, `${role}: access log`).toEqual(r.apolloLog);
        expect(r.firstLog).toEqual(r.apolloLog);
        // Clean answers are compiled; answers with an error went through Apollo again.
        const clean = !(JSON.parse(r.viaApollo.body) as { errors?: unknown }).errors;
        expect(r.compiled, `${role}: ${r.viaApollo.body.slice(0, 200)}`).toBe(clean ? 1 : 0);
        compiledClean += r.compiled;
        if (process.env.DEBUG_COMPILED) console.log(role, r.viaApollo.body.slice(0, 300));
      }
      // Every case has roles that read it cleanly through the compiled path.
      expect(compiledClean, query).toBeGreaterThan(0);
    });
  }

  it('what a caseworker sees of another county is masked the same on both paths (and really masked)', async () => {
    // The stranger lives in 469030 and was never aided by civil affairs: reached by exact number, masked.
    const r = await both('CASEWORKER', PERSON, { id: STRANGER });
    expect(r.compiled).toBe(1);
    const person = (JSON.parse(r.second.body) as { data: { person: { idNumber: string; birthDate: string | null; age: number | null } } }).data.person;
    expect(person.idNumber).toBe(`${STRANGER.slice(0, 6)}********${STRANGER.slice(-4)}`);
    expect(person.birthDate).toBeNull();
    expect(person.age).not.toBeNull();
    expect(r.second.body).not.toContain(STRANGER);
    expect(r.second.body).toBe(r.viaApollo.body);
    // The platform sees it whole, on the compiled path too.
    const p = await both('PLATFORM', PERSON, { id: STRANGER });
    expect(p.compiled).toBe(1);
    expect(p.second.body).toContain(STRANGER);
  });

  it('errors take Apollo\'s path on both hubs: an invalid number, a forbidden household, no purpose, a bad variable', async () => {
    const invalid = await both('CASEWORKER', HOUSEHOLD, { id: '12345' });
    expect(JSON.parse(invalid.second.body).errors[0].extensions.code).toBe('INVALID_ID_NUMBER');
    expect(invalid.second).toEqual(invalid.viaApollo);
    expect(invalid.compiled).toBe(0);

    const local = await both('PLATFORM', HOUSEHOLD, { id: LOCAL });
    const householdId = (await rows<{ id: string }>(database.db, sql`SELECT household_id::text AS id FROM household_members hm JOIN persons p ON p.id = hm.person_id WHERE p.id_number = ${LOCAL}`))[0]!.id;
    expect(local.compiled).toBe(1);
    for (const role of ['CASEWORKER', 'CASEWORKER-FAR', 'CHARITY']) {
      const h = await both(role, HOUSEHOLD_BY_ID, { h: householdId });
      expect(h.second, role).toEqual(h.viaApollo);
      expect(h.secondLog, role).toEqual(h.apolloLog);
    }

    const noPurpose = await both('CASEWORKER', HOUSEHOLD, { id: LOCAL }, {});
    expect(noPurpose.second.status).toBe(400);
    expect(JSON.parse(noPurpose.second.body).errors[0].extensions.code).toBe('PURPOSE_REQUIRED');
    expect(noPurpose.second).toEqual(noPurpose.viaApollo);
    expect(noPurpose.compiled).toBe(0);
    expect(noPurpose.secondLog).toEqual([]);

    const badVariable = await both('CASEWORKER', HOUSEHOLD, { id: 42 });
    expect(badVariable.second).toEqual(badVariable.viaApollo);
    expect(badVariable.second.status).toBe(400);
    expect(badVariable.compiled).toBe(0);

    const nul = await both('CASEWORKER', HOUSEHOLD, { id: `${LOCAL}\u0000` });
    expect(nul.second).toEqual(nul.viaApollo);
    expect(nul.compiled).toBe(0);
  });

  it('accept headers: the content type Apollo would choose, or Apollo itself', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*', 'application/graphql-response+json, application/json', 'text/html']) {
      const r = await both('PLATFORM', HOUSEHOLD, { id: LOCAL }, { 'x-purpose': 'compiled path test', accept });
      expect(r.second, accept).toEqual(r.viaApollo);
      expect(r.compiled, accept).toBe(accept === 'text/html' ? 0 : 1);
    }
  });

  it('a document is compiled the second time it is seen, not the first', async () => {
    const once = `query Once($id: String!) { person(idNumber: $id) { name } }`;
    const body = JSON.stringify({ query: once, variables: { id: LOCAL } });
    const headers = { 'x-purpose': 'compiled path test' };
    const n = fast.compiledAnswers;
    const answers = [await post(fast, 'PLATFORM', body, headers), await post(fast, 'PLATFORM', body, headers), await post(fast, 'PLATFORM', body, headers)];
    expect(fast.compiledAnswers - n).toBe(1);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('mutations, other root fields and documents with several operations are never compiled', async () => {
    const other = await both('PLATFORM', '{ funds { code } }', {});
    expect(other.second).toEqual(other.viaApollo);
    expect(other.compiled).toBe(0);
    const two = `${HOUSEHOLD} query Other { funds { code } }`;
    const named = await both('PLATFORM', two, { id: LOCAL });
    expect(named.second).toEqual(named.viaApollo);
    expect(named.compiled).toBe(0);
  });
});
