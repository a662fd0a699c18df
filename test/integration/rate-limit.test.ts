/**
 * The rate limit's leases (src/server/rate-limit.ts): an instance reserves 1% of the limit at a time in the shared
 * counter and serves from it; no subject is served beyond its limit over all instances, and below 200 a minute
 * the limit is exact across instances.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { RateLimit, leaseSize } from '../../src/server/rate-limit.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';

let database: Database;

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
beforeEach(async () => {
  await resetDatabase(database);
  // The counter is per calendar minute: start early in one, so that every request of a test falls into it.
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}, 30_000);

/** What the shared counter holds for `subject`, over all minutes. */
const counted = async (subject: string) =>
  Number((await rows<{ n: string }>(database.db, sql`SELECT COALESCE(sum(count), 0)::text AS n FROM rate_limits WHERE subject = ${subject}`))[0]!.n);
const allowedOf = async (limiters: RateLimit[], subject: string, n: number) =>
  (await Promise.all(Array.from({ length: n }, (_, i) => limiters[i % limiters.length]!.allow(subject)))).filter(Boolean).length;

describe(`the rate limit reserves requests in leases (${testDbKind})`, () => {
  it('is 1% of the limit, from 1 to 50', () => {
    expect([3, 60, 199, 200, 1200, 5000, 1_000_000].map(leaseSize)).toEqual([1, 1, 1, 2, 12, 50, 50]);
  });

  it('serves a busy subject from its lease, asking the shared counter once per lease', async () => {
    const limiter = new RateLimit(database.db, 1000);
    for (let i = 0; i < 25; i++) expect(await limiter.allow('busy')).toBe(true);
    // Three leases of 10: the counter holds what was reserved, 5 of it not yet served.
    expect(await counted('busy')).toBe(30);
  });

  it('never serves more than the limit over all instances, and refuses early by less than a lease per instance', async () => {
    const limit = 300;
    const instances = [new RateLimit(database.db, limit), new RateLimit(database.db, limit), new RateLimit(database.db, limit)];
    const allowed = await allowedOf(instances, 'shared', 400);
    expect(allowed).toBeLessThanOrEqual(limit);
    expect(allowed).toBeGreaterThanOrEqual(limit - instances.length * (leaseSize(limit) - 1));
    // Nothing more this minute, on any instance.
    expect(await allowedOf(instances, 'shared', 30)).toBe(0);
  });

  it('is exact below 200 a minute, alternating between instances', async () => {
    const a = new RateLimit(database.db, 60);
    const b = new RateLimit(database.db, 60);
    const answers: boolean[] = [];
    for (let i = 0; i < 62; i++) answers.push(await (i % 2 === 0 ? a : b).allow('exact'));
    expect(answers).toEqual([...Array(60).fill(true), false, false]);
  });

  it('does not serve from a lease once its minute is over', async () => {
    let now = Date.now();
    const limiter = new RateLimit(database.db, 1000, () => now);
    expect(await limiter.allow('late')).toBe(true);
    expect(await counted('late')).toBe(10);
    expect(await limiter.allow('late')).toBe(true);
    expect(await counted('late')).toBe(10);
    now += 61_000;
    // The lease's 8 left belong to a minute that is over: a new reservation.
    expect(await limiter.allow('late')).toBe(true);
    expect(await counted('late')).toBe(20);
  });

  it('counts each subject on its own', async () => {
    const limiter = new RateLimit(database.db, 2);
    const answers = await Promise.all(['x', 'y', 'x', 'y', 'x', 'y'].map((s) => limiter.allow(s)));
    expect(answers).toEqual([true, true, true, true, false, false]);
  });
});
