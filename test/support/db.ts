/**
 * The database of integration tests: one per test worker, shared by the files the worker runs (opening
 * PGlite costs seconds and hundreds of MB), reset between tests. The `pglite` project runs the suite on
 * in-memory PGlite; the `postgres` project on a throwaway cluster (a database per worker).
 */
import { inject } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, rows, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

let shared: Promise<Database> | null = null;

export const testDbKind: 'pglite' | 'postgres' = process.env.RELIEF_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

async function open(): Promise<Database> {
  if (testDbKind === 'pglite') {
    const d = await openDatabase({ databaseUrl: null, dataDir: null });
    await migrate(d);
    return d;
  }
  const base = inject('databaseUrl');
  const name = `relief_test_${process.env.VITEST_POOL_ID ?? '0'}`;
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
  const d = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
  await migrate(d);
  return d;
}

/** The worker's database, migrated. */
export function testDatabase(): Promise<Database> {
  shared ??= open();
  return shared;
}

/** Empties every table of the canonical model (append-only triggers are bypassed for the reset only). */
export async function resetDatabase(database: Database): Promise<void> {
  const tables = await rows<{ t: string }>(
    database.db,
    sql`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public'`,
  );
  const list = tables.map((t) => t.t).join(', ');
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`);
    await tx.execute(sql.raw(`TRUNCATE ${list} RESTART IDENTITY CASCADE`));
  });
  database.stats.statements = 0;
}
