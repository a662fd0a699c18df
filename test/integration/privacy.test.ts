/**
 * Privacy hardening (issue 14, domain.md "Privacy and access"): never by browsing on any path, masking that
 * hides what it hides, claims checked against known codes and bounded lifetimes, a stated purpose for every
 * read of personal data, charities told nothing about whom the hub knows, a serving role that cannot change
 * the access log, and a new field carrying a person guarded by its type.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { mergeResolvers } from '@graphql-tools/merge';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import type { TokenClaims } from '../../src/access/auth.ts';
import { resolvers, typeDefs } from '../../src/graphql/schema.ts';
import type { HubContext } from '../../src/graphql/context.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server/http.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, TEST_SECRET, type TestHub } from '../support/hub.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
const now = new Date('2026-11-01T00:00:00+08:00');
/** Of the caseworker's county (460105). */
const LOCAL = idNumber(91, { county: '460105' });
/** Of another county (469030): reached only by exact identity number. */
const FAR = idNumber(92, { county: '469030' });
/** Of another county, never aided by civil affairs. */
const STRANGER = idNumber(93, { county: '469030' });
/** Known to no source. */
const NOBODY = idNumber(94, { county: '460106' });

const CLAIMS: Record<'CASEWORKER' | 'PLATFORM' | 'CHARITY' | 'AUDITOR', TokenClaims> = {
  CASEWORKER: { role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'cw-privacy' },
  PLATFORM: { role: 'PLATFORM', sub: 'platform-privacy' },
  CHARITY: { role: 'CHARITY', sub: 'charity-privacy' },
  AUDITOR: { role: 'AUDITOR', sub: 'auditor-privacy' },
};
const tokens = {} as Record<keyof typeof CLAIMS, string>;
const as = (role: keyof typeof CLAIMS, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  gql<any>(hub.url, query, variables, { authorization: tokens[role], ...headers });

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
  for (const r of Object.keys(CLAIMS) as (keyof typeof CLAIMS)[]) tokens[r] = `Bearer ${await hub.token(CLAIMS[r])}`;
}, 180_000);
afterAll(async () => hub?.close());
beforeEach(async () => {
  await resetDatabase(database);
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('s.csv', civilStatusFile([{ householder: LOCAL, member: LOCAL, income: '30000' }])), { now });
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('m.ndjson', settlementFile([{ id: 'S-FAR', person: FAR }, { id: 'S-LOCAL', person: LOCAL }, { id: 'S-STR', person: STRANGER }])), { now });
  // Civil affairs paid both: the far one twice under one voucher with the local one (a voucher conflict), and
  // the local one naming the far one's stay (a settlement-person mismatch). Paid in February, never arrived.
  await ingest(
    database,
    adapterFor('civil-affairs')!,
    bufferInput('p.csv', civilPaymentFile([
      { id: 'LS-L1', person: LOCAL, voucher: 'V-1', amount: '1000.00' },
      { id: 'LS-F1', person: FAR, voucher: 'V-1', amount: '2000.00' },
      { id: 'LS-L2', person: LOCAL, settlement: 'S-FAR', amount: '500.00' },
    ])),
    { now },
  );
}, 120_000);

const logCount = async () => Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM access_log`))[0]!.n);
const logged = (actor: string) =>
  rows<{ subject_id_number: string | null; fields: string[]; purpose: string | null }>(
    database.db,
    sql`SELECT subject_id_number, fields, purpose FROM access_log WHERE actor = ${actor} ORDER BY id`,
  );
const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`;

describe(`never by browsing, on every path (${testDbKind})`, () => {
  it('a settlement id or a stay\'s capacity answers a caseworker only for persons of its county', async () => {
    const q = 'query($s: String!) { settlement(settlementId: $s) { settlementId medicalInsurance { diagnosisCode } person { name birthDate county } } aidCapacity(settlementId: $s) { remaining } }';
    const far = await as('CASEWORKER', q, { s: 'S-FAR' });
    expect(far.body.errors).toBeUndefined();
    expect(far.body.data).toEqual({ settlement: null, aidCapacity: null });
    const local = await as('CASEWORKER', q, { s: 'S-LOCAL' });
    expect(local.body.data.settlement).toMatchObject({ settlementId: 'S-LOCAL', medicalInsurance: { diagnosisCode: 'C50.9' }, person: { county: '460105' } });
    expect(local.body.data.aidCapacity).not.toBeNull();
    const platform = await as('PLATFORM', q, { s: 'S-FAR' });
    expect(platform.body.data.settlement).toMatchObject({ settlementId: 'S-FAR', person: { county: '469030' } });
  });

  it('a fund\'s transactions lead a caseworker to no person outside its county', async () => {
    const q = '{ funds { code transactions(first: 100) { totalCount edges { node { kind aid { recordId person { idNumber name } } postings { personId } } } } } }';
    const people = (r: any) => r.body.data.funds.flatMap((f: any) => f.transactions.edges.map((e: any) => e.node.aid?.recordId).filter(Boolean)).sort();
    const platform = await as('PLATFORM', q);
    expect(people(platform)).toEqual(['LS-F1', 'LS-L1', 'LS-L2']);
    const cw = await as('CASEWORKER', q);
    expect(cw.body.errors).toBeUndefined();
    expect(people(cw)).toEqual(['LS-L1', 'LS-L2']);
    // The transaction itself stays (the fund's use is visible to all), without the person.
    const all = cw.body.data.funds.flatMap((f: any) => f.transactions.edges.map((e: any) => e.node));
    expect(all.filter((n: any) => n.kind !== 'ALLOCATION').length).toBe(people(platform).length);
    expect(all.flatMap((n: any) => n.postings.map((p: any) => p.personId)).filter((x: unknown) => x !== null)).toEqual([]);
  });

  it('paid-not-arrived lists a caseworker its agency\'s payments to persons of its county only', async () => {
    const q = '{ paidNotArrived(days: 30) { totalCount edges { node { recordId person { idNumber } } } } }';
    const platform = await as('PLATFORM', q);
    expect(platform.body.data.paidNotArrived.edges.map((e: any) => e.node.recordId).sort()).toEqual(['LS-F1', 'LS-L1', 'LS-L2']);
    const cw = await as('CASEWORKER', q);
    expect(cw.body.data.paidNotArrived.totalCount).toBe(2);
    expect(cw.body.data.paidNotArrived.edges.map((e: any) => e.node.person.idNumber)).toEqual([LOCAL, LOCAL]);
  });

  it('the review queue and its related records stay within the caseworker\'s county', async () => {
    const q = '{ reviewQueue { totalCount edges { node { kind aid { recordId settlement { settlementId medicalInsurance { diagnosisCode } } person { idNumber } } related { recordId person { idNumber } } } } } }';
    const platform = await as('PLATFORM', q);
    const pItems = platform.body.data.reviewQueue.edges.map((e: any) => e.node);
    // The platform sees the conflict from both sides and the mismatch naming the far stay.
    expect(pItems.map((n: any) => n.aid.recordId).sort()).toEqual(expect.arrayContaining(['LS-F1', 'LS-L1', 'LS-L2']));
    expect(pItems.find((n: any) => n.aid.recordId === 'LS-L1').related.map((r: any) => r.recordId)).toEqual(['LS-F1']);
    const cw = await as('CASEWORKER', q);
    expect(cw.body.errors).toBeUndefined();
    const items = cw.body.data.reviewQueue.edges.map((e: any) => e.node);
    expect(items.length).toBeGreaterThan(0);
    expect(cw.body.data.reviewQueue.totalCount).toBe(items.length);
    for (const n of items) {
      expect(n.aid.person.idNumber).toBe(LOCAL);
      expect(n.related.map((r: any) => r.person.idNumber).filter((x: string) => x !== LOCAL)).toEqual([]);
      expect(n.aid.settlement?.settlementId ?? null).not.toBe('S-FAR');
    }
  });

  it('a caseworker cannot change, nor decide on, a record of a person outside its county (nothing changes)', async () => {
    const platform = await as('PLATFORM', '{ reviewQueue { edges { node { id aid { id recordId } } } } }');
    const farItem = platform.body.data.reviewQueue.edges.map((e: any) => e.node).find((n: any) => n.aid.recordId === 'LS-F1');
    const before = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM review_decisions`);
    const r = await as('CASEWORKER', 'mutation($id: ID!) { resolveReview(id: $id, decision: DISMISS, reason: "looked at it") { id } }', { id: farItem.id });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const arrive = await as('CASEWORKER', 'mutation($id: ID!) { confirmArrival(aidId: $id) { status } }', { id: farItem.aid.id });
    expect(arrive.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await rows(database.db, sql`SELECT count(*)::text AS n FROM review_decisions`)).toEqual(before);
    expect((await rows<{ s: string }>(database.db, sql`SELECT status AS s FROM aid_records WHERE record_id = 'LS-F1'`))[0]!.s).toBe('PAID');
  });

  it('by exact identity number a caseworker sees the far person\'s history, but not the records of others it touches', async () => {
    const q = 'query($id: String!) { person(idNumber: $id) { idNumber name settlements { settlementId aid { recordId } } aid(filter: { includeDuplicates: true }) { edges { node { recordId duplicateOf { recordId } } } } } }';
    const r = await as('CASEWORKER', q, { id: FAR });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.person.name).not.toBeNull();
    expect(r.body.data.person.settlements.map((s: any) => s.settlementId)).toEqual(['S-FAR']);
    // LS-L2 (the local person's record naming S-FAR) is the local person's: in reach; nothing of a third person.
    expect(r.body.data.person.aid.edges.map((e: any) => e.node.recordId)).toEqual(['LS-F1']);
    // The stranger is reachable by exact number too; the far person's number does not open the stranger's stay.
    const both = await as('CASEWORKER', 'query($a: String!) { a: person(idNumber: $a) { id } s: settlement(settlementId: "S-STR") { settlementId } }', { a: STRANGER });
    expect(both.body.data).toMatchObject({ s: null });
  });

  it('a household leads a caseworker to no member registered in another county', async () => {
    const MEMBER = idNumber(96, { county: '469030' });
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('h.csv', civilStatusFile([{ householder: LOCAL, member: MEMBER, county: '469030' }])), { now });
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('hp.csv', civilPaymentFile([{ id: 'LS-M1', person: MEMBER }])), { now });
    const q = 'query($id: String!) { person(idNumber: $id) { household { members { person { idNumber county } } aid { edges { node { recordId } } } } } }';
    const platform = await as('PLATFORM', q, { id: LOCAL });
    const pMembers = platform.body.data.person.household.members.map((m: any) => m.person.idNumber);
    expect(pMembers).toEqual(expect.arrayContaining([LOCAL, MEMBER]));
    expect(platform.body.data.person.household.aid.edges.map((e: any) => e.node.recordId)).toContain('LS-M1');
    const cw = await as('CASEWORKER', q, { id: LOCAL });
    expect(cw.body.errors).toBeUndefined();
    expect(cw.body.data.person.household.members.map((m: any) => m.person.idNumber)).toEqual(pMembers.filter((x: string) => x !== MEMBER));
    expect(cw.body.data.person.household.aid.edges.map((e: any) => e.node.recordId)).not.toContain('LS-M1');
    // By the member's own exact number, the caseworker reaches the member.
    const member = await as('CASEWORKER', 'query($id: String!) { person(idNumber: $id) { county aid { edges { node { recordId } } } } }', { id: MEMBER });
    expect(member.body.data.person).toEqual({ county: '469030', aid: { edges: [{ node: { recordId: 'LS-M1' } }] } });
  });

  it('recording aid by exact identity number answers the record of a person of another county', async () => {
    await as('PLATFORM', 'mutation { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "10000.00", note: "budget") { id } }');
    const r = await as('CASEWORKER', 'mutation($id: String!) { recordAid(input: { idNumber: $id, program: "TEMPORARY_ASSISTANCE", amount: "10.00" }) { __typename ... on AidRecorded { aid { amount person { idNumber } } } } }', { id: STRANGER });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.recordAid).toEqual({ __typename: 'AidRecorded', aid: { amount: '10.00', person: { idNumber: STRANGER } } });
  });

  it('warnings: another county is FORBIDDEN to a caseworker; no pattern is ever a county', async () => {
    const platform = await as('PLATFORM', '{ earlyWarnings(includeClosed: true) { totalCount edges { node { county } } } }');
    const counties = platform.body.data.earlyWarnings.edges.map((e: any) => e.node.county);
    const cw = await as('CASEWORKER', '{ earlyWarnings(includeClosed: true) { totalCount edges { node { county person { idNumber } household { annualIncome } } } } }');
    expect(cw.body.errors).toBeUndefined();
    expect(cw.body.data.earlyWarnings.edges.map((e: any) => e.node.county)).toEqual(counties.filter((c: string) => c === '460105'));
    const other = await as('CASEWORKER', '{ earlyWarnings(county: "469030") { totalCount } }');
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.body.data).toBeNull();
    for (const county of ['%', '46', '______', '4601%', '46010_']) {
      const r = await as('PLATFORM', '{ earlyWarnings(county: $c) { totalCount } }'.replace('$c', JSON.stringify(county)));
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // A city is its current counties, compared exactly.
    const haikou = await as('PLATFORM', '{ earlyWarnings(county: "4601", includeClosed: true) { edges { node { county } } } }');
    expect(haikou.body.data.earlyWarnings.edges.map((e: any) => e.node.county)).toEqual(counties.filter((c: string) => c?.startsWith('4601')));
  });
});

describe(`masking hides what it hides (${testDbKind})`, () => {
  const Q = 'query($id: String!) { person(idNumber: $id) { idNumber sex birthDate age household { key } } }';

  it('whoever sees a number masked sees no birth date, an age in years instead', async () => {
    const r = await as('CASEWORKER', Q, { id: STRANGER });
    const p = r.body.data.person;
    expect(p.idNumber).toBe(masked(STRANGER));
    expect(p.birthDate).toBeNull();
    const birth = `${STRANGER.slice(6, 10)}-${STRANGER.slice(10, 12)}-${STRANGER.slice(12, 14)}`;
    const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).split('-').map(Number) as [number, number, number];
    expect(p.age).toBe(today[0] - y - (today[1] < m || (today[1] === m && today[2] < d) ? 1 : 0));
    // Nothing in the answer holds the eight hidden digits.
    expect(JSON.stringify(r.body.data)).not.toContain(STRANGER.slice(6, 14));
    expect(JSON.stringify(r.body.data)).not.toContain(birth);
  });

  it('another person\'s number carried by a record is masked by the same module (a child\'s guardian)', async () => {
    const CHILD = idNumber(97, { birth: '2019-05-01' });
    const GUARDIAN = idNumber(98, { female: true, county: '469030' });
    const batch = { batch: 'FL-1', records: [{ recordNo: 'FL-1', beneficiary: { type: 'CHILD', idNumber: CHILD, name: '小明', birthDate: '2019-05-01', guardianIdNumber: GUARDIAN, guardianName: '王芳' }, project: '儿童大病救助', amount: '8000.00', grantDate: '2026-02-14', voucherNo: null, settlementId: null }] };
    await ingest(database, adapterFor('women-children')!, bufferInput('wc.json', Buffer.from(JSON.stringify(batch))), { now });
    const q = 'query($id: String!) { person(idNumber: $id) { aid { edges { node { womenChildren { guardianIdNumber } } } } } }';
    const guardianOf = (r: any) => r.body.data.person.aid.edges[0].node.womenChildren.guardianIdNumber;
    expect(guardianOf(await as('PLATFORM', q, { id: CHILD }))).toBe(GUARDIAN);
    expect(guardianOf(await as('CASEWORKER', q, { id: CHILD }))).toBe(masked(GUARDIAN));
  });

  it('whoever sees the number whole sees the birth date too', async () => {
    const local = await as('CASEWORKER', Q, { id: LOCAL });
    expect(local.body.data.person).toMatchObject({ idNumber: LOCAL, birthDate: `${LOCAL.slice(6, 10)}-${LOCAL.slice(10, 12)}-${LOCAL.slice(12, 14)}` });
    const platform = await as('PLATFORM', Q, { id: STRANGER });
    expect(platform.body.data.person.idNumber).toBe(STRANGER);
    expect(platform.body.data.person.birthDate).not.toBeNull();
  });
});

describe(`a stated purpose for every read of personal data (${testDbKind})`, () => {
  const PERSON = 'query Look($id: String!) { person(idNumber: $id) { name } }';

  it('refuses a read of personal data without a purpose with PURPOSE_REQUIRED (HTTP 400), logging and answering nothing', async () => {
    const before = await logCount();
    for (const [query, variables] of [
      [PERSON, { id: LOCAL }],
      ['{ earlyWarnings { edges { node { evidence } } } }', {}],
      ['{ funds { transactions { edges { node { aid { amount } } } } } }', {}],
      ['query($id: String!) { eligibility(idNumber: $id, rule: "CHARITY_GENERAL_HARDSHIP") { eligible } }', { id: LOCAL }],
    ] as const) {
      const r = await as('PLATFORM', query, variables, { 'x-purpose': '' });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.extensions).toEqual({ code: 'PURPOSE_REQUIRED' });
      expect(r.body.data ?? null).toBeNull();
    }
    const blank = await as('CASEWORKER', PERSON, { id: LOCAL }, { 'x-purpose': '   ' });
    expect(blank.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    expect(await logCount()).toBe(before);
    // What reads no personal data needs no purpose.
    const plain = await as('CASEWORKER', '{ hub { version } funds { code balance } reviewQueue { totalCount } }', {}, { 'x-purpose': '' });
    expect(plain.body.errors).toBeUndefined();
  });

  it('keeps a percent-encoded Chinese purpose as text, and refuses a malformed or overlong one', async () => {
    const purpose = '审核临时救助申请 (case 42)';
    const r = await as('CASEWORKER', PERSON, { id: LOCAL }, { 'x-purpose': encodeURIComponent(purpose) });
    expect(r.body.errors).toBeUndefined();
    expect((await logged('cw-privacy')).map((e) => e.purpose)).toEqual([purpose]);
    const bad = await as('CASEWORKER', PERSON, { id: LOCAL }, { 'x-purpose': '%E5%AE' });
    expect([bad.status, bad.body.errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_USER_INPUT']);
    const long = await as('CASEWORKER', PERSON, { id: LOCAL }, { 'x-purpose': encodeURIComponent('审'.repeat(201)) });
    expect([long.status, long.body.errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect(await logged('cw-privacy')).toHaveLength(1);
  });

  it('logs reading warning evidence and household income through earlyWarnings, with the purpose', async () => {
    const r = await as('PLATFORM', '{ earlyWarnings(includeClosed: true) { edges { node { evidence household { annualIncome } person { id } } } } }', {}, { 'x-purpose': 'monthly risk review' });
    expect(r.body.errors).toBeUndefined();
    const warnings = r.body.data.earlyWarnings.edges;
    expect(warnings.length).toBeGreaterThan(0);
    const log = await logged('platform-privacy');
    expect(log.length).toBeGreaterThan(0);
    expect(log.flatMap((e) => e.fields)).toContain('Warning.evidence');
    expect(new Set(log.map((e) => e.purpose))).toEqual(new Set(['monthly risk review']));
  });
});

describe(`tokens carry known codes and live a working day (${testDbKind})`, () => {
  const sign = (claims: Record<string, unknown>, opts: { iat?: number | null; exp?: number | null } = {}) => {
    const t = Math.floor(Date.now() / 1000);
    let j = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('forged').setIssuer('relief-hub').setAudience('relief-hub');
    if (opts.iat !== null) j = j.setIssuedAt(opts.iat ?? t);
    if (opts.exp !== null) j = j.setExpirationTime(opts.exp ?? t + 3600);
    return j.sign(new TextEncoder().encode(TEST_SECRET));
  };

  it.each([
    ['a LIKE pattern as county', { role: 'CASEWORKER', agency: 'civil-affairs', county: '%' }, {}],
    ['a province prefix as county', { role: 'CASEWORKER', agency: 'civil-affairs', county: '46' }, {}],
    ['underscores as county', { role: 'CASEWORKER', agency: 'civil-affairs', county: '______' }, {}],
    ['an unknown agency', { role: 'CASEWORKER', agency: 'tax-office', county: '460105' }, {}],
    ['an unknown system', { role: 'SOURCE_SYSTEM', system: 'tax-office' }, {}],
    ['a hundred-year lifetime', { role: 'PLATFORM' }, { exp: Math.floor(Date.now() / 1000) + 100 * 365 * 86400 }],
    ['13 hours', { role: 'CASEWORKER', agency: 'civil-affairs', county: '460105' }, { exp: Math.floor(Date.now() / 1000) + 13 * 3600 }],
    ['a source system\'s 31 days', { role: 'SOURCE_SYSTEM', system: 'charity' }, { exp: Math.floor(Date.now() / 1000) + 31 * 86400 }],
    ['no issue time', { role: 'PLATFORM' }, { iat: null }],
    ['no expiry', { role: 'PLATFORM' }, { exp: null }],
    ['an issue time far ahead', { role: 'PLATFORM' }, { iat: Math.floor(Date.now() / 1000) + 30 * 86400, exp: Math.floor(Date.now() / 1000) + 30 * 86400 + 3600 }],
  ])('refuses a token with %s (401, nothing answered)', async (_label, claims, opts) => {
    const r = await gql(hub.url, '{ earlyWarnings { totalCount } }', {}, { authorization: `Bearer ${await sign(claims, opts as never)}` });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a source system\'s 30 days and a caseworker\'s 12 hours, and refuses to mint more', async () => {
    const t = Math.floor(Date.now() / 1000);
    const feed = await sign({ role: 'SOURCE_SYSTEM', system: 'charity' }, { exp: t + 30 * 86400 });
    expect((await gql(hub.url, 'mutation { ping }', {}, { authorization: `Bearer ${feed}` })).status).toBe(200);
    const cw = await sign({ role: 'CASEWORKER', agency: 'civil-affairs', county: '460105' }, { exp: t + 12 * 3600 });
    expect((await gql(hub.url, '{ hub { version } }', {}, { authorization: `Bearer ${cw}` })).status).toBe(200);
    await expect(hub.token({ role: 'PLATFORM', ttl: '100y' })).rejects.toThrow(/at most 12 hours/);
    await expect(hub.token({ role: 'PLATFORM', ttl: 'forever' })).rejects.toThrow(/not a time span/);
    await expect(hub.token({ role: 'CASEWORKER', agency: 'civil-affairs', county: '%' })).rejects.toThrow(/unknown county/);
    await expect(hub.token({ role: 'SOURCE_SYSTEM', system: 'charity', ttl: '30d' })).resolves.toMatch(/\./);
  });
});

describe(`charities are told nothing about whom the hub knows (${testDbKind})`, () => {
  const ASK = 'query($id: String!, $rule: String!) { eligibility(idNumber: $id, rule: $rule, asOf: "2026-10-01") { eligible reasons ruleCode ruleVersion } }';

  it('a charity asks only the rules published for charities, and reads only those', async () => {
    for (const rule of ['DISABLED_REHAB', 'RURAL_MEDICAL_SUPPORT', 'WORKER_MUTUAL_AID']) {
      const r = await as('CHARITY', ASK, { id: LOCAL, rule });
      expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await as('CHARITY', '{ policy(code: "DISABLED_REHAB") { code } }')).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await as('CHARITY', '{ policies { code forCharities } }');
    expect(list.body.data.policies).toEqual([{ code: 'CHARITY_GENERAL_HARDSHIP', forCharities: true }]);
    expect((await as('PLATFORM', '{ policies { code } }')).body.data.policies.length).toBeGreaterThan(1);
    expect((await as('CHARITY', ASK, { id: LOCAL, rule: 'CHARITY_GENERAL_HARDSHIP' })).body.errors).toBeUndefined();
  });

  it('an unknown person is answered to a charity exactly as a known person with no burden', async () => {
    // A known person with no stay at all.
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('k.csv', civilStatusFile([{ householder: idNumber(95), member: idNumber(95) }])), { now });
    const known = await as('CHARITY', ASK, { id: idNumber(95), rule: 'CHARITY_GENERAL_HARDSHIP' });
    const unknown = await as('CHARITY', ASK, { id: NOBODY, rule: 'CHARITY_GENERAL_HARDSHIP' });
    expect(unknown.body).toEqual(known.body);
    expect(JSON.stringify(unknown.body)).not.toContain('PERSON_UNKNOWN');
    // Both questions are logged alike (the same write on the same path), the unknown one by the number asked.
    expect((await logged('charity-privacy')).map((e) => [e.subject_id_number, e.fields])).toEqual([
      [idNumber(95), ['Eligibility.CHARITY_GENERAL_HARDSHIP']],
      [NOBODY, ['Eligibility.CHARITY_GENERAL_HARDSHIP']],
    ]);
    // The platform (and a caseworker) still get a clear answer.
    const platform = await as('PLATFORM', ASK, { id: NOBODY, rule: 'CHARITY_GENERAL_HARDSHIP' });
    expect(platform.body.data.eligibility.reasons).toEqual(['PERSON_UNKNOWN']);
  });
});

describe(`the serving role cannot change the access log (${testDbKind})`, () => {
  it.skipIf(testDbKind === 'pglite')('on PostgreSQL it can neither alter, delete nor update access_log, yet the hub serves and logs', async () => {
    await as('PLATFORM', 'query($id: String!) { person(idNumber: $id) { name } }', { id: LOCAL });
    const n = await logCount();
    expect(n).toBeGreaterThan(0);
    // The suite's own handle is the serving role (test/support/db.ts), the one the hub serves as.
    const who = await rows<{ u: string; owner: string }>(database.db, sql`SELECT current_user AS u, tableowner AS owner FROM pg_tables WHERE tablename = 'access_log'`);
    expect(who[0]!.u).not.toBe(who[0]!.owner);
    for (const statement of [
      sql`ALTER TABLE access_log DISABLE TRIGGER USER`,
      sql`DELETE FROM access_log`,
      sql`UPDATE access_log SET purpose = 'rewritten'`,
      sql`TRUNCATE access_log`,
      sql`DROP TABLE access_log`,
    ]) {
      const err = (await database.db.transaction((tx) => tx.execute(statement)).then(() => null, (e: unknown) => e)) as { message: string; cause?: { message: string } } | null;
      expect(err?.cause?.message ?? err?.message).toMatch(/permission denied|must be owner/);
    }
    expect(await logCount()).toBe(n);
  });
});

describe(`a new field carrying a person is guarded by its type (${testDbKind})`, () => {
  it('scoped, masked and logged without its resolver doing anything', async () => {
    // Test-only fields: any person by internal id, and every person, from a type a caseworker reads.
    const extra = `union Anything = Person | Settlement
      extend type Fund { someone(id: ID!): Person  everyone: [Person!]!  stays: [Settlement!]!  anything: [Anything]! }`;
    const byId = async (ctx: HubContext, id: string) => ctx.loaders.personById.load(Number(id));
    const schema = makeExecutableSchema({
      typeDefs: [...typeDefs(), extra],
      resolvers: mergeResolvers([
        resolvers(),
        {
          Fund: {
            someone: (_: unknown, a: { id: string }, ctx: HubContext) => byId(ctx, a.id),
            everyone: async (_: unknown, __: unknown, ctx: HubContext) =>
              ctx.loaders.personById.loadMany((await rows<{ id: string }>(ctx.database.db, sql`SELECT id::text FROM persons ORDER BY id`)).map((r) => Number(r.id))),
            stays: async (_: unknown, __: unknown, ctx: HubContext) =>
              ctx.loaders.settlementById.loadMany(['S-FAR', 'S-LOCAL', 'S-STR']),
            anything: async (_: unknown, __: unknown, ctx: HubContext) => ctx.loaders.settlementById.loadMany(['S-FAR', 'S-LOCAL']),
          },
          Anything: { __resolveType: (v: object) => ('settlementId' in v ? 'Settlement' : 'Person') },
        },
      ] as never[]),
    });
    const server = await startServer(database, loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', AUTH_SECRET: TEST_SECRET }), pino({ level: 'silent' }), { schema });
    try {
      const ids = await rows<{ id: string; id_number: string }>(database.db, sql`SELECT id::text, id_number FROM persons`);
      const idOf = (n: string) => ids.find((r) => r.id_number === n)!.id;
      const q = 'query($far: ID!, $local: ID!) { fund(code: "FUND:TEMPORARY_ASSISTANCE") { far: someone(id: $far) { name } local: someone(id: $local) { idNumber birthDate } everyone { idNumber } stays { settlementId } anything { ... on Settlement { settlementId } } } }';
      const cw = await gql<any>(server.url, q, { far: idOf(FAR), local: idOf(LOCAL) }, { authorization: `Bearer ${await server.keys.mint({ role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'cw-new-field' })}` });
      expect(cw.body.errors).toBeUndefined();
      expect(cw.body.data.fund.far).toBeNull();
      expect(cw.body.data.fund.local.idNumber).toBe(LOCAL);
      expect(cw.body.data.fund.everyone.map((p: any) => p.idNumber)).toEqual([LOCAL]);
      expect(cw.body.data.fund.stays.map((s: any) => s.settlementId)).toEqual(['S-LOCAL']);
      // A list of a union keeps its positions: what is out of reach is null.
      expect(cw.body.data.fund.anything).toEqual([null, { settlementId: 'S-LOCAL' }]);
      const log = await logged('cw-new-field');
      expect(log.map((e) => e.subject_id_number)).toEqual([LOCAL]);
      // Without a purpose it is refused as any personal read is.
      const none = await gql<any>(server.url, q, { far: idOf(FAR), local: idOf(LOCAL) }, { 'x-purpose': '', authorization: `Bearer ${await server.keys.mint({ role: 'PLATFORM' })}` });
      expect(none.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
      // The platform sees all of them; a charity none (the root rule already refuses it).
      const platform = await gql<any>(server.url, q, { far: idOf(FAR), local: idOf(LOCAL) }, { authorization: `Bearer ${await server.keys.mint({ role: 'PLATFORM' })}` });
      expect(platform.body.data.fund.everyone).toHaveLength(ids.length);
      expect(platform.body.data.fund.far.name).not.toBeNull();
    } finally {
      await server.close();
    }
  });
});
