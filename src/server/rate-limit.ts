/**
 * The per-token request limit (RATE_LIMIT_PER_MINUTE), shared by every instance: one counter per subject and
 * calendar minute in the database (rate_limits, src/server/store.ts).
 *
 * An instance does not ask the counter for every request: it reserves a block of requests (a lease of
 * `leaseSize(limit)`, 1% of the limit, from 1 to 50) and serves them from memory until they are used or the
 * minute ends. What that means for a subject:
 * - it is never served more than its limit in a minute, over all instances together: every request served
 *   was reserved in the shared counter, and no reservation beyond the limit is granted;
 * - it may be refused early by what other instances reserved and have not used: under one lease per
 *   instance, so under 1% of the limit each. Under 200 requests a minute a lease is one request and the
 *   limit is exact, as before leases.
 * Reservations are made by group commit (src/shared/group-commit.ts): one upsert for every subject waiting.
 * Under the household-query load (bench/query-load.ts, one busy token) the counter went from about one
 * statement per three requests to one per fifty.
 */
import type { Db } from '../db/client.ts';
import { GroupCommit } from '../shared/group-commit.ts';
import * as store from './store.ts';

/** Requests reserved at a time: 1% of the limit, at least 1, at most 50. */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(50, Math.floor(limit / 100)));
}

/** Reserved requests of one subject not yet served, until the end of the minute they were reserved in. */
interface Lease {
  left: number;
  /** This process's clock (ms) at or before which the counter's minute ends. */
  endsAt: number;
}

/** Leases kept before expired ones are forgotten (a subject's lease lasts at most a minute). */
const SWEEP_ABOVE = 1000;

export class RateLimit {
  private readonly leases = new Map<string, Lease>();
  private readonly reservations: GroupCommit<string, boolean>;

  constructor(
    private readonly db: Db,
    private readonly limit: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.reservations = new GroupCommit((subjects) => this.reserve(subjects));
  }

  /** Whether one more request of `subject` is within its limit this minute; a request allowed is counted. */
  allow(subject: string): boolean | Promise<boolean> {
    return this.take(subject) || this.reservations.submit(subject);
  }

  /** Serves one request from the subject's lease, if it has one left in the current minute. */
  private take(subject: string): boolean {
    const lease = this.leases.get(subject);
    if (lease === undefined || lease.left === 0 || this.clock() >= lease.endsAt) return false;
    lease.left--;
    return true;
  }

  /** One answer per waiting request, in order: from a lease refilled meanwhile, else from a new reservation. */
  private async reserve(subjects: string[]): Promise<boolean[]> {
    const asked = this.clock();
    const answers = subjects.map((s) => this.take(s));
    const need = new Map<string, number>();
    subjects.forEach((s, i) => {
      if (!answers[i]) need.set(s, (need.get(s) ?? 0) + 1);
    });
    if (need.size === 0) return answers;
    const size = leaseSize(this.limit);
    const distinct = [...need.keys()];
    const reserved = new Map(distinct.map((s) => [s, Math.max(need.get(s)!, size)]));
    const counted = await store.addRequests(this.db, distinct, [...reserved.values()]);
    const granted = new Map<string, number>();
    let firstOfMinute = false;
    for (const r of counted) {
      const asks = reserved.get(r.subject)!;
      const before = Number(r.count) - asks;
      if (before === 0) firstOfMinute = true;
      const usable = Math.max(0, Math.min(asks, this.limit - before));
      const served = Math.min(need.get(r.subject)!, usable);
      granted.set(r.subject, served);
      this.leases.set(r.subject, { left: usable - served, endsAt: asked + Number(r.msLeft) });
    }
    if (firstOfMinute) await store.pruneRequestCounts(this.db);
    if (this.leases.size > SWEEP_ABOVE) for (const [s, l] of this.leases) if (l.endsAt <= asked) this.leases.delete(s);
    return subjects.map((s, i) => {
      if (answers[i]) return true;
      const g = granted.get(s)!;
      if (g === 0) return false;
      granted.set(s, g - 1);
      return true;
    });
  }
}
