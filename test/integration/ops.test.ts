/** Operating the hub: /metrics series after specific requests, request ids, /healthz and /readyz. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server/http.ts';
import { adminOf, resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, TEST_SECRET } from '../support/hub.ts';
import { metricValue } from '../support/metrics.ts';

const id = (first17: string) => first17 + checkCharacter(first17);
const GOOD = id('46010219800101123');
const BAD = GOOD.slice(0, 17) + (GOOD[17] === '1' ? '2' : '1');
const HEADER = '类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目';
const CSV = [HEADER, `救助,CF-1,王大明,${GOOD},"1,000.00",2026-03-01,PZ-1,,大病救助`, `救助,CF-2,李小红,${BAD},500.00,2026-03-02,PZ-2,,大病救助`, `捐赠,DN-1,某公司,,20000,2026-02-01,,,`].join('\n');
const INGEST = `mutation($s: String!, $c: String!) { ingest(system: $s, content: $c) { new quarantined } }`;

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const base = () => hub.url.replace('/graphql', '');
const scrape = async () => {
  const r = await fetch(`${base()}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
};

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
}, 120_000);
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

describe(`metrics (${testDbKind})`, () => {
  it('counts ingested records by system and outcome, requests by operation and outcome, and shows the quarantine', async () => {
    const before = await scrape();
    const r = await gql<{ ingest: { new: number; quarantined: number } }>(hub.url, INGEST, { s: 'charity', c: CSV });
    expect(r.body.data!.ingest).toEqual({ new: 2, quarantined: 1 });
    const again = await gql<{ ingest: { new: number; quarantined: number } }>(hub.url, INGEST, { s: 'charity', c: CSV }); // unchanged now
    const unauth = await gql(hub.url, '{ funds { code } }', {}, { authorization: 'Bearer nope' });
    expect(unauth.status).toBe(401);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => (metricValue(after, name, labels) ?? 0) - (metricValue(before, name, labels) ?? 0);
    expect(delta('relief_hub_ingest_records_total', { system: 'charity', outcome: 'new' })).toBe(2);
    // A record quarantined again on re-delivery is counted with each delivery, as the summaries report it.
    expect(delta('relief_hub_ingest_records_total', { system: 'charity', outcome: 'quarantined' })).toBe(1 + again.body.data!.ingest.quarantined);
    expect(delta('relief_hub_ingest_records_total', { system: 'charity', outcome: 'unchanged' })).toBe(2);
    expect(delta('relief_hub_requests_total', { operation: 'mutation.ingest', outcome: 'ok' })).toBe(2);
    expect(delta('relief_hub_request_duration_seconds_count', { operation: 'mutation.ingest', outcome: 'ok' })).toBe(2);
    expect(delta('relief_hub_requests_total', { operation: 'graphql', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(metricValue(after, 'relief_hub_quarantine_open', { system: 'charity' })).toBe(1);
    // The quarantine gauge follows the database, not this instance's history.
    await database.db.execute(sql`UPDATE quarantine SET resolved_at = now(), resolution = 'test'`);
    expect(metricValue(await scrape(), 'relief_hub_quarantine_open', { system: 'charity' })).toBeUndefined();
  });

  it('shows the review queue and open warnings as the API counts them, and the pool', async () => {
    await gql(hub.url, INGEST, { s: 'charity', c: CSV });
    const text = await scrape();
    for (const kind of ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH']) {
      const q = await gql<{ reviewQueue: { totalCount: number } }>(hub.url, `{ reviewQueue(kind: ${kind}) { totalCount } }`);
      expect(metricValue(text, 'relief_hub_review_queue_size', { kind })).toBe(q.body.data!.reviewQueue.totalCount);
    }
    const open = await rows<{ kind: string; n: number }>(database.db, sql`SELECT kind, count(*)::int AS n FROM warnings WHERE closed_at IS NULL GROUP BY kind`);
    for (const w of open) expect(metricValue(text, 'relief_hub_warnings_open', { kind: w.kind })).toBe(w.n);
    if (testDbKind === 'postgres') {
      expect(metricValue(text, 'relief_hub_db_pool_connections', { pool: 'primary', state: 'max' })).toBeGreaterThan(0);
      expect(metricValue(text, 'relief_hub_db_pool_connections', { pool: 'primary', state: 'total' })).toBeGreaterThan(0);
    }
    expect(metricValue(text, 'relief_hub_db_operations_total', { pool: 'primary' })).toBeGreaterThan(0);
  });
});

describe(`request ids (${testDbKind})`, () => {
  it('echoes a valid x-request-id, replaces a bad one, makes one when absent', async () => {
    const mine = await fetch(`${base()}/healthz`, { headers: { 'x-request-id': 'abc-123.DEF' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123.DEF');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const bad = await fetch(`${base()}/healthz`, { headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(bad.headers.get('x-request-id')).toMatch(uuid);
    const injected = await fetch(`${base()}/healthz`, { headers: { 'x-request-id': 'a b\u00e9' } });
    expect(injected.headers.get('x-request-id')).toMatch(uuid);
    const none = await gql(hub.url, '{ funds { code } }');
    expect(none.status).toBe(200);
    const r = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.headers.get('x-request-id')).toMatch(uuid);
  });

  it('puts the request id on every log line written while serving a request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', AUTH_SECRET: TEST_SECRET });
    const server = await startServer(database, config, pino({ level: 'debug' }, sink));
    try {
      const token = await server.keys.mint({ role: 'PLATFORM', sub: 'log-test' });
      const ids = ['req-one', 'req-two'];
      for (const rid of ids) {
        const r = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': rid },
          body: JSON.stringify({ query: '{ funds { code } }' }),
        });
        expect(r.headers.get('x-request-id')).toBe(rid);
      }
      await new Promise((res) => setTimeout(res, 50));
      const perRequest = lines.filter((l) => l.msg === 'request');
      expect(perRequest.map((l) => l.reqId)).toEqual(ids);
      // Every line logged after start-up belongs to a request and carries its id.
      expect(lines.filter((l) => l.reqId === undefined && l.msg !== 'relief-hub serving')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe(`health (${testDbKind})`, () => {
  it('/healthz answers alive; /readyz ready, then not ready while a migration is missing', async () => {
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: testDbKind });
    const [last] = await rows<{ id: number; created_at: string }>(
      database.db,
      sql`SELECT id, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`,
    );
    await adminOf(database).db.execute(sql`UPDATE drizzle.__drizzle_migrations SET created_at = created_at - 1 WHERE id = ${last!.id}`);
    try {
      const pending = await fetch(`${base()}/readyz`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toMatchObject({ status: 'migrations-pending' });
    } finally {
      await adminOf(database).db.execute(sql`UPDATE drizzle.__drizzle_migrations SET created_at = ${last!.created_at}::bigint WHERE id = ${last!.id}`);
    }
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
  });

  it('is draining from the moment close() begins', async () => {
    const other = await startTestHub(database);
    expect(other.draining).toBe(false);
    const closing = other.close();
    expect(other.draining).toBe(true);
    await closing;
  });
});
