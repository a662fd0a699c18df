/**
 * Which database serves an operation when a read-only hot standby is configured (DATABASE_READ_URL).
 *
 * - Writes (every mutation) and every operation that is not wholly made of the read-only root fields below
 *   run on the primary. So do the access log (written by the server on the primary whatever the operation) and
 *   the review queue, the quarantine and aid capacity, which a caseworker reads right before acting on them.
 * - The read-only operations (person, household and settlement views, reports, eligibility, warnings) run on
 *   the standby, which may lag behind the primary by the replication delay.
 * - Read your own writes: after a mutation, the server notes the primary's WAL position for that caller
 *   (token subject). Until the standby has replayed up to it (`pg_last_wal_replay_lsn()`), that caller's reads
 *   stay on the primary; other callers may meanwhile see the standby's older state. The note is per instance:
 *   a caller whose next request lands on another instance can read from a standby that lags (behind a load
 *   balancer, route a subject to one instance, or accept the replication delay, usually well under a second).
 */
import type { OperationDefinitionNode } from 'graphql';
import type { Database } from '../db/client.ts';
import * as store from './store.ts';

/** Root fields whose operations may be answered by the standby. */
export const STANDBY_FIELDS: ReadonlySet<string> = new Set([
  'person',
  'household',
  'settlement',
  'quarterlyReport',
  'publishedQuarterlyReport',
  'eligibility',
  'earlyWarnings',
  '__typename',
]);

/** Most callers remembered with a write the standby may not have yet; beyond it the oldest are forgotten. */
const MAX_PENDING = 50_000;

export class ReadRouter {
  /** subject → the primary's WAL position after that subject's last write. */
  private readonly pending = new Map<string, string>();

  constructor(
    readonly primary: Database,
    readonly read: Database,
  ) {}

  /** Whether this operation, asked by this subject, may be answered by the standby. */
  async routesToStandby(operation: OperationDefinitionNode, subject: string | null): Promise<boolean> {
    if (operation.operation !== 'query') return false;
    const fields = operation.selectionSet.selections;
    if (fields.length === 0 || !fields.every((f) => f.kind === 'Field' && STANDBY_FIELDS.has(f.name.value))) return false;
    if (subject === null) return true;
    const lsn = this.pending.get(subject);
    if (lsn === undefined) return true;
    // Has the standby replayed the caller's last write?
    if ((await store.replayedUpTo(this.read.db, lsn)) !== true) return false;
    this.pending.delete(subject);
    return true;
  }

  /** Notes that `subject` just wrote: its reads stay on the primary until the standby has replayed this. */
  async wrote(subject: string): Promise<void> {
    // The primary's WAL position after the caller's write. The insert
    // position, not pg_current_wal_lsn() (the write position): with synchronous_commit off, a commit returns
    // before its WAL is written, and the write position can still lie before the caller's commit record.
    const lsn = await store.walInsertPosition(this.primary.db);
    this.pending.delete(subject);
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(subject, lsn);
  }
}
