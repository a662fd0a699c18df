/**
 * The generic pull, driven by union-women's pull spec, against a fake claims API on loopback that injects 5xx answers, 429 with Retry-After
 * and a permanent failure: the pull follows cursors from the stored watermark, retries, gives up with a
 * clear error after a bounded number of tries, and keeps what it applied.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { pull, readWatermark } from '../../src/ingest/pull.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';

const id = (first17: string) => first17 + checkCharacter(first17);
const claim = (n: number, updatedAt: string) => ({
  claimId: `NGAK-2026-${String(n).padStart(4, '0')}`,
  insured: { idCard: id(`460102198501${10 + n}002`), name: `女工${n}` },
  illness: '乳腺癌',
  payout: `${1000 + n}.00`,
  payoutDate: '2026-03-02',
  voucher: `NG${n}`,
  settlementNo: null,
  updatedAt,
});
const ALL = [1, 2, 3, 4, 5].map((n) => claim(n, `2026-03-0${n}T09:00:00+08:00`));

interface Plan {
  /** Status codes to answer before the real answer, per request path+query. */
  failures: Map<string, number[]>;
  /** Requests that always fail with this status. */
  permanent: Set<string>;
  requests: string[];
  items: typeof ALL;
}

let server: http.Server;
let base: string;
const plan: Plan = { failures: new Map(), permanent: new Set(), requests: [], items: ALL };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const key = url.searchParams.get('cursor') ?? 'first';
    plan.requests.push(`${key}`);
    if (plan.permanent.has(key)) {
      res.writeHead(503).end('down');
      return;
    }
    const queued = plan.failures.get(key);
    if (queued && queued.length) {
      const status = queued.shift()!;
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end('try later');
      return;
    }
    const since = url.searchParams.get('since');
    const items = plan.items.filter((i) => since === null || Date.parse(i.updatedAt) > Date.parse(since));
    const offset = key === 'first' ? 0 : Number(key.slice(1));
    const page = items.slice(offset, offset + 2);
    const next = offset + 2 < items.length ? `c${offset + 2}` : null;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: page, nextCursor: next }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let database: Database;
beforeEach(async () => {
  database = await testDatabase();
  await resetDatabase(database);
  plan.failures.clear();
  plan.permanent.clear();
  plan.requests = [];
  plan.items = ALL;
  // The first opens the worker's database (seconds on a busy machine).
}, 120_000);

const noSleep = async () => undefined;
const count = async () => Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM aid_records WHERE system = 'union-women'`))[0]!.n);

describe(`union-women pull (${testDbKind})`, () => {
  it('follows cursors to the end through 5xx and 429 answers, and stores the watermark', async () => {
    plan.failures.set('first', [500, 429]);
    plan.failures.set('c2', [502]);
    const s = await pull(database, 'union-women', { base, sleep: noSleep, maxTries: 4 });
    expect(s.error).toBeNull();
    expect(s).toMatchObject({ pages: 3, records: 5, new: 5, since: null, watermark: '2026-03-05T09:00:00+08:00' });
    expect(plan.requests).toEqual(['first', 'first', 'first', 'c2', 'c2', 'c4']);
    expect(await count()).toBe(5);
    expect(await readWatermark(database, 'union-women')).toBe('2026-03-05T09:00:00+08:00');
  });

  it('gives up after a bounded number of tries with a clear error, keeping the pages it applied', async () => {
    plan.permanent.add('c2');
    const s = await pull(database, 'union-women', { base, sleep: noSleep, maxTries: 3 });
    expect(s.error).toMatchObject({ code: 'PULL_FAILED', status: 503, tries: 3 });
    expect(s.pages).toBe(1);
    expect(plan.requests.filter((r) => r === 'c2')).toHaveLength(3);
    expect(await count()).toBe(2);
    expect(await readWatermark(database, 'union-women')).toBe('2026-03-02T09:00:00+08:00');

    // The next pull resumes from the watermark: only what changed since is asked for and applied.
    plan.permanent.clear();
    plan.requests = [];
    const again = await pull(database, 'union-women', { base, sleep: noSleep, maxTries: 3 });
    expect(again).toMatchObject({ error: null, since: '2026-03-02T09:00:00+08:00', new: 3, records: 3, watermark: '2026-03-05T09:00:00+08:00' });
    expect(await count()).toBe(5);
  });

  it('a pull with nothing new changes nothing', async () => {
    await pull(database, 'union-women', { base, sleep: noSleep });
    const s = await pull(database, 'union-women', { base, sleep: noSleep });
    expect(s).toMatchObject({ error: null, records: 0, new: 0, pages: 1 });
    expect(await count()).toBe(5);
  });

  it('moves the watermark only over applied claims: a future-dated or quarantined claim never makes later pulls skip newer ones', async () => {
    const future = { ...claim(8, '2030-01-01T09:00:00+08:00'), claimId: 'NGAK-FUTURE' };
    const badId = { ...claim(9, '2026-03-07T09:00:00+08:00'), claimId: 'NGAK-BADID', insured: { idCard: '460102', name: '错号' } };
    plan.items = [ALL[0]!, future, ALL[1]!, ALL[2]!, badId, ALL[3]!, ALL[4]!];
    const s = await pull(database, 'union-women', { base, sleep: noSleep });
    expect(s).toMatchObject({ error: null, records: 7, new: 5, quarantined: 2, watermark: '2026-03-05T09:00:00+08:00' });
    expect(await readWatermark(database, 'union-women')).toBe('2026-03-05T09:00:00+08:00');

    // A claim made after the last applied one and before the future date: the next pull gets it.
    plan.items = [...plan.items, claim(6, '2026-03-06T09:00:00+08:00')];
    const next = await pull(database, 'union-women', { base, sleep: noSleep });
    expect(next).toMatchObject({ error: null, since: '2026-03-05T09:00:00+08:00', new: 1, watermark: '2026-03-06T09:00:00+08:00' });
    expect(await count()).toBe(6);
    // The quarantined claims came again and are kept once each, with their reasons.
    const q = await rows<{ record_id: string; reason_code: string }>(database.db, sql`SELECT record_id, reason_code FROM quarantine WHERE system = 'union-women' ORDER BY record_id`);
    expect(q).toEqual([
      { record_id: 'NGAK-BADID', reason_code: 'INVALID_ID' },
      { record_id: 'NGAK-FUTURE', reason_code: 'BAD_DATE' },
    ]);
  });

  it('refuses, before fetching anything, a system without a pull spec (NOT_PULLED) and an unknown one (UNKNOWN_SYSTEM)', async () => {
    await expect(pull(database, 'charity', { base, sleep: noSleep })).rejects.toMatchObject({
      extensions: { code: 'NOT_PULLED', system: 'charity', pulledSystems: ['union-women'] },
    });
    await expect(pull(database, 'no-such-system', { base, sleep: noSleep })).rejects.toMatchObject({ extensions: { code: 'UNKNOWN_SYSTEM' } });
    expect(plan.requests).toEqual([]);
    expect(await readWatermark(database, 'charity')).toBeNull();
  });

  it('never prints or stores the credentials of --base', async () => {
    const withPassword = base.replace('http://', 'http://ngak:s3cret-pw@');
    const s = await pull(database, 'union-women', { base: withPassword, sleep: noSleep });
    expect(s).toMatchObject({ error: null, new: 5 });
    expect(JSON.stringify(s)).not.toMatch(/s3cret|ngak:/);
    const files = await rows<{ file: string }>(database.db, sql`SELECT file FROM source_records UNION SELECT file FROM ingest_runs`);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.file).not.toMatch(/s3cret|ngak:/);

    plan.permanent.add('first');
    const failed = await pull(database, 'union-women', { base: withPassword, sleep: noSleep, maxTries: 1 });
    expect(failed.error?.code).toBe('PULL_FAILED');
    expect(JSON.stringify(failed)).not.toMatch(/s3cret|ngak:/);
  });
});
