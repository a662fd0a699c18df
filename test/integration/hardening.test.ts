/**
 * Issue 14 (hardening): query cost and size, hostile requests answered 4xx with their code and changing nothing,
 * no suggestions or echoed input in production errors, introspection through the depth limit in development.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { getIntrospectionQuery } from 'graphql';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
let platformToken: string;
const now = new Date('2026-11-01T00:00:00+08:00');
const LOCAL = idNumber(91, { county: '460105' });

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
  platformToken = await hub.token({ role: 'PLATFORM', sub: 'hardening-platform' });
});
afterAll(async () => hub?.close());
beforeEach(async () => {
  await resetDatabase(database);
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('s.csv', civilStatusFile([{ householder: LOCAL, member: LOCAL }])), { now });
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('m.ndjson', settlementFile([{ id: 'S-1', person: LOCAL }])), { now });
});

/** Row counts of the tables a request could change. */
const snapshot = () =>
  rows<{ t: string; n: string }>(
    database.db,
    sql`SELECT 'aid' AS t, count(*)::text AS n FROM aid_records UNION ALL SELECT 'persons', count(*)::text FROM persons
        UNION ALL SELECT 'ledger', count(*)::text FROM ledger_transactions UNION ALL SELECT 'runs', count(*)::text FROM ingest_runs
        UNION ALL SELECT 'quarantine', count(*)::text FROM quarantine WHERE resolved_at IS NULL UNION ALL SELECT 'decisions', count(*)::text FROM review_decisions`,
  );

/** 26 fragments, each spreading the next twice: 2^25 paths from a 1.5 KB document. */
function fragmentBomb(n = 26): string {
  const names = Array.from({ length: n }, (_, i) => `F${i}`);
  const defs = names.map((f, i) => (i === n - 1 ? `fragment ${f} on Query { hub { version } }` : `fragment ${f} on Query { ...${names[i + 1]} ...${names[i + 1]} }`));
  return `query { ...F0 }\n${defs.join('\n')}`;
}

describe(`query cost and hostile requests (${testDbKind})`, () => {
  it('refuses a fragment bomb as QUERY_TOO_COMPLEX, for a charity too, before running it', async () => {
    const charity = `Bearer ${await hub.token({ role: 'CHARITY', sub: 'charity-bomb' })}`;
    const before = await snapshot();
    const r = await gql(hub.url, fragmentBomb(), {}, { authorization: charity });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an over-deep or over-large query with 400 and its code, and changes nothing', async () => {
    const before = await snapshot();
    const deep = await gql(hub.url, `{ person(idNumber: "${LOCAL}") { household { members { person { household { members { person { household { members { person { household { members { person { id } } } } } } } } } } } } } }`);
    expect([deep.status, deep.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_DEEP']);
    const wide = await gql(hub.url, `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: hub { version }`).join(' ')} }`);
    expect([wide.status, wide.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_COMPLEX']);
    const tokens = await gql(hub.url, `{ ${'__typename '.repeat(20_000)}}`);
    expect([tokens.status, tokens.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_COMPLEX']);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['NUL in a literal argument', 'mutation { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "1.00", note: "a\\u0000b") { id } }', {}],
    ['NUL in a variable', 'mutation($n: String!) { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "1.00", note: $n) { id } }', { n: 'a\u0000b' }],
    ['NUL in a settlement id', 'query($s: String!) { settlement(settlementId: $s) { burden } }', { s: 'S\u0000-1' }],
    ['an undecodable quarantine cursor', '{ quarantine(after: "garbage") { totalCount } }', {}],
    ['a quarantine cursor that is not a number', `{ quarantine(after: "${Buffer.from('quarantine:abc').toString('base64url')}") { totalCount } }`, {}],
    ['an undecodable fund cursor', '{ fund(code: "FUND:TEMPORARY_ASSISTANCE") { transactions(after: "garbage") { totalCount } } }', {}],
    ['an undecodable aid cursor', `{ person(idNumber: "${LOCAL}") { aid(after: "garbage") { totalCount } } }`, {}],
    ['an undecodable review cursor', '{ reviewQueue(after: "garbage") { totalCount } }', {}],
    ['an undecodable warnings cursor', '{ earlyWarnings(after: "garbage") { totalCount } }', {}],
    ['an undecodable paid-not-arrived cursor', '{ paidNotArrived(after: "garbage") { totalCount } }', {}],
  ])('answers %s with 400 BAD_USER_INPUT and changes nothing', async (_label, query, variables) => {
    const before = await snapshot();
    const r = await gql(hub.url, query, variables);
    expect([r.status, r.body.errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['5,000-deep corrections', `{"c":${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}}`],
    ['a 5,000-deep list', `{"c":${'['.repeat(5000)}1${']'.repeat(5000)}}`],
    ['a corrections object of 200,000 keys', `{"c":{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":1`).join(',')}}}`],
  ])('answers %s with 400 BAD_USER_INPUT and changes nothing', async (_label, variablesJson) => {
    // A quarantined record (a wrong check character) for the corrections to aim at.
    const valid = idNumber(92);
    const wrong = valid.slice(0, 17) + (valid.endsWith('1') ? '2' : '1');
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('bad.csv', civilStatusFile([{ householder: wrong, member: wrong }])), { now });
    const item = (await rows<{ id: string }>(database.db, sql`SELECT id::text AS id FROM quarantine WHERE resolved_at IS NULL LIMIT 1`))[0]!;
    expect(item).toBeDefined();
    const before = await snapshot();
    const query = `mutation($c: JSON) { reprocessQuarantined(id: "${item.id}", corrections: $c) { outcome } }`;
    const r = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${platformToken}` },
      body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toEqual(before);
  });

  it('answers a persisted-query hash that does not match its query with 400 and a PERSISTED_QUERY code', async () => {
    const before = await snapshot();
    const post = (body: unknown) =>
      fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${platformToken}` }, body: JSON.stringify(body) });
    const query = 'mutation { ping }';
    const wrong = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } } });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    const version = await post({ query, extensions: { persistedQuery: { version: 2, sha256Hash: 'deadbeef' } } });
    expect(version.status).toBe(400);
    expect(((await version.json()) as any).errors[0].extensions.code).toMatch(/^PERSISTED_QUERY_/);
    // The right hash still works.
    const right = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } });
    expect(right.status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  it('bounds a huge variable and never echoes input values whole in an error', async () => {
    const before = await snapshot();
    const huge = 'x'.repeat(30 * 1024 * 1024);
    const r = await gql(hub.url, 'query($n: Int!) { quarantine(first: $n) { totalCount } }', { n: huge });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(r.body).length).toBeLessThan(2000);
    // A value that only fails coercion is not echoed whole either.
    const wrongType = await gql(hub.url, 'query($n: Int!) { quarantine(first: $n) { totalCount } }', { n: 'y'.repeat(5000) });
    expect(wrongType.status).toBe(400);
    expect(JSON.stringify(wrongType.body)).not.toContain('y'.repeat(200));
    expect(await snapshot()).toEqual(before);
  });

  it('still ingests a large export passed as a variable', async () => {
    const file = civilStatusFile(Array.from({ length: 3000 }, (_, i) => ({ householder: idNumber(1000 + i), member: idNumber(1000 + i) })));
    const r = await gql<{ ingest: { records: number } }>(hub.url, 'mutation($c: String!) { ingest(system: "civil-affairs", content: $c, encoding: BASE64, fileName: "big.csv") { records } }', { c: file.toString('base64') });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.ingest.records).toBe(3000);
  });
});

describe(`errors and introspection by environment (${testDbKind})`, () => {
  it('suggests no field names outside development, and does in development', async () => {
    const prod = await startTestHub(database, { NODE_ENV: 'production' });
    const dev = await startTestHub(database, { NODE_ENV: 'development' });
    try {
      const p = await gql(prod.url, '{ hub { versio } }');
      expect(p.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(p.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
      const d = await gql(dev.url, '{ hub { versio } }');
      expect(d.body.errors?.[0]?.message).toMatch(/Did you mean "version"/);
    } finally {
      await prod.close();
      await dev.close();
    }
  });

  it('lets the standard introspection query through the depth limit in development only, and nothing else through', async () => {
    const dev = await startTestHub(database, { NODE_ENV: 'development' });
    const prod = await startTestHub(database, { NODE_ENV: 'production' });
    try {
      const full = await gql<{ __schema: { types: unknown[] } }>(dev.url, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, schemaDescription: true, directiveIsRepeatable: true }));
      expect(full.body.errors).toBeUndefined();
      expect(full.body.data!.__schema.types.length).toBeGreaterThan(20);
      // Introspection next to a deep data query: the data part is still measured.
      const deepData = `{ __schema { queryType { name } } person(idNumber: "${LOCAL}") { household { members { person { household { members { person { household { members { person { household { members { person { id } } } } } } } } } } } } } }`;
      const mixed = await gql(dev.url, deepData);
      expect([mixed.status, mixed.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_DEEP']);
      // A hostile introspection nesting far beyond any real client's is refused too.
      const ofType = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofType(n - 1)} }`);
      const silly = await gql(dev.url, `{ __type(name: "Person") { fields { type { ${ofType(60)} } } } }`);
      expect([silly.status, silly.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_DEEP']);
      const off = await gql(prod.url, getIntrospectionQuery());
      expect(off.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await dev.close();
      await prod.close();
    }
  });
});
