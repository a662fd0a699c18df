/**
 * One code path over two databases: embedded PGlite (the default, in a data directory or in memory) and a
 * real PostgreSQL server through `pg` when DATABASE_URL is set. Everything above this module sees a
 * drizzle `PgDatabase` and a `Database` handle; nothing else knows which one it is.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Logger } from 'drizzle-orm/logger';
import { sql, type SQL } from 'drizzle-orm';
import * as schema from './schema.ts';
import { lockDataDir } from './data-dir.ts';

export type Schema = typeof schema;
export type Drizzle = PgDatabase<PgQueryResultHKT, Schema>;
/** A drizzle handle inside a transaction (same API). */
export type Tx = Parameters<Parameters<Drizzle['transaction']>[0]>[0];
/** Either: for statements that may run inside a caller's transaction or on their own. */
export type Db = Drizzle | Tx;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** The server URL (PostgreSQL only). */
  readonly url: string | null;
  /** The directory of embedded PGlite (null in memory and on PostgreSQL). */
  readonly dataDir: string | null;
  readonly db: Drizzle;
  /** Counts statements sent through drizzle (the N+1 tests read it), and those of them that write (reads that write: none). */
  readonly stats: Stats;
  close(): Promise<void>;
  /** Human-readable server version, e.g. "PostgreSQL 15.18" or "PGlite 0.5 (PostgreSQL 17.5)". */
  serverVersion(): Promise<string>;
  /** Connections of the pool (PostgreSQL only; PGlite has one connection and answers null). */
  poolStats?(): { total: number; idle: number; waiting: number; max: number } | null;
}

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface Stats {
  statements: number;
  /** Statements that insert, update or delete (in a WITH too); SELECT … FOR UPDATE is a read. */
  writes: number;
}

/** A statement that changes rows: INSERT INTO, UPDATE … SET, DELETE FROM, TRUNCATE, anywhere in its text. */
export const WRITE_STATEMENT = /\b(INSERT\s+INTO|DELETE\s+FROM|TRUNCATE)\b|\bUPDATE\s+[\w."]+\s+SET\b/i;

class CountingLogger implements Logger {
  /**
   * Whether a statement text writes, by text: prepared statements send the same text every time, and the
   * household query's is long enough that testing it each time was ~0.6% of the hub's CPU. Bounded.
   */
  private readonly writes = new Map<string, boolean>();
  constructor(private readonly stats: Stats) {}
  logQuery(query: string): void {
    this.stats.statements++;
    let w = this.writes.get(query);
    if (w === undefined) {
      if (this.writes.size >= 1000) this.writes.clear();
      this.writes.set(query, (w = WRITE_STATEMENT.test(query)));
    }
    if (w) this.stats.writes++;
  }
}

export interface OpenOptions {
  databaseUrl: string | null;
  /** Directory for PGlite; `:memory:` (or null) keeps it in memory. */
  dataDir: string | null;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /**
   * PostgreSQL: longest a statement may run. Sent as `statement_timeout` (the server cancels it) and, with a
   * second of margin, as the client's own wait, so a frozen server that cancels nothing is given up on too.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL: longest to wait for a connection (opening one, or a free one in the pool). */
  connectTimeoutMs?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const stats: Stats = { statements: 0, writes: 0 };
  const logger = new CountingLogger(stats);
  if (opts.databaseUrl) {
    const pg = (await import('pg')).default;
    // bigint (int8) and numeric come back as strings; keep them exact and convert at the boundary.
    const max = opts.maxConnections ?? 10;
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max,
      keepAlive: true,
      ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
      ...(opts.statementTimeoutMs
        ? {
            statement_timeout: opts.statementTimeoutMs,
            idle_in_transaction_session_timeout: Math.max(opts.statementTimeoutMs * 2, 60_000),
            query_timeout: opts.statementTimeoutMs + 1000,
          }
        : {}),
    });
    pool.on('error', () => {
      /* an idle client lost its connection; the pool replaces it */
    });
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const db = drizzle(pool, { schema, logger }) as unknown as Drizzle;
    return {
      kind: 'postgres',
      url: opts.databaseUrl,
      dataDir: null,
      db,
      stats,
      async close() {
        await pool.end();
      },
      async serverVersion() {
        const r = await pool.query('SHOW server_version');
        return `PostgreSQL ${String(r.rows[0]?.server_version).split(' ')[0]}`;
      },
      poolStats() {
        return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max };
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const inMemory = !opts.dataDir || opts.dataDir === ':memory:';
  if (!inMemory) fs.mkdirSync(opts.dataDir!, { recursive: true });
  // One process at a time in DATA_DIR (src/db/data-dir.ts): refused here, before PGlite touches a page.
  const lock = inMemory ? null : lockDataDir(opts.dataDir!);
  let client: InstanceType<typeof PGlite>;
  try {
    client = inMemory ? new PGlite() : new PGlite(opts.dataDir!);
    await client.waitReady;
  } catch (e) {
    lock?.release();
    throw e;
  }
  const { drizzle } = await import('drizzle-orm/pglite');
  const db = drizzle(client, { schema, logger }) as unknown as Drizzle;
  return {
    kind: 'pglite',
    url: null,
    dataDir: inMemory ? null : opts.dataDir!,
    db,
    stats,
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    async serverVersion() {
      const r = await client.query<{ v: string }>('SHOW server_version');
      return `PGlite (PostgreSQL ${String(r.rows[0]?.v ?? (r.rows[0] as Record<string, unknown>)?.server_version).split(' ')[0]})`;
    },
  };
}

/**
 * A unit of work: runs `work` in one transaction (committed when it resolves, rolled back when it throws).
 * Services open their transaction here and hand `tx` to the stores' functions, so that the domain logic
 * between two statements stays in the service and the SQL in the store.
 */
export function transaction<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.db.transaction(work);
}

/**
 * Runs a raw `sql` statement through drizzle (so it joins the caller's transaction) and returns its rows.
 * Both drivers answer with `{ rows }`. Cast int8, numeric and date columns to text in such statements:
 * the two drivers parse them differently, text is the same on both.
 */
export async function rows<T>(db: Drizzle | Tx, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

/**
 * One array parameter (drizzle would otherwise spread a JS array into a list of parameters). Use it with an
 * explicit array cast: `${A(ids)}::text[]`. bigint values travel as text.
 */
export function A(values: readonly unknown[]): SQL {
  return sql`${sql.param(values.map((v) => (typeof v === 'bigint' ? v.toString() : v)))}`;
}
