/**
 * `serve --subgraph`: the hub's schema as an Apollo Federation 2 subgraph, composed with a second small
 * subgraph by @apollo/composition, and entities resolved through `_entities` under the root fields' rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const person = idNumber(42);

beforeAll(async () => {
  database = await testDatabase();
  await resetDatabase(database);
  const now = new Date('2026-11-01T00:00:00+08:00');
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('s.csv', civilStatusFile([{ householder: person, member: person }])), { now });
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('m.ndjson', settlementFile([{ id: 'FED-1', person }])), { now });
  hub = await startTestHub(database, {}, { subgraph: true });
});
afterAll(async () => hub?.close());

const NOTES = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Person @key(fields: "id") { id: ID! caseNotes: [String!]! }
  type Settlement @key(fields: "settlementId") { settlementId: String! reviewed: Boolean! }
  type Query { noteCount: Int! }
`;

describe(`the hub as a federation subgraph (${testDbKind})`, () => {
  it('composes with another subgraph into a supergraph', async () => {
    const r = await gql<{ _service: { sdl: string } }>(hub.url, '{ _service { sdl } }');
    expect(r.body.errors).toBeUndefined();
    const sdl = r.body.data!._service.sdl;
    expect(sdl).toMatch(/type Person\s+@key\(fields: "id"\)\s*@key\(fields: "idNumber"\)/);
    expect(sdl).toMatch(/type Household\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Settlement\s+@key\(fields: "settlementId"\)/);
    const composed = composeServices([
      { name: 'relief-hub', typeDefs: parse(sdl), url: hub.url },
      { name: 'case-notes', typeDefs: parse(NOTES), url: 'http://127.0.0.1:1/graphql' },
    ]);
    expect(composed.errors ?? []).toEqual([]);
    expect(composed.supergraphSdl).toContain('caseNotes');
    expect(composed.supergraphSdl).toContain('aid(');
  });

  it('resolves Person, Household and Settlement entities through _entities', async () => {
    const p = await gql<{ person: { id: string; household: { id: string } } }>(hub.url, 'query($n: String!) { person(idNumber: $n) { id household { id } } }', { n: person });
    const { id, household } = p.body.data!.person;
    const r = await gql<{ _entities: Array<Record<string, unknown> | null> }>(
      hub.url,
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Person { idNumber statuses { category } }
        ... on Household { key members { relationship } }
        ... on Settlement { settlementId burden person { idNumber } } } }`,
      {
        r: [
          { __typename: 'Person', id },
          { __typename: 'Household', id: household.id },
          { __typename: 'Settlement', settlementId: 'FED-1' },
          { __typename: 'Settlement', settlementId: 'NO-SUCH' },
        ],
      },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!._entities).toEqual([
      { idNumber: person, statuses: [{ category: 'MINIMUM_LIVING' }] },
      { key: `civil:${person}`, members: [{ relationship: '本人' }] },
      { settlementId: 'FED-1', burden: '20000.00', person: { idNumber: person } },
      null,
    ]);
  });

  it('composes with a subgraph that keys Person by identity number', async () => {
    const r = await gql<{ _service: { sdl: string } }>(hub.url, '{ _service { sdl } }');
    const byId = NOTES.replace('type Person @key(fields: "id") { id: ID! caseNotes', 'type Person @key(fields: "idNumber") { idNumber: String! caseNotes');
    const composed = composeServices([
      { name: 'relief-hub', typeDefs: parse(r.body.data!._service.sdl), url: hub.url },
      { name: 'case-notes', typeDefs: parse(byId), url: 'http://127.0.0.1:1/graphql' },
    ]);
    expect(composed.errors ?? []).toEqual([]);
  });

  describe('who may resolve entities', () => {
    const caseworker = () => hub.token({ role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'fed-caseworker' });
    const entities = (token: string, representations: unknown[]) =>
      gql<{ _entities: Array<Record<string, unknown> | null> | null }>(
        hub.url,
        `query($r: [_Any!]!) { _entities(representations: $r) {
          ... on Person { idNumber statuses { category } }
          ... on Household { key }
          ... on Settlement { settlementId burden } } }`,
        { r: representations },
        { authorization: `Bearer ${token}` },
      );
    const reads = async (actor: string) =>
      Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM access_log WHERE actor = ${actor}`))[0]!.n);

    it('a caseworker resolves a Person by exact identity number (logged like person(idNumber:)) and a Settlement by its id', async () => {
      const before = await reads('fed-caseworker');
      const r = await entities(await caseworker(), [
        { __typename: 'Person', idNumber: person },
        { __typename: 'Person', idNumber: idNumber(43) },
        { __typename: 'Settlement', settlementId: 'FED-1' },
      ]);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!._entities).toEqual([{ idNumber: person, statuses: [{ category: 'MINIMUM_LIVING' }] }, null, { settlementId: 'FED-1', burden: '20000.00' }]);
      expect(await reads('fed-caseworker')).toBeGreaterThan(before);
    });

    it('a caseworker may not browse: no Person by opaque id, no Household, even mixed with allowed ones', async () => {
      const p = await gql<{ person: { id: string; household: { id: string } } }>(hub.url, 'query($n: String!) { person(idNumber: $n) { id household { id } } }', { n: person });
      const { id, household } = p.body.data!.person;
      const token = await caseworker();
      for (const reps of [
        [{ __typename: 'Person', id }],
        [{ __typename: 'Person', id: '1' }, { __typename: 'Person', id: '2' }],
        [{ __typename: 'Household', id: household.id }],
        [{ __typename: 'Person', idNumber: person }, { __typename: 'Person', id }],
        [{ __typename: 'Nothing', id: '1' }],
      ]) {
        const r = await entities(token, reps);
        expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        expect(r.body.data?._entities ?? null).toBeNull();
      }
    });

    it('refuses a malformed identity number as the person field does, and other roles entirely', async () => {
      const bad = await entities(await caseworker(), [{ __typename: 'Person', idNumber: '46010519800101123X' }]);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_ID_NUMBER');
      for (const role of ['CHARITY', 'AUDITOR'] as const) {
        const r = await entities(await hub.token({ role, sub: `fed-${role}` }), [{ __typename: 'Person', idNumber: person }]);
        expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      }
    });

    it('the platform resolves Person by either key', async () => {
      const p = await gql<{ person: { id: string } }>(hub.url, 'query($n: String!) { person(idNumber: $n) { id } }', { n: person });
      const r = await entities((await hub.token({ role: 'PLATFORM', sub: 'fed-platform' })), [
        { __typename: 'Person', id: p.body.data!.person.id },
        { __typename: 'Person', idNumber: person },
      ]);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!._entities).toEqual([
        { idNumber: person, statuses: [{ category: 'MINIMUM_LIVING' }] },
        { idNumber: person, statuses: [{ category: 'MINIMUM_LIVING' }] },
      ]);
    });
  });
});
