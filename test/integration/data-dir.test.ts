/**
 * The embedded database's directory and the hub's processes (issue 14): a second process is refused while
 * `serve` holds DATA_DIR (and told what to do), `relief-hub token` works beside it and the server verifies its
 * tokens, SIGINT drains in-flight requests and closes the database before exiting; and on both databases a
 * process killed with SIGKILL mid-ingest loses nothing acknowledged and leaves its file wholly applied or not
 * at all, its run marked ABORTED.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { testDbKind } from '../support/db.ts';
import { civilStatusFile, idNumber } from '../support/builders.ts';
import { openDatabase, rows, type Database } from '../../src/db/client.ts';
import { openHubDatabase } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { LOCK_FILE } from '../../src/db/data-dir.ts';

const run = promisify(execFile);
const BIN = path.resolve('bin/relief-hub.mjs');
let dir: string;
let baseEnv: Record<string, string>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-datadir-'));
  baseEnv = { ...(process.env as Record<string, string>), LOG_LEVEL: 'silent', NODE_ENV: 'production' };
  delete baseEnv.DATABASE_URL;
  delete baseEnv.AUTH_SECRET;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Waits for a line of a child's stream that matches. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = pattern.exec(seen);
      if (m) {
        stream.removeListener('data', onData);
        resolve(m);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`stream ended without ${pattern}: ${seen.slice(-2000)}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** The i-th of many distinct identity numbers (builders' idNumber repeats after a few thousand). */
function uniqueId(i: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 500) * 86_400_000).toISOString().slice(0, 10);
  return idNumber(i % 500, { birth });
}

const writeFile = (name: string, first: number, n: number) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, civilStatusFile(Array.from({ length: n }, (_, i) => ({ householder: uniqueId(first + i), member: uniqueId(first + i) }))));
  return file;
};

const countPersons = async (db: Database, first: number, n: number) => {
  const ids = Array.from({ length: n }, (_, i) => uniqueId(first + i));
  const r = await rows<{ n: string }>(db.db, sql`SELECT count(*)::text AS n FROM persons WHERE id_number = ANY(${`{${ids.join(',')}}`}::text[])`);
  return Number(r[0]!.n);
};

describe.skipIf(testDbKind !== 'pglite')('one process at a time in DATA_DIR (pglite)', () => {
  it('refuses a second process while serve runs, mints tokens the server verifies, and stops cleanly on SIGINT', async () => {
    const dataDir = path.join(dir, 'serve');
    const env = { ...baseEnv, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' };
    const server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = (await waitFor(server.stdout!, /serving GraphQL at (http:\/\/\S+\/graphql)/))[1]!;
      expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);

      // The README's way: a token from the command line while the server holds the database.
      const token = await cli(env, ['token', '--role', 'PLATFORM']);
      expect(token.code).toBe(0);
      const post = (query: string, variables: Record<string, unknown> = {}) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token.stdout.trim()}` },
          body: JSON.stringify({ query, variables }),
        });
      const allocated = await post('mutation { allocateFunds(fund: "FUND:TEMPORARY_ASSISTANCE", amount: "100.00", note: "budget 2026") { id } }');
      expect(allocated.status).toBe(200);
      expect(((await allocated.json()) as any).errors).toBeUndefined();

      // A second process is refused, and told what to do instead; the server's data is untouched.
      const small = writeFile('small.csv', 10, 3);
      const second = await cli(env, ['ingest', 'civil-affairs', small]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is in use by relief-hub process ${server.pid}`);
      expect(second.stderr).toMatch(/GraphQL `ingest` mutation/);

      // SIGINT while an ingest is in flight: it finishes, then the database is closed and the lock released.
      const big = fs.readFileSync(writeFile('through-api.csv', 1000, 4000));
      const inFlight = post('mutation($c: String!) { ingest(system: "civil-affairs", content: $c, encoding: BASE64, fileName: "api.csv") { records } }', {
        c: big.toString('base64'),
      });
      await new Promise((r) => setTimeout(r, 300));
      server.kill('SIGINT');
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as any).data.ingest.records).toBe(4000);
      expect(await exited(server)).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);

      const reopened = await openDatabase({ databaseUrl: null, dataDir });
      try {
        expect(await countPersons(reopened, 1000, 4000)).toBe(4000);
        const alloc = await rows<{ n: string }>(reopened.db, sql`SELECT count(*)::text AS n FROM ledger_transactions WHERE kind = 'ALLOCATION'`);
        expect(Number(alloc[0]!.n)).toBe(1);
      } finally {
        await reopened.close();
      }
    } finally {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGKILL');
        await exited(server);
      }
    }
  });
});

describe(`a process killed mid-ingest (${testDbKind})`, () => {
  it('loses nothing acknowledged; its file is wholly applied or not at all, its run ABORTED; the database opens again', async () => {
    const env: Record<string, string> = { ...baseEnv, LOG_LEVEL: 'debug' };
    let config: Config;
    if (testDbKind === 'postgres') {
      const admin = new pg.Client({ connectionString: inject('databaseUrl') });
      await admin.connect();
      await admin.query('DROP DATABASE IF EXISTS relief_kill');
      await admin.query('CREATE DATABASE relief_kill');
      await admin.end();
      const url = new URL(inject('databaseUrl'));
      url.pathname = '/relief_kill';
      env.DATABASE_URL = url.toString();
      config = loadConfig({ DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: 'silent' });
    } else {
      env.DATA_DIR = path.join(dir, 'killed');
      config = loadConfig({ DATA_DIR: env.DATA_DIR, LOG_LEVEL: 'silent' });
    }
    // Acknowledged first: a whole file (exit 0).
    const first = await cli(env, ['ingest', 'civil-affairs', writeFile('acknowledged.csv', 20_000, 300)]);
    expect(first.code).toBe(0);

    // Then a large file, killed once its ingest has begun.
    const n = 10_000;
    const victim = spawn(process.execPath, [BIN, 'ingest', 'civil-affairs', writeFile('killed.csv', 40_000, n)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await waitFor(victim.stderr!, /"msg":"ingesting"/);
    await new Promise((r) => setTimeout(r, 500));
    victim.kill('SIGKILL');
    expect((await exited(victim)).signal).toBe('SIGKILL');
    if (testDbKind === 'pglite') expect(JSON.parse(fs.readFileSync(path.join(env.DATA_DIR!, LOCK_FILE), 'utf8')).pid).toBe(victim.pid);

    if (testDbKind === 'postgres') {
      // Another instance may own a RUNNING run until its heartbeat is stale: let that time pass.
      const c = new pg.Client({ connectionString: env.DATABASE_URL });
      await c.connect();
      await c.query(`UPDATE ingest_runs SET heartbeat_at = now() - interval '10 minutes', started_at = now() - interval '10 minutes' WHERE status = 'RUNNING'`);
      await c.end();
    }
    // Start-up: the stale lock is taken over, the database recovers, the run is swept.
    const database = await openHubDatabase(config);
    try {
      expect(await countPersons(database, 20_000, 300)).toBe(300);
      const applied = await countPersons(database, 40_000, n);
      expect([0, n]).toContain(applied);
      const runs = await rows<{ file: string; status: string; records: number }>(database.db, sql`SELECT file, status, records FROM ingest_runs ORDER BY id`);
      expect(runs.map((r) => r.status)).toEqual(['FINISHED', applied === n ? 'FINISHED' : 'ABORTED']);
      // The database takes writes again.
      await database.db.execute(sql`INSERT INTO hub_settings (key, value) VALUES ('after-kill', 'ok')`);
    } finally {
      await database.close();
    }
  });
});
