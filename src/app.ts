/** Opening the hub's database from configuration: connect, migrate (on PostgreSQL as the owner role). */
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';

export async function openHubDatabase(config: Config, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<Database> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (config.databaseUrl && !config.databaseOwnerUrl) {
    warn('warning: DATABASE_OWNER_URL is not set: the hub serves as the role that owns its tables, so nothing stops it from changing its own access log; set DATABASE_OWNER_URL to the owner and DATABASE_URL to a serving role');
  }
  await migrate(database, { ownerUrl: config.databaseOwnerUrl });
  return database;
}
