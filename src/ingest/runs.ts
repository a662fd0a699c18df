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
import type { Database, Db } from '../db/client.ts';
import { abortRunsOfGoneOwners, beatRuns, insertRun, markRunFinished, markRunsFailed } from './store.ts';

/** This process as the owner of its runs. */
export const RUN_OWNER = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_S = 60;

export type RunStatus = 'RUNNING' | 'FINISHED' | 'ABORTED';

export async function startRun(database: Database, system: string, file: string): Promise<number> {
  await abortOrphanedRuns(database);
  return insertRun(database.db, system, file, RUN_OWNER);
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
  await markRunFinished(database.db, s);
}

/** Marks runs of this process ABORTED after their ingest failed (nothing of them was applied). */
export async function abortRuns(database: Database, runIds: number[], error: unknown): Promise<void> {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await markRunsFailed(database.db, runIds, `the ingest failed and applied nothing (${why.slice(0, 300)})`).catch(() => undefined); // the database itself may be what failed: the next sweep marks them
}

/** Refreshes the heartbeat of running runs until stopped (PostgreSQL only; see the module comment). */
export function heartbeat(database: Database, runIds: number[]): () => void {
  if (database.kind !== 'postgres' || runIds.length === 0) return () => undefined;
  const timer = setInterval(() => {
    beatRuns(database.db, runIds).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Marks ABORTED the runs whose process is gone; returns their ids. On PostgreSQL a run of another owner is
 * gone when its heartbeat is older than STALE_AFTER_S; on PGlite every run of another owner is.
 */
export async function abortOrphanedRuns(database: Database, db: Db = database.db): Promise<number[]> {
  return abortRunsOfGoneOwners(db, RUN_OWNER, database.kind === 'postgres' ? STALE_AFTER_S : null);
}

