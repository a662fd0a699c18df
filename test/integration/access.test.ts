/**
 * Access control, privacy and hostile input (issue 7): every role against every root field, masking,
 * the access log, and each limit with its error code and an unchanged database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { ACCESS } from '../../src/access/policy.ts';
import { ROLES, type Role, type TokenClaims } from '../../src/access/auth.ts';
import { servedSchema } from '../../src/graphql/schema.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
const now = new Date('2026-11-01T00:00:00+08:00');
const LOCAL = idNumber(81, { county: '460105' });
const FAR = idNumber(82, { county: '469030' });

const CLAIMS: Record<Role, TokenClaims> = {
  CASEWORKER: { role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'cw-1' },
  PLATFORM: { role: 'PLATFORM', sub: 'platform-1' },
  CHARITY: { role: 'CHARITY', sub: 'charity-1' },
  AUDITOR: { role: 'AUDITOR', sub: 'auditor-1' },
  SOURCE_SYSTEM: { role: 'SOURCE_SYSTEM', system: 'charity', sub: 'charity-system' },
};
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
  for (const r of ROLES) tokens[r] = `Bearer ${await hub.token(CLAIMS[r])}`;
}, 180_000);
afterAll(async () => hub?.close());
beforeEach(async () => {
  await resetDatabase(database);
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('s.csv', civilStatusFile([{ householder: LOCAL, member: LOCAL }])), { now });
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('m.ndjson', settlementFile([{ id: 'S-1', person: FAR }])), { now });
});

const as = (role: Role | 'NONE', query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  gql(hub.url, query, variables, { authorization: role === 'NONE' ? '' : tokens[role], ...headers });

/** One operation for every root field: what each role is checked against. */
const OPERATIONS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'Query.hub': { query: '{ hub { version } }' },
  'Query.systems': { query: '{ systems { code } }' },
  'Query.person': { query: 'query($id: String!) { person(idNumber: $id) { id } }', variables: { id: LOCAL } },
  'Query.household': { query: '{ household(id: "1") { key } }' },
  'Query.settlement': { query: '{ settlement(settlementId: "S-1") { burden } }' },
  'Query.aidCapacity': { query: '{ aidCapacity(settlementId: "S-1") { remaining } }' },
  'Query.quarantine': { query: '{ quarantine { totalCount } }' },
  'Query.ingestRuns': { query: '{ ingestRuns { totalCount } }' },
  'Query.reviewQueue': { query: '{ reviewQueue { totalCount } }' },
  'Query.funds': { query: '{ funds { code } }' },
  'Query.fund': { query: '{ fund(code: "FUND:TEMPORARY_ASSISTANCE") { balance } }' },
  'Query.paidNotArrived': { query: '{ paidNotArrived { totalCount } }' },
  'Query.accessLog': { query: '{ accessLog { totalCount } }' },
  'Query.quarterlyReport': { query: '{ quarterlyReport(year: 2026, quarter: 1, groupBy: [AGENCY]) { totals { amount } } }' },
  'Query.publishedQuarterlyReport': { query: '{ publishedQuarterlyReport(year: 2026, quarter: 1) { publishedAt } }' },
  'Query.quarterlyReportFile': { query: '{ quarterlyReportFile(year: 2026, quarter: 1, format: CSV) { sha256 } }' },
  'Query.earlyWarnings': { query: '{ earlyWarnings { totalCount } }' },
  'Query.policies': { query: '{ policies { code version } }' },
  'Query.policy': { query: '{ policy(code: "CHARITY_GENERAL_HARDSHIP") { version } }' },
  'Query.eligibility': { query: 'query($id: String!) { eligibility(idNumber: $id, rule: "CHARITY_GENERAL_HARDSHIP") { eligible } }', variables: { id: LOCAL } },
  'Mutation.ping': { query: 'mutation { ping }' },
  'Mutation.ingest': { query: 'mutation { ingest(system: "charity", content: "类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目") { records } }' },
  'Mutation.reprocessQuarantined': { query: 'mutation { reprocessQuarantined(id: "999999") { outcome } }' },
  'Mutation.undoPersonMerge': { query: 'mutation { undoPersonMerge(mergeId: "999999", reason: "testing access") { id } }' },
  'Mutation.publishPolicyVersion': {
    query: 'mutation { publishPolicyVersion(input: { code: "VETERAN_ASSISTANCE", effectiveFrom: "2030-01-01", definition: { all: [{ type: "holdsStatus", categories: ["VETERAN"] }] } }) { version } }',
  },
  'Mutation.publishQuarterlyReport': { query: 'mutation { publishQuarterlyReport(year: 2099, quarter: 1) { publishedAt } }' },
  'Mutation.allocateFunds': { query: 'mutation { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "100.00", note: "test budget") { id } }' },
  'Mutation.recordAid': {
    query: 'mutation($id: String!) { recordAid(input: { idNumber: $id, program: "TEMPORARY_ASSISTANCE", amount: "10.00" }) { __typename } }',
    variables: { id: LOCAL },
  },
  'Mutation.confirmArrival': { query: 'mutation { confirmArrival(aidId: "999999") { id } }' },
  'Mutation.reverseAid': { query: 'mutation { reverseAid(aidId: "999999", reason: "testing access") { id } }' },
  'Mutation.resolveReview': { query: `mutation { resolveReview(id: "${Buffer.from('review:999999:DUPLICATE').toString('base64url')}", decision: DISMISS, reason: "testing access") { id } }` },
};

describe(`access control (${testDbKind})`, () => {
  it('the table covers every root field the hub serves, and no rule is left without an operation', () => {
    const schema = servedSchema();
    const served = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    ].sort();
    expect(Object.keys(OPERATIONS).sort()).toEqual(served);
    const ruled = Object.keys(ACCESS).filter((k) => !k.includes('._'));
    expect(ruled.sort()).toEqual(served);
  });

  it.each(ROLES.flatMap((role) => Object.keys(OPERATIONS).map((op) => [role, op] as const)))('%s × %s', async (role, op) => {
    const { query, variables } = OPERATIONS[op]!;
    const r = await as(role, query, variables);
    const codes = (r.body.errors ?? []).map((e) => e.extensions?.code);
    if (ACCESS[op]!.roles.includes(role)) expect(codes).not.toContain('FORBIDDEN');
    else expect(codes).toEqual(['FORBIDDEN']);
  });

  it('without a valid token only /healthz and the landing page answer', async () => {
    for (const authorization of ['', 'Bearer nonsense', `Bearer ${(await hub.token({ role: 'PLATFORM' })).slice(0, -3)}xyz`]) {
      const r = await as('NONE', '{ hub { version } }', {}, { authorization });
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await fetch(hub.url.replace('/graphql', '/healthz'))).status).toBe(200);
    expect((await fetch(hub.url.replace('/graphql', '/'))).status).toBe(200);
  });

  it('a source system ingests its own system only', async () => {
    const r = await as('SOURCE_SYSTEM', 'mutation { ingest(system: "veterans", content: "x") { records } }');
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ingest_runs WHERE system = 'veterans'`))[0]!.n)).toBe(0);
  });

  it('a caseworker records aid of its own agency\'s programs only', async () => {
    const r = await as('CASEWORKER', 'mutation($id: String!) { recordAid(input: { idNumber: $id, program: "VETERAN_ASSISTANCE", amount: "10.00" }) { __typename } }', { id: LOCAL });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe(`privacy (${testDbKind})`, () => {
  const PERSON = 'query($id: String!) { person(idNumber: $id) { idNumber household { key members { person { idNumber } } } } }';

  it('masks identity numbers of persons outside the caseworker\'s county and agency; the platform sees them whole', async () => {
    const local = await as('CASEWORKER', PERSON, { id: LOCAL });
    expect(local.body.data).toMatchObject({ person: { idNumber: LOCAL } });
    expect((local.body.data as any).person.household.key).toBe(`civil:${LOCAL.slice(0, 6)}********${LOCAL.slice(-4)}`);
    const far = await as('CASEWORKER', PERSON, { id: FAR });
    expect((far.body.data as any).person.idNumber).toBe(`${FAR.slice(0, 6)}********${FAR.slice(-4)}`);
    const platform = await as('PLATFORM', PERSON, { id: FAR });
    expect((platform.body.data as any).person.idNumber).toBe(FAR);
    // Once the caseworker's agency has aided the person, the number is whole for it.
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('p.csv', civilPaymentFile([{ id: 'LS-1', person: FAR }])), { now });
    const aided = await as('CASEWORKER', PERSON, { id: FAR });
    expect((aided.body.data as any).person.idNumber).toBe(FAR);
  });

  it('logs every read of personal data with who, whose, which fields and why; auditors read the log', async () => {
    await as('CASEWORKER', 'query Lookup($id: String!) { person(idNumber: $id) { idNumber settlements { burden } } }', { id: FAR }, { 'x-purpose': 'approving temporary assistance' });
    const r = await as('AUDITOR', 'query($id: String) { accessLog(subjectIdNumber: $id) { totalCount edges { node { actor actorRole actorAgency subjectIdNumber operation fields purpose } } } }', { id: FAR });
    expect(r.body.errors).toBeUndefined();
    const log = (r.body.data as any).accessLog;
    expect(log.totalCount).toBe(1);
    expect(log.edges[0].node).toEqual({
      actor: 'cw-1',
      actorRole: 'CASEWORKER',
      actorAgency: 'civil-affairs',
      subjectIdNumber: FAR,
      operation: 'Lookup',
      fields: ['Person.idNumber', 'Person.settlements', 'Settlement.burden'],
      purpose: 'approving temporary assistance',
    });
    await expect(database.db.execute(sql`DELETE FROM access_log`)).rejects.toThrow();
  });
});

describe(`hostile input (${testDbKind})`, () => {
  const snapshot = () =>
    rows<{ t: string; n: string }>(
      database.db,
      sql`SELECT 'aid' AS t, count(*)::text AS n FROM aid_records UNION ALL SELECT 'persons', count(*)::text FROM persons
          UNION ALL SELECT 'ledger', count(*)::text FROM ledger_transactions UNION ALL SELECT 'runs', count(*)::text FROM ingest_runs
          UNION ALL SELECT 'quarantine', count(*)::text FROM quarantine UNION ALL SELECT 'decisions', count(*)::text FROM review_decisions`,
    );

  // A literal the Yuan scalar refuses fails validation; the same value in a variable is BAD_USER_INPUT.
  it.each([
    ['a deeply nested query', `{ person(idNumber: "${LOCAL}") { household { members { person { household { members { person { household { members { person { household { members { person { id } } } } } } } } } } } } } }`, 'QUERY_TOO_DEEP'],
    ['an alias flood', `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: hub { version }`).join(' ')} }`, 'QUERY_TOO_COMPLEX'],
    ['an invalid identity number', '{ person(idNumber: "46010519800101123X") { id } }', 'INVALID_ID_NUMBER'],
    ['a negative amount', `mutation { recordAid(input: { idNumber: "${LOCAL}", program: "TEMPORARY_ASSISTANCE", amount: "-5.00" }) { __typename } }`, 'BAD_USER_INPUT'],
    ['an absurd amount', `mutation { recordAid(input: { idNumber: "${LOCAL}", program: "TEMPORARY_ASSISTANCE", amount: "99999999999.00" }) { __typename } }`, 'GRAPHQL_VALIDATION_FAILED'],
    ['an amount with three decimals', `mutation { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "1.005", note: "budget") { id } }`, 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown system', 'mutation { ingest(system: "tax-office", content: "x") { records } }', 'UNKNOWN_SYSTEM'],
    ['an oversized page', '{ quarantine(first: 100000) { totalCount } }', 'BAD_USER_INPUT'],
  ])('refuses %s with its code and changes nothing', async (_label, query, code) => {
    const before = await snapshot();
    const r = await as('PLATFORM', query);
    expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an absurd amount given as a variable with BAD_USER_INPUT', async () => {
    const before = await snapshot();
    const r = await as('PLATFORM', 'mutation($a: Yuan!) { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: $a, note: "budget") { id } }', { a: '99999999999.00' });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses batched requests and malformed JSON with codes', async () => {
    const before = await snapshot();
    const batch = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: tokens.PLATFORM },
      body: JSON.stringify([{ query: '{ hub { version } }' }, { query: 'mutation { ping }' }]),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const broken = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: tokens.PLATFORM }, body: '{"query":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toEqual(before);
  });

  it('limits each token\'s requests per minute, in the database every instance shares', async () => {
    const limited = await startTestHub(database, { RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const token = `Bearer ${await limited.token({ role: 'AUDITOR', sub: 'rate-test' })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await gql(limited.url, '{ hub { version } }', {}, { authorization: token })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const r = await gql(limited.url, '{ hub { version } }', {}, { authorization: token });
      expect(r.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('keeps introspection off outside development', async () => {
    const r = await as('PLATFORM', '{ __schema { types { name } } }');
    expect(r.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
