/** Opening the hub's database from configuration: connect, migrate. */
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { abortOrphanedRuns } from './ingest/runs.ts';

export async function openHubDatabase(config: Config): Promise<Database> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(database);
  // Runs left RUNNING by a process that is gone (killed mid-ingest) are marked ABORTED (src/ingest/runs.ts).
  await abortOrphanedRuns(database);
  return database;
}
