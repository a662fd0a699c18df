/** Opening the hub's database from configuration: connect, migrate (on PostgreSQL as the owner role). */
import type { Config } from './config.ts';
import { openDatabase, transaction, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { abortOrphanedRuns } from './ingest/runs.ts';
import { ensureAccounts } from './ledger/store.ts';
import { seedPolicies } from './policy/rules.ts';

/**
 * What must exist before the hub answers a read: the ledger's accounts (one fund per program of the registry,
 * and the four others) and the shipped policies. Idempotent; reads never write them (issue 13).
 */
export async function seedReferenceData(database: Database): Promise<void> {
  await transaction(database, async (tx) => {
    await ensureAccounts(tx);
    await seedPolicies(tx);
  });
}

/**
 * What the database is opened for: serving requests (the statement limit of a request) or a command line batch
 * (`load`, `ingest`, `pull`, `rederive`, `demo`: DB_BATCH_STATEMENT_TIMEOUT_MS, since one statement derives a slice
 * of 50,000 persons).
 */
export type DatabaseUse = 'serve' | 'batch';

export async function openHubDatabase(config: Config, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`), use: DatabaseUse = 'serve'): Promise<Database> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...poolOptions(config, use) });
  if (config.databaseUrl && !config.databaseOwnerUrl) {
    warn('warning: DATABASE_OWNER_URL is not set: the hub serves as the role that owns its tables, so nothing stops it from changing its own access log; set DATABASE_OWNER_URL to the owner and DATABASE_URL to a serving role');
  }
  await migrate(database, { ownerUrl: config.databaseOwnerUrl });
  // Runs left RUNNING by a process that is gone (killed mid-ingest) are marked ABORTED (src/ingest/runs.ts).
  await abortOrphanedRuns(database);
  await seedReferenceData(database);
  return database;
}

/** The pool's settings from configuration, for serving or for a command line batch. */
export function poolOptions(config: Config, use: DatabaseUse = 'serve') {
  return {
    maxConnections: config.dbPoolSize,
    statementTimeoutMs: use === 'batch' ? config.dbBatchStatementTimeoutMs : config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  };
}

/** The read-only standby (`DATABASE_READ_URL`), when configured: a second pool beside the primary's, never migrated. */
export async function openReadDatabase(config: Config): Promise<Database | null> {
  if (!config.databaseReadUrl) return null;
  return openDatabase({ databaseUrl: config.databaseReadUrl, dataDir: null, ...poolOptions(config) });
}
