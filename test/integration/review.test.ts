/** The review queue: flagged records, decisions that move the totals, and undoing by deciding again. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { civilPaymentFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(71);

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => {
  await resetDatabase(database);
  await ingest(database, adapterFor('medical-insurance')!, bufferInput('s.ndjson', settlementFile([{ id: 'S-1', person: P }])), { now });
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('p.csv', civilPaymentFile([
    { id: 'LS-1', person: P, amount: '3000.00', paid: '2026/2/5', voucher: 'PZ-1', settlement: 'S-1' },
    { id: 'LS-2', person: P, amount: '3000.00', paid: '2026/2/9', voucher: 'pz 1', settlement: 'S-1' },
  ])), { now });
  const hardshipId = P;
  const d = `D|KN-9|${hardshipId}|某某|400000|20260201|20260206|KN-V-9|S-1|1`;
  const file = ['H|UNION-HARDSHIP|20260301|1', d, 'T|1|400000'].join('\n');
  const iconv = (await import('iconv-lite')).default;
  await ingest(database, adapterFor('union-hardship')!, bufferInput('h.txt', iconv.encode(file, 'gb18030')), { now });
  await ingest(database, adapterFor('civil-affairs')!, bufferInput('p2.csv', civilPaymentFile([
    { id: 'LS-3', person: P, amount: '4000.00', paid: '2026/2/7', voucher: 'PZ-3', settlement: 'S-1' },
  ])), { now });
});

const QUEUE = `query($k: ReviewKind) { reviewQueue(kind: $k) { totalCount edges { node { id kind aid { recordId system } related { recordId } decision { decision } } } } }`;
const RESOLVE = `mutation($id: ID!, $d: ReviewDecisionKind!, $r: String!) { resolveReview(id: $id, decision: $d, reason: $r) { kind decision { decision reason decidedBy } history { decision } } }`;
const counted = async () =>
  Number((await rows<{ n: string }>(database.db, sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records WHERE duplicate_of IS NULL AND status <> 'REVERSED'`))[0]!.n);

describe(`the review queue (${testDbKind})`, () => {
  it('lists duplicates and suspected duplicates; a decision moves the totals and a later one undoes it', async () => {
    const dup = await gql<{ reviewQueue: any }>(hub.url, QUEUE, { k: 'DUPLICATE' });
    expect(dup.body.data!.reviewQueue.totalCount).toBe(1);
    expect(dup.body.data!.reviewQueue.edges[0].node).toMatchObject({ kind: 'DUPLICATE', aid: { recordId: 'LS-2' }, related: [{ recordId: 'LS-1' }], decision: null });
    const sus = await gql<{ reviewQueue: any }>(hub.url, QUEUE, { k: 'SUSPECTED_DUPLICATE' });
    expect(sus.body.data!.reviewQueue.edges.map((e: any) => e.node.aid.recordId).sort()).toEqual(['KN-9', 'LS-3']);
    expect(await counted()).toBe(300000 + 400000 + 400000);

    // The duplicate was a second, real payment: it counts again.
    const dupId = dup.body.data!.reviewQueue.edges[0].node.id;
    const r1 = await gql<{ resolveReview: any }>(hub.url, RESOLVE, { id: dupId, d: 'DISMISS', r: 'second instalment, confirmed by phone' });
    expect(r1.body.errors).toBeUndefined();
    expect(r1.body.data!.resolveReview).toMatchObject({ decision: { decision: 'DISMISS', decidedBy: 'test-platform' }, history: [{ decision: 'DISMISS' }] });
    expect(await counted()).toBe(300000 + 300000 + 400000 + 400000);
    // Undone by deciding again: it is a duplicate after all.
    await gql(hub.url, RESOLVE, { id: dupId, d: 'CONFIRM', r: 'the agency withdrew the second report' });
    expect(await counted()).toBe(300000 + 400000 + 400000);

    // The suspected pair is one payment reported by two systems: the later report stops counting.
    const susId = sus.body.data!.reviewQueue.edges.find((e: any) => e.node.aid.recordId === 'LS-3').node.id;
    await gql(hub.url, RESOLVE, { id: susId, d: 'CONFIRM', r: 'same bill, paid twice' });
    expect(await counted()).toBe(300000 + 400000);
    const left = await gql<{ reviewQueue: any }>(hub.url, QUEUE, {});
    expect(left.body.data!.reviewQueue.totalCount).toBe(0);
    const ledger = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM (SELECT tx_id FROM ledger_postings GROUP BY tx_id HAVING sum(amount_fen) <> 0) x`);
    expect(ledger[0]!.n).toBe('0');
  });

  it('refuses a decision without a reason, or on a record not flagged so', async () => {
    const dup = await gql<{ reviewQueue: any }>(hub.url, QUEUE, { k: 'DUPLICATE' });
    const id = dup.body.data!.reviewQueue.edges[0].node.id;
    const noReason = await gql(hub.url, RESOLVE, { id, d: 'DISMISS', r: ' ' });
    expect(noReason.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = Buffer.from('review:1:SETTLEMENT_PERSON_MISMATCH').toString('base64url');
    const wrong = await gql(hub.url, RESOLVE, { id: forged, d: 'CONFIRM', r: 'looks wrong' });
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const n = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM review_decisions`);
    expect(n[0]!.n).toBe('0');
  });
});

describe(`a decision holds only for the facts it was made on (${testDbKind})`, () => {
  const HISTORY = `query($k: ReviewKind) { reviewQueue(kind: $k) { totalCount edges { node { id aid { recordId } decision { decision } history { decision lapsedAt lapseReason } } } } }`;
  const lsFile = (paid: string) => civilPaymentFile([{ id: 'LS-3', person: P, amount: '4000.00', paid, voucher: 'PZ-3', settlement: 'S-1' }]);
  const queued = async () => ((await gql<{ reviewQueue: any }>(hub.url, HISTORY, { k: 'SUSPECTED_DUPLICATE' })).body.data!.reviewQueue.edges as any[]).map((e) => e.node);

  it('a confirmed suspected duplicate lapses when its record is corrected, returns to the queue, and a stale copy revives nothing', async () => {
    const ls3 = (await queued()).find((n) => n.aid.recordId === 'LS-3');
    const confirmed = await gql(hub.url, RESOLVE, { id: ls3.id, d: 'CONFIRM', r: 'same bill, paid twice' });
    expect(confirmed.body.errors).toBeUndefined();
    expect(await counted()).toBe(300000 + 400000);
    expect(await queued()).toEqual([]);

    // The agency corrects LS-3 (paid a day later, still within three days of KN-9): the decision was made on the
    // earlier version, so it lapses; LS-3 counts again and is asked again.
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('p3.csv', lsFile('2026/2/8')), { now });
    expect(await counted()).toBe(300000 + 400000 + 400000);
    const again = await queued();
    expect(again.map((n) => n.aid.recordId).sort()).toEqual(['KN-9', 'LS-3']);
    const item = again.find((n) => n.aid.recordId === 'LS-3');
    expect(item.decision).toBeNull();
    expect(item.history).toEqual([{ decision: 'CONFIRM', lapsedAt: expect.any(String), lapseReason: 'RECORD_CORRECTED' }]);

    // The earlier version delivered again is a stale copy: nothing lapses or revives.
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('p2.csv', lsFile('2026/2/7')), { now });
    expect(await counted()).toBe(300000 + 400000 + 400000);
    expect((await queued()).find((n) => n.aid.recordId === 'LS-3').history).toHaveLength(1);

    // A decision on the current facts holds, also through a stale copy; a correction of the partner lapses it.
    await gql(hub.url, RESOLVE, { id: item.id, d: 'CONFIRM', r: 'same bill, checked again' });
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('p2.csv', lsFile('2026/2/7')), { now });
    expect(await counted()).toBe(300000 + 400000);
    expect(await queued()).toEqual([]);
    const iconv = (await import('iconv-lite')).default;
    const kn = ['H|UNION-HARDSHIP|20260302|1', `D|KN-9|${P}|某某|400000|20260201|20260207|KN-V-9|S-1|1`, 'T|1|400000'].join('\n');
    await ingest(database, adapterFor('union-hardship')!, bufferInput('h2.txt', iconv.encode(kn, 'gb18030')), { now });
    expect(await counted()).toBe(300000 + 400000 + 400000);
    const last = (await queued()).find((n) => n.aid.recordId === 'LS-3');
    expect(last.history.map((h: any) => h.lapseReason)).toEqual(['RECORD_CORRECTED', 'RELATED_CHANGED']);
    expect(last.decision).toBeNull();
  });
});

describe.skipIf(testDbKind !== 'postgres')('a decision and another derivation side by side (postgres)', () => {
  it('waits on the derivation lock while another transaction derives, then derives from what it committed', async () => {
    const dup = await gql<{ reviewQueue: any }>(hub.url, QUEUE, { k: 'DUPLICATE' });
    const dupId = dup.body.data!.reviewQueue.edges[0].node.id;
    // Another writer (an ingest on another instance, say) holds the derivation lock and has changed a record:
    // the duplicate's primary LS-1 is revoked at the source, uncommitted yet.
    const pg = (await import('pg')).default;
    const other = new pg.Client({ connectionString: database.url! });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(727275)');
      await other.query(`UPDATE aid_records SET status = 'REVERSED' WHERE system = 'civil-affairs' AND record_id = 'LS-1'`);
      const decided = gql<{ resolveReview: any }>(hub.url, RESOLVE, { id: dupId, d: 'DISMISS', r: 'second instalment, confirmed by phone' });
      // The decision's transaction waits for the lock before it reads or locks anything.
      const waiting = async () =>
        Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727275 AND NOT granted`))[0]!.n);
      await expect.poll(waiting, { timeout: 30_000, interval: 100 }).toBe(1);
      await other.query('COMMIT');
      expect((await decided).body.errors).toBeUndefined();
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    // Derived after the revocation committed: LS-2 counts (dismissed), LS-1 does not (reversed).
    const state = await rows<{ record_id: string; dup: boolean; status: string }>(
      database.db,
      sql`SELECT record_id, duplicate_of IS NOT NULL AS dup, status FROM aid_records WHERE system = 'civil-affairs' AND record_id IN ('LS-1', 'LS-2') ORDER BY record_id`,
    );
    expect(state).toEqual([
      { record_id: 'LS-1', dup: false, status: 'REVERSED' },
      { record_id: 'LS-2', dup: false, status: 'PAID' },
    ]);
  });
});
