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
import { seedReferenceData } from '../../src/app.ts';
import { asRole, OWNER_ROLE, SERVING_ROLE } from '../../dev/pg-cluster.ts';

let shared: Promise<Database> | null = null;

/** On PostgreSQL: the worker's database as the cluster's superuser (the reset) and as the owner role. */
const privileged = new WeakMap<Database, { admin: Database; ownerUrl: string }>();

export const testDbKind: 'pglite' | 'postgres' = process.env.RELIEF_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

async function open(): Promise<Database> {
  if (testDbKind === 'pglite') {
    const d = await openDatabase({ databaseUrl: null, dataDir: null });
    await migrate(d);
    await seedReferenceData(d);
    return d;
  }
  const base = inject('databaseUrl');
  const name = `relief_test_${process.env.VITEST_POOL_ID ?? '0'}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  // The suite runs as the serving role, which owns no table; migrations run as the owner (as the hub does).
  const ownerUrl = asRole(url.toString(), OWNER_ROLE);
  const d = await openDatabase({ databaseUrl: asRole(url.toString(), SERVING_ROLE), dataDir: null });
  await migrate(d, { ownerUrl });
  await seedReferenceData(d);
  privileged.set(d, { admin: await openDatabase({ databaseUrl: url.toString(), dataDir: null, maxConnections: 2 }), ownerUrl });
  return d;
}

/** The owner's URL of the worker's PostgreSQL database (null on PGlite: one user). */
export function ownerUrlOf(database: Database): string | null {
  return privileged.get(database)?.ownerUrl ?? null;
}

/** The worker's database as the cluster's superuser on PostgreSQL (for what a test does behind the hub's back); itself on PGlite. */
export function adminOf(database: Database): Database {
  return privileged.get(database)?.admin ?? database;
}

/** The worker's database, migrated. */
export function testDatabase(): Promise<Database> {
  shared ??= open();
  return shared;
}

/**
 * Empties every table of the canonical model (append-only triggers are bypassed for the reset only), then
 * seeds what the hub's start-up seeds (accounts, shipped policies), as a freshly started hub has them.
 */
export async function resetDatabase(served: Database): Promise<void> {
  // The serving role may not truncate nor bypass triggers: the reset runs as the superuser on PostgreSQL.
  const database = privileged.get(served)?.admin ?? served;
  const tables = await rows<{ t: string }>(
    database.db,
    sql`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public'`,
  );
  const list = tables.map((t) => t.t).join(', ');
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`);
    await tx.execute(sql.raw(`TRUNCATE ${list} RESTART IDENTITY CASCADE`));
  });
  await seedReferenceData(served);
  served.stats.statements = 0;
  served.stats.writes = 0;
}
