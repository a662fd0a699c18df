/** Applies the committed drizzle-kit migrations; the same SQL on PGlite and PostgreSQL. */
import type { Database } from './client.ts';
import { migrationsFolder } from './client.ts';

const MIGRATION_LOCK = 727274;

export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    // Several hub instances may start at once against one server: serialise them on an advisory lock,
    // held on one dedicated connection for the whole run.
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: database.url! });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
      await run(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await client.end();
    }
    return;
  }
  const { migrate: run } = await import('drizzle-orm/pglite/migrator');
  await run(database.db as never, { migrationsFolder });
}
