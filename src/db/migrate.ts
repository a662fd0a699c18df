/** Applies the committed drizzle-kit migrations; the same SQL on PGlite and PostgreSQL. */
import type pg from 'pg';
import type { Database } from './client.ts';
import { migrationsFolder } from './client.ts';

const MIGRATION_LOCK = 727274;

/** Tables whose rows are never changed (their triggers refuse it too): the serving role may add rows, no more. */
export const APPEND_ONLY_TABLES = ['access_log', 'ledger_transactions', 'ledger_postings', 'review_decisions', 'review_lapses', 'published_reports'] as const;

/**
 * Tables that triggers keep from other tables' rows (migration 0021): whoever copies the tables they are kept
 * from gets them anew, and must not copy them too.
 */
export const TRIGGER_KEPT_TABLES = ['transit_daily'] as const;

/**
 * Tables that triggers write into as a side effect of writing others (migration 0023: every aid record inserted
 * is marked for the ledger): whoever copies the others gets marks the source does not have, and must replace them
 * with the source's.
 */
export const TRIGGER_MARKED_TABLES = ['ledger_pending'] as const;

/** The user a PostgreSQL URL connects as. */
export function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username) || process.env.PGUSER || 'postgres';
}

/**
 * What the serving role may do, granted again after every migration run (so new tables are covered): read
 * and write the canonical tables, only add to the append-only ones; it owns nothing, so it can neither
 * alter a table nor disable a trigger. Run as the owner.
 */
async function grantServing(client: pg.Client, role: string): Promise<void> {
  const r = (await client.query('SELECT quote_ident($1) AS q, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS known', [role])).rows[0] as { q: string; known: boolean };
  if (!r.known) throw new Error(`the serving role ${role} (DATABASE_URL's user) does not exist on the server`);
  const append = APPEND_ONLY_TABLES.join(', ');
  // label: migrate.grant-serving
  await client.query(`
    GRANT USAGE ON SCHEMA public TO ${r.q};
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r.q};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r.q};
    REVOKE UPDATE, DELETE ON ${append} FROM ${r.q};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r.q};
    GRANT USAGE ON SCHEMA drizzle TO ${r.q};
    GRANT SELECT ON drizzle.__drizzle_migrations TO ${r.q};`);
  // (The last two: /readyz compares the applied migrations with this build's, read-only.)
  // A large load analyses the tables it writes (src/ingest/pipeline.ts Statistics); before PostgreSQL 17 only
  // the owner may, and the serving role's ANALYZE is skipped with a warning (run bulk loads as the owner).
  const version = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
  if (version >= 170000) {
    const tables = (await client.query(`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL($1)`, [APPEND_ONLY_TABLES])).rows as { t: string }[];
    if (tables.length > 0) await client.query(`GRANT MAINTAIN ON ${tables.map((t) => t.t).join(', ')} TO ${r.q}`);
  }
}

export async function migrate(database: Database, opts: { ownerUrl?: string | null } = {}): Promise<void> {
  if (database.kind === 'postgres') {
    // Several hub instances may start at once against one server: serialise them on an advisory lock,
    // held on one dedicated connection for the whole run. Migrations run as the owner (DATABASE_OWNER_URL).
    const pg = (await import('pg')).default;
    const ownerUrl = opts.ownerUrl ?? database.url!;
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
      await run(drizzle(client), { migrationsFolder });
      const serving = userOf(database.url!);
      if (serving !== userOf(ownerUrl)) await grantServing(client, serving);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await client.end();
    }
    return;
  }
  const { migrate: run } = await import('drizzle-orm/pglite/migrator');
  await run(database.db as never, { migrationsFolder });
}
