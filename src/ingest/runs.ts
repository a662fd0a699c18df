/**
 * The record of every ingest run (`ingest_runs`) and what becomes of runs whose process is gone.
 *
 * A run is written RUNNING before its transaction opens and FINISHED after it (applied, or rejected whole).
 * A process killed in between (kill -9, a power cut) leaves nothing applied — the transaction dies with it —
 * but its run would stay RUNNING forever. Each run carries its owner (host, pid and a random part, so a
 * recycled pid is another owner) and, on PostgreSQL, a heartbeat its process refreshes while it runs. A sweep
 * — at start-up and whenever a run starts — marks ABORTED:
 * - on PostgreSQL, where several instances share the table, runs of other owners whose heartbeat is older
 *   than STALE_AFTER_S (an instance alive beats every HEARTBEAT_MS; "not my pid" would abort theirs);
 * - on embedded PGlite, runs of any other owner: DATA_DIR is locked to one process (src/db/data-dir.ts), so
 *   another owner's run cannot be alive.
 * A run whose ingest failed (an I/O fault, not a refused file) is ABORTED by its own process.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type Database, type Db } from '../db/client.ts';

/** This process as the owner of its runs. */
export const RUN_OWNER = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_S = 60;

export type RunStatus = 'RUNNING' | 'FINISHED' | 'ABORTED';

export async function startRun(database: Database, system: string, file: string): Promise<number> {
  await abortOrphanedRuns(database);
  const run = await rows<{ id: string }>(
    database.db,
    sql`/* runs.start */ INSERT INTO ingest_runs (system, file, owner, heartbeat_at) VALUES (${system}, ${file}, ${RUN_OWNER}, now()) RETURNING id::text AS id`,
  );
  return Number(run[0]!.id);
}

export interface RunOutcome {
  runId: number;
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  rejected: boolean;
  reason: string | null;
  message: string | null;
}

export async function finishRun(database: Database, s: RunOutcome): Promise<void> {
  await database.db.execute(sql`/* runs.finish */
    UPDATE ingest_runs SET status = 'FINISHED', finished_at = now(), records = ${s.records}, new_count = ${s.new}, updated_count = ${s.updated},
      unchanged_count = ${s.unchanged}, quarantined_count = ${s.quarantined}, rejected = ${s.rejected},
      reason = ${s.reason}, message = ${s.message}
    WHERE id = ${s.runId}`);
}

/** Marks runs of this process ABORTED after their ingest failed (nothing of them was applied). */
export async function abortRuns(database: Database, runIds: number[], error: unknown): Promise<void> {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await database.db
    .execute(
      sql`/* runs.abort-failed */ UPDATE ingest_runs SET status = 'ABORTED', finished_at = now(), reason = 'ABORTED',
            message = ${`the ingest failed and applied nothing (${why.slice(0, 300)})`}
          WHERE id = ANY(${`{${runIds.join(',')}}`}::bigint[]) AND status = 'RUNNING'`,
    )
    .catch(() => undefined); // the database itself may be what failed: the next sweep marks them
}

/** Refreshes the heartbeat of running runs until stopped (PostgreSQL only; see the module comment). */
export function heartbeat(database: Database, runIds: number[]): () => void {
  if (database.kind !== 'postgres' || runIds.length === 0) return () => undefined;
  const timer = setInterval(() => {
    database.db
      .execute(sql`/* runs.heartbeat */ UPDATE ingest_runs SET heartbeat_at = now() WHERE id = ANY(${`{${runIds.join(',')}}`}::bigint[]) AND status = 'RUNNING'`)
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Marks ABORTED the runs whose process is gone; returns their ids. */
export async function abortOrphanedRuns(database: Database, db: Db = database.db): Promise<number[]> {
  const gone =
    database.kind === 'postgres'
      ? sql`owner IS DISTINCT FROM ${RUN_OWNER} AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => ${STALE_AFTER_S})`
      : sql`owner IS DISTINCT FROM ${RUN_OWNER}`;
  const aborted = await rows<{ id: string }>(
    db,
    sql`/* runs.abort-orphaned */ UPDATE ingest_runs SET status = 'ABORTED', finished_at = now(), reason = 'ABORTED',
          message = 'the process running this ingest stopped before it finished (' || coalesce(owner, 'unknown') || '); nothing of it was applied'
        WHERE status = 'RUNNING' AND ${gone} RETURNING id::text AS id`,
  );
  return aborted.map((r) => Number(r.id));
}

export interface RunRow {
  id: number;
  system: string;
  file: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  records: number;
  quarantined: number;
  rejected: boolean;
  reason: string | null;
  message: string | null;
  owner: string | null;
}

/** Runs newest first, optionally of one status; `afterId` pages on. */
export async function listRuns(db: Db, opts: { status?: RunStatus | null; afterId?: number | null; limit: number }): Promise<{ items: RunRow[]; total: number; hasNext: boolean }> {
  const where = sql`(${opts.status ?? null}::text IS NULL OR status = ${opts.status ?? null})`;
  const page = await rows<Record<string, unknown>>(
    db,
    sql`/* runs.list */ SELECT id::text AS id, system, file, status, (extract(epoch FROM started_at) * 1000)::bigint::text AS started_at, (extract(epoch FROM finished_at) * 1000)::bigint::text AS finished_at, records, quarantined_count,
          rejected, reason, message, owner
        FROM ingest_runs WHERE ${where} AND (${opts.afterId ?? null}::bigint IS NULL OR id < ${opts.afterId ?? null}) ORDER BY id DESC LIMIT ${opts.limit + 1}`,
  );
  const total = await rows<{ n: string }>(db, sql`/* runs.count */ SELECT count(*)::text AS n FROM ingest_runs WHERE ${where}`);
  const items = page.slice(0, opts.limit).map((r) => ({
    id: Number(r.id),
    system: String(r.system),
    file: String(r.file),
    status: r.status as RunStatus,
    startedAt: new Date(Number(r.started_at)),
    finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)),
    records: Number(r.records),
    quarantined: Number(r.quarantined_count),
    rejected: Boolean(r.rejected),
    reason: (r.reason as string | null) ?? null,
    message: (r.message as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
  }));
  return { items, total: Number(total[0]!.n), hasNext: page.length > opts.limit };
}
