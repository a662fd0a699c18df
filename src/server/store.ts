/**
 * The HTTP server's SQL: the shared per-minute request counters (rate limits), readiness, the queue sizes that
 * /metrics reads when scraped, and the WAL positions that read routing compares (src/server/read-routing.ts).
 */
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rows, type Db } from '../db/client.ts';

const dialect = new PgDialect();

/** The counter upsert, prepared once per database handle (by name: each connection parses it once). */
const addStatements = new WeakMap<Db, { execute(values: { subjects: string[]; n: number[] }): Promise<unknown> }>();

/**
 * Adds `n[i]` requests to subject `subjects[i]` in the current minute (one counter per subject and minute, in
 * the database so that all instances share it); returns each subject's count after the addition, and the
 * milliseconds left in that minute (by the database's clock, from the start of the statement's transaction).
 */
export async function addRequests(db: Db, subjects: readonly string[], n: readonly number[]): Promise<Array<{ subject: string; count: number; msLeft: number }>> {
  let s = addStatements.get(db);
  if (!s) {
    const query = sql`/* http.rate-limit */ INSERT INTO rate_limits (subject, minute, count)
        SELECT t.subject, date_trunc('minute', now()), t.n FROM unnest(${sql.placeholder('subjects')}::text[], ${sql.placeholder('n')}::int[]) AS t(subject, n)
        ON CONFLICT (subject, minute) DO UPDATE SET count = rate_limits.count + EXCLUDED.count
        RETURNING subject, count, floor(extract(epoch FROM minute + interval '1 minute' - now()) * 1000)::int AS "msLeft"`;
    const prepared = db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, 'http_rate_limit', false);
    addStatements.set(db, (s = { execute: (values) => prepared.execute(values) }));
  }
  const r = (await s.execute({ subjects: [...subjects], n: [...n] })) as { rows: Array<{ subject: string; count: number; msLeft: number }> };
  return r.rows;
}

/** Forgets the counters of minutes more than an hour old. */
export async function pruneRequestCounts(db: Db): Promise<void> {
  await db.execute(sql`/* http.rate-limit-prune */ DELETE FROM rate_limits WHERE minute < now() - interval '1 hour'`);
}

/** When the newest migration the database has applied was created (drizzle's own table; milliseconds as text), or null. */
export async function lastMigrationApplied(db: Db): Promise<string | null> {
  const r = await rows<{ last: string | null }>(db, sql`/* http.readyz */ SELECT max(created_at)::text AS last FROM drizzle.__drizzle_migrations`);
  return r[0]?.last ?? null;
}

/** Throws when the database does not answer. */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`/* http.readyz-ping */ SELECT 1`);
}

/** Unresolved quarantined records per source system. */
export async function openQuarantineBySystem(db: Db): Promise<Array<{ system: string; n: string }>> {
  return rows<{ system: string; n: string }>(db, sql`/* metrics.quarantine-open */ SELECT system, count(*)::text AS n FROM quarantine WHERE resolved_at IS NULL GROUP BY system`);
}

/** Open (not closed) early warnings per kind. */
export async function openWarningsByKind(db: Db): Promise<Array<{ kind: string; n: string }>> {
  return rows<{ kind: string; n: string }>(db, sql`/* metrics.warnings-open */ SELECT kind, count(*)::text AS n FROM warnings WHERE closed_at IS NULL GROUP BY kind`);
}

/** Whether this standby has replayed the WAL up to `lsn` (null when it is not replaying: not a standby). */
export async function replayedUpTo(db: Db, lsn: string): Promise<boolean | null> {
  const r = await rows<{ replayed: boolean | null }>(db, sql`/* read-routing.replayed */ SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS replayed`);
  return r[0]?.replayed ?? null;
}

/** The primary's WAL insert position. */
export async function walInsertPosition(db: Db): Promise<string> {
  const r = await rows<{ lsn: string }>(db, sql`/* read-routing.wal-position */ SELECT pg_current_wal_insert_lsn()::text AS lsn`);
  return r[0]!.lsn;
}
