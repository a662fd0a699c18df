/** Opening the hub's database from configuration: connect, migrate. */
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { abortOrphanedRuns } from './ingest/runs.ts';

export async function openHubDatabase(config: Config): Promise<Database> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...poolOptions(config) });
  await migrate(database);
  // Runs left RUNNING by a process that is gone (killed mid-ingest) are marked ABORTED (src/ingest/runs.ts).
  await abortOrphanedRuns(database);
  return database;
}

function poolOptions(config: Config) {
  return { maxConnections: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs, connectTimeoutMs: config.dbConnectTimeoutMs };
}

/** The read-only standby (`DATABASE_READ_URL`), when configured: a second pool beside the primary's, never migrated. */
export async function openReadDatabase(config: Config): Promise<Database | null> {
  if (!config.databaseReadUrl) return null;
  return openDatabase({ databaseUrl: config.databaseReadUrl, dataDir: null, ...poolOptions(config) });
}
