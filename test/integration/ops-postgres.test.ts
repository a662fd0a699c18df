/**
 * Operations on real PostgreSQL (issue 18): two hub processes on one database, a streaming-replication hot
 * standby taking the read-only work, a frozen server answered with 503 in bounded time, and an embedded
 * database exported into PostgreSQL. These start servers and processes of their own, so they run in the
 * `postgres` project only (CI installs the server binaries); on PGlite they are skipped with the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, rows, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { loadConfig } from '../../src/config.ts';
import { Keys } from '../../src/access/auth.ts';
import { exportToPostgres, ExportRefused } from '../../src/db/export.ts';
import { testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { findPgBinDir, startCluster, startStandby, type Cluster } from '../../dev/pg-cluster.ts';
import { metricValue } from '../support/metrics.ts';
import { ATTEMPTS, P, runDay, snapshot } from '../support/ops-scenario.ts';

const bin = findPgBinDir();
const enabled = testDbKind === 'postgres' && bin !== null;
if (!enabled) {
  process.stderr.write(
    `[ops-postgres] skipped: ${testDbKind !== 'postgres' ? 'these tests start PostgreSQL servers and hub processes of their own; they run in the postgres project' : 'PostgreSQL server binaries not found'}\n`,
  );
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A fresh database on the project's cluster (or on `base`). */
async function freshDatabase(name: string, base: string = inject('databaseUrl')): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function until(what: string, check: () => Promise<boolean>, tries = 240, everyMs = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** `relief-hub serve` as its own process; resolves with its GraphQL URL once it listens. */
function serveProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/relief-hub.mjs'), 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /serving GraphQL at (http:\/\/\S+\/graphql)/.exec(out);
      if (m) resolve({ url: m[1]!, child, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`relief-hub serve exited with ${code}: ${err}`)));
  });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe.skipIf(!enabled)('several hub processes on one PostgreSQL', () => {
  let url: string;
  let database: Database;
  const procs: Array<{ url: string; child: ChildProcess; stderr: () => string }> = [];
  let keys: Keys;
  let reference: unknown;

  beforeAll(async () => {
    url = await freshDatabase('ops_multi');
    // Both start at once against an empty database: migrations serialise, the generated token key is one.
    procs.push(...(await Promise.all([serveProcess({ DATABASE_URL: url, RATE_LIMIT_PER_MINUTE: '60' }), serveProcess({ DATABASE_URL: url, RATE_LIMIT_PER_MINUTE: '60' })])));
    database = await openDatabase({ databaseUrl: url, dataDir: null, maxConnections: 2 });
    keys = await Keys.load(loadConfig({ DATABASE_URL: url }), database);

    // The same day on one instance, for comparison.
    const refUrl = await freshDatabase('ops_single');
    const refDb = await openDatabase({ databaseUrl: refUrl, dataDir: null });
    await migrate(refDb);
    const one = await startTestHub(refDb);
    try {
      const day = await runDay(one.url, one.url);
      expect(day.recorded).toBe(5);
      reference = await snapshot(one.url);
    } finally {
      await one.close();
      await refDb.close();
    }
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGTERM');
    await database?.close();
  });

  it('gives the answers of one instance, with no effect lost or doubled', async () => {
    const [a, b] = procs as [(typeof procs)[0], (typeof procs)[0]];
    const auth = bearer(await keys.mint({ role: 'PLATFORM', sub: 'ops-day' }));
    const day = await runDay(a.url, b.url, auth);
    // The fund allows five of the eight attempts, whichever instance took them.
    expect(day.recorded).toBe(5);
    expect(day.refused).toEqual(Array(ATTEMPTS - 5).fill('INSUFFICIENT_FUNDS'));
    const fromA = await snapshot(a.url, auth);
    expect(await snapshot(b.url, auth)).toEqual(fromA);
    expect(fromA).toEqual(reference);
    const counts = await rows<{ runs: number; api: number; decisions: number; unbalanced: number }>(
      database.db,
      sql`SELECT (SELECT count(*)::int FROM ingest_runs) AS runs, (SELECT count(*)::int FROM aid_records WHERE origin = 'API') AS api,
                 (SELECT count(*)::int FROM review_decisions) AS decisions,
                 (SELECT count(*)::int FROM (SELECT tx_id FROM ledger_postings GROUP BY tx_id HAVING sum(amount_fen) <> 0) x) AS unbalanced`,
    );
    expect(counts).toEqual([{ runs: 4, api: 5, decisions: 1, unbalanced: 0 }]);
  });

  it('shares the token key and the rate limit', async () => {
    const [a, b] = procs as [(typeof procs)[0], (typeof procs)[0]];
    // The key was generated by one instance and kept in the database: a token from it works on both.
    const auth = bearer(await keys.mint({ role: 'PLATFORM', sub: 'rate-limited' }));
    // The count is per calendar minute: start early in one so all 61 requests fall into it.
    const second = new Date().getUTCSeconds();
    if (second > 40) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await gql(i % 2 === 0 ? a.url : b.url, '{ __typename }', {}, auth)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const over = await gql(b.url, '{ __typename }', {}, auth);
    expect(over.status).toBe(429);
    expect(over.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await gql(a.url, '{ __typename }', {}, auth)).status).toBe(429);
  });
});

describe.skipIf(!enabled)('a hot standby for the read-only work', () => {
  let primary: Cluster;
  let standby: Cluster;
  let primaryDb: Database;
  let readDb: Database;
  let hub: TestHub;
  let standbyAdmin: pg.Client;

  const caughtUp = async () => {
    // The insert position: the test cluster runs with synchronous_commit off, so the write position
    // (pg_current_wal_lsn) can lie before a commit that has already returned.
    const [p] = await rows<{ lsn: string }>(primaryDb.db, sql`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
    await until('the standby to replay the primary', async () => {
      const r = await standbyAdmin.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [p!.lsn]);
      return r.rows[0]!.ok;
    });
  };

  beforeAll(async () => {
    primary = await startCluster(bin!);
    const url = await freshDatabase('ops_rw', primary.url);
    primaryDb = await openDatabase({ databaseUrl: url, dataDir: null, maxConnections: 4 });
    await migrate(primaryDb);
    standby = await startStandby(bin!, primary);
    standbyAdmin = new pg.Client({ connectionString: standby.url });
    await standbyAdmin.connect();
    const readUrl = new URL(standby.url);
    readUrl.pathname = '/ops_rw';
    readDb = await openDatabase({ databaseUrl: readUrl.toString(), dataDir: null, maxConnections: 4 });
    hub = await startTestHub(primaryDb, {}, { readDatabase: readDb });
  }, 300_000);

  afterAll(async () => {
    await hub?.close();
    await readDb?.close();
    await primaryDb?.close();
    await standbyAdmin?.end();
    standby?.stop();
    primary?.stop();
  });

  it('is a standby made by pg_basebackup -R, streaming from the primary', async () => {
    expect((await standbyAdmin.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
    const senders = await rows<{ n: number }>(primaryDb.db, sql`SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
    expect(senders[0]!.n).toBe(1);
  });

  it('sends reads to the standby and writes to the primary; the writer reads its own write while the standby lags', async () => {
    const writer = bearer(await hub.token({ role: 'PLATFORM', sub: 'writer' }));
    const reader = bearer(await hub.token({ role: 'PLATFORM', sub: 'reader' }));
    await runDay(hub.url, hub.url, writer);
    await caughtUp();
    const served = async () => {
      const text = await (await fetch(hub.url.replace('/graphql', '/metrics'))).text();
      return { read: metricValue(text, 'relief_hub_db_operations_total', { pool: 'read' }) ?? 0, primary: metricValue(text, 'relief_hub_db_operations_total', { pool: 'primary' }) ?? 0 };
    };
    const aidCount = async (who: Record<string, string>) => {
      const r = await gql<{ person: { aid: { totalCount: number } } }>(hub.url, `query($id: String!) { person(idNumber: $id) { aid(first: 1) { totalCount } } }`, { id: P }, { 'x-purpose': 'test', ...who });
      expect(r.body.errors).toBeUndefined();
      return r.body.data!.person.aid.totalCount;
    };
    const where = async (run: () => Promise<unknown>) => {
      const before = await served();
      await run();
      const after = await served();
      return { read: after.read - before.read, primary: after.primary - before.primary };
    };

    // The writer's last write is replayed: everyone's person views, reports and eligibility go to the standby.
    const counted = await aidCount(writer);
    expect(await where(() => aidCount(reader))).toEqual({ read: 1, primary: 0 });
    expect(await where(() => gql(hub.url, '{ quarterlyReport(year: 2026, quarter: 1) { totals { amount } } }', {}, reader))).toEqual({ read: 1, primary: 0 });
    // What a caseworker acts on next, and every write, stays on the primary.
    expect(await where(() => gql(hub.url, '{ reviewQueue { totalCount } }', {}, reader))).toEqual({ read: 0, primary: 1 });
    expect(await where(() => gql(hub.url, '{ aidCapacity(settlementId: "S-1") { remaining } }', {}, reader))).toEqual({ read: 0, primary: 1 });
    expect(await where(() => gql(hub.url, '{ person(idNumber: "x") { id } funds { code } }', {}, reader))).toEqual({ read: 0, primary: 1 });

    // The standby stops replaying (lag): the writer writes, and reads its write from the primary...
    await standbyAdmin.query('SELECT pg_wal_replay_pause()');
    await until('replay to pause', async () => (await standbyAdmin.query(`SELECT pg_get_wal_replay_pause_state() AS s`)).rows[0].s === 'paused');
    const alloc = await gql(hub.url, 'mutation { allocateFunds(fund: "FUND:DISABLED_REHAB", amount: "500.00", note: "top-up") { id } }', {}, writer);
    expect(alloc.body.errors).toBeUndefined();
    const write = await where(() =>
      gql(hub.url, 'mutation($i: RecordAidInput!) { recordAid(input: $i) { __typename } }', { i: { idNumber: P, program: 'DISABLED_REHAB', amount: '500.00', paidOn: '2026-03-20', hospitalCode: 'H46010200001' } }, writer),
    );
    expect(write).toEqual({ read: 0, primary: 1 });
    let own = 0;
    expect(await where(async () => (own = await aidCount(writer)))).toEqual({ read: 0, primary: 1 });
    expect(own).toBe(counted + 1);
    // ...while another caller, served by the lagging standby, still sees the state before it.
    let others = 0;
    expect(await where(async () => (others = await aidCount(reader)))).toEqual({ read: 1, primary: 0 });
    expect(others).toBe(counted);

    // Replay resumes: everyone sees the write, and the writer's reads move back to the standby.
    await standbyAdmin.query('SELECT pg_wal_replay_resume()');
    await caughtUp();
    expect(await aidCount(reader)).toBe(counted + 1);
    expect(await where(async () => (own = await aidCount(writer)))).toEqual({ read: 1, primary: 0 });
    expect(own).toBe(counted + 1);
  });

  it('answers 503 DATABASE_UNAVAILABLE within the timeouts when the primary freezes, stays alive, and recovers', async () => {
    const url = primaryDb.url!;
    const env = { DB_STATEMENT_TIMEOUT_MS: '1000', DB_CONNECT_TIMEOUT_MS: '1000' };
    const cfg = loadConfig({ DATABASE_URL: url, ...env });
    const bounded = await openDatabase({ databaseUrl: url, dataDir: null, maxConnections: 4, statementTimeoutMs: cfg.dbStatementTimeoutMs, connectTimeoutMs: cfg.dbConnectTimeoutMs });
    const frozenHub = await startTestHub(bounded, env);
    const base = frozenHub.url.replace('/graphql', '');
    const q = () => gql(frozenHub.url, '{ funds { code balance } }');
    try {
      expect((await q()).status).toBe(200);
      primary.freeze!();
      try {
        // The statement timeout is 1 s (the client gives up after 2 s): a hub that answers at all within 20 s is bounded.
        const r = await fetch(frozenHub.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await frozenHub.token({ role: 'PLATFORM', sub: 'frozen' })}` },
          body: JSON.stringify({ query: '{ funds { code balance } }' }),
          signal: AbortSignal.timeout(20_000),
        });
        expect(r.status).toBe(503);
        expect(((await r.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('DATABASE_UNAVAILABLE');
        const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(20_000) });
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'database-unavailable' });
        expect((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(20_000) })).status).toBe(200);
      } finally {
        primary.thaw!();
      }
      await until('the hub to be ready again', async () => (await fetch(`${base}/readyz`)).status === 200);
      expect((await q()).status).toBe(200);
    } finally {
      await frozenHub.close();
      await bounded.close();
    }
  });
});

describe.skipIf(!enabled)('export-to-postgres', () => {
  let source: Database;
  let hub: TestHub;
  let before: unknown;

  beforeAll(async () => {
    source = await openDatabase({ databaseUrl: null, dataDir: null });
    await migrate(source);
    hub = await startTestHub(source);
    await runDay(hub.url, hub.url);
    before = await snapshot(hub.url);
  }, 300_000);

  afterAll(async () => {
    await hub?.close();
    await source?.close();
  });

  it('moves every table and its history into an empty PostgreSQL database, checked on both sides, and refuses a non-empty one', async () => {
    const url = await freshDatabase('ops_export');
    const result = await exportToPostgres(source, url, { batchSize: 7 });
    expect(result.ok).toBe(true);
    const byTable = new Map(result.tables.map((t) => [t.table, t]));
    for (const t of ['persons', 'aid_records', 'aid_record_versions', 'ledger_transactions', 'ledger_postings', 'review_decisions', 'access_log', 'source_records', 'settlements', 'hub_settings']) {
      expect(byTable.get(t), t).toBeDefined();
    }
    for (const t of ['persons', 'aid_records', 'ledger_postings', 'review_decisions', 'access_log', 'source_records']) expect(byTable.get(t)!.rows.source, t).toBeGreaterThan(0);
    for (const t of result.tables) expect(t.rows.target, t.table).toBe(t.rows.source);
    expect(byTable.get('aid_records')!.sums.amount_fen!.target).toBe(byTable.get('aid_records')!.sums.amount_fen!.source);
    expect(Number(byTable.get('aid_records')!.sums.amount_fen!.source)).toBeGreaterThan(0);
    // Kept by the target's triggers from the aid copied, not copied itself: the same sums on both sides.
    expect(byTable.get('transit_daily')!.rows.source).toBeGreaterThan(0);
    expect(byTable.get('transit_daily')!.sums.amount_fen!.target).toBe(byTable.get('transit_daily')!.sums.amount_fen!.source);
    // The target's triggers marked every aid record copied for the ledger; the source's marks (none: its ledger
    // books everything) replace them, so the copy's ledger is not read back for the whole province.
    expect(byTable.get('ledger_pending')!.rows).toEqual({ source: 0, target: 0 });

    const target = await openDatabase({ databaseUrl: url, dataDir: null, maxConnections: 4 });
    const moved = await startTestHub(target);
    try {
      // The same answers from the copy (the snapshot's own reads were logged on the source after it was taken).
      expect(await snapshot(moved.url)).toEqual(before);
      const parts = await rows<{ t: string }>(target.db, sql`SELECT DISTINCT tableoid::regclass::text AS t FROM access_log`);
      expect(parts.every((p) => /^access_log_(y\d{4}|default)$/.test(p.t))).toBe(true);
      // Ids continue where the source stopped: new ledger transactions and aid do not collide.
      const alloc = await gql(moved.url, 'mutation { allocateFunds(fund: "FUND:DISABLED_REHAB", amount: "100.00", note: "after the move") { id } }');
      expect(alloc.body.errors).toBeUndefined();
      const aid = await gql<{ recordAid: { __typename: string } }>(moved.url, 'mutation($i: RecordAidInput!) { recordAid(input: $i) { __typename } }', {
        i: { idNumber: P, program: 'DISABLED_REHAB', amount: '100.00', paidOn: '2026-03-21', hospitalCode: 'H46010200001' },
      });
      expect(aid.body.data?.recordAid.__typename).toBe('AidRecorded');
      // The access log stays append-only on the copy.
      await expect(target.db.execute(sql`DELETE FROM access_log`)).rejects.toThrow();
    } finally {
      await moved.close();
      await target.close();
    }
    await expect(exportToPostgres(source, url)).rejects.toBeInstanceOf(ExportRefused);
  });
});
