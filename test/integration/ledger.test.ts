/** The fund pool: double entry, append only, reconciled with agency history, guarded on the API path. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { rows, transaction, type Database } from '../../src/db/client.ts';
import { Scope } from '../../src/overlap/derive.ts';
import { applyConsequences } from '../../src/overlap/consequences.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput, ingestFile } from '../../src/ingest/service.ts';
import { generateProvince } from '../../generator/index.ts';
import { allocateFunds, confirmArrival, recordAid, reverseAid } from '../../src/ledger/service.ts';
import { fundBalances, fundTransactions } from '../../src/ledger/store.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { idNumber, settlementFile } from '../support/builders.ts';
import { deliveryOrder } from '../support/order.ts';
import { quarterlyReport } from '../../src/reports/quarterly.ts';

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const now = new Date('2026-11-01T00:00:00+08:00');
const FUND = 'FUND:TEMPORARY_ASSISTANCE';
const P = idNumber(61);

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

const num = async (q: ReturnType<typeof sql>) => Number((await rows<{ n: string }>(database.db, q))[0]!.n);
const unbalanced = () => num(sql`SELECT count(*)::text AS n FROM (SELECT tx_id FROM ledger_postings GROUP BY tx_id HAVING sum(amount_fen) <> 0) x`);
const balance = async (code = FUND) => (await fundBalances(database.db, code))[0]!.balanceFen;

describe(`the fund pool (${testDbKind})`, () => {
  it('books a generated province: balanced transactions, donations in, paid aid out, overdrawn funds flagged', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-ledger-'));
    try {
      const expected = await generateProvince({ persons: 300, seed: 3, out: dir });
      for (const f of deliveryOrder(expected, 11)) await ingestFile(database, f.system, path.join(dir, f.file), { now });
      expect(await unbalanced()).toBe(0);
      // Paid aid that counts sits in TRANSIT (nothing has arrived yet); donations sit in their funds.
      const counted = await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records WHERE duplicate_of IS NULL AND status = 'PAID'`);
      expect(counted).toBe(expected.aid.counted.amountFen);
      expect(await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM ledger_postings WHERE account_code = 'TRANSIT'`)).toBe(counted);
      const donated = await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM donations WHERE system = 'red-cross'`);
      const booked = await num(
        sql`SELECT COALESCE(sum(p.amount_fen), 0)::text AS n FROM ledger_postings p JOIN ledger_transactions x ON x.id = p.tx_id
            WHERE p.account_code = 'FUND:RED_CROSS_MEDICAL' AND x.kind IN ('DONATION', 'CORRECTION') AND x.aid_id IS NULL`,
      );
      expect(booked).toBe(donated);
      // Its balance is what came in less what counting grants paid out.
      const grants = await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records WHERE system = 'red-cross' AND duplicate_of IS NULL AND status IN ('PAID', 'ARRIVED')`);
      expect((await fundBalances(database.db, 'FUND:RED_CROSS_MEDICAL'))[0]!.balanceFen).toBe(BigInt(donated - grants));
      // Agency history with no allocations recorded overdraws its funds: booked as it is, and flagged.
      const r = await gql<{ funds: Array<{ code: string; balance: string; overdrawn: boolean }> }>(hub.url, '{ funds { code balance overdrawn } }');
      const civil = r.body.data!.funds.find((f) => f.code === FUND)!;
      expect(civil.overdrawn).toBe(true);
      expect(civil.balance.startsWith('-')).toBe(true);
      // Re-delivering everything books nothing more.
      const before = await num(sql`SELECT count(*)::text AS n FROM ledger_transactions`);
      for (const f of deliveryOrder(expected, 12)) await ingestFile(database, f.system, path.join(dir, f.file), { now });
      expect(await num(sql`SELECT count(*)::text AS n FROM ledger_transactions`)).toBe(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('refuses aid over the fund balance and over a stay\'s remaining capacity, unless overridden (capacity only)', async () => {
    await ingest(database, adapterFor('medical-insurance')!, bufferInput('s.ndjson', settlementFile([{ id: 'S-1', person: P }])), { now });
    await allocateFunds(database, FUND, 3_000_000n, '2026 budget', 'platform', now);
    const aidCount = () => num(sql`SELECT count(*)::text AS n FROM aid_records`);

    const first = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 1_500_000n, settlementId: 'S-1', paidOn: '2026-10-20' }, 'cw', now);
    expect(first).toMatchObject({ kind: 'AidRecorded', overridden: false });
    expect(await balance()).toBe(1_500_000n);

    const over = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 600_000n, settlementId: 'S-1', paidOn: '2026-10-21' }, 'cw', now);
    expect(over).toEqual({ kind: 'AidRefused', reason: 'OVER_CAPACITY', message: expect.any(String), remaining: 500_000n, balance: null });
    expect(await aidCount()).toBe(1);

    const forced = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 600_000n, settlementId: 'S-1', paidOn: '2026-10-21', overrideReason: 'second operation approved by the county board' }, 'cw', now);
    expect(forced).toMatchObject({ kind: 'AidRecorded', overridden: true });
    const excess = await num(sql`SELECT excess_fen::text AS n FROM aid_records WHERE override_reason IS NOT NULL`);
    expect(excess).toBe(100_000);

    const broke = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 1_000_000n, paidOn: '2026-10-22' }, 'cw', now);
    expect(broke).toMatchObject({ kind: 'AidRefused', reason: 'INSUFFICIENT_FUNDS', balance: 900_000n });
    expect(await aidCount()).toBe(2);
    expect(await unbalanced()).toBe(0);
  });

  it('a reversal restores the balance; an arrival moves aid to the recipient without touching the fund', async () => {
    await allocateFunds(database, FUND, 1_000_000n, 'budget', 'platform', now);
    const r = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 250_000n, paidOn: '2026-09-01' }, 'cw', now);
    const aidId = (r as { aidId: number }).aidId;
    expect(await balance()).toBe(750_000n);
    const late = await gql<{ paidNotArrived: { totalCount: number } }>(hub.url, '{ paidNotArrived { totalCount } }');
    expect(late.body.data!.paidNotArrived.totalCount).toBe(1);

    await confirmArrival(database, aidId, new Date('2026-10-30T10:00:00+08:00'), now);
    expect(await balance()).toBe(750_000n);
    expect(await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM ledger_postings WHERE account_code = 'RECIPIENTS'`)).toBe(250_000);
    const after = await gql<{ paidNotArrived: { totalCount: number } }>(hub.url, '{ paidNotArrived { totalCount } }');
    expect(after.body.data!.paidNotArrived.totalCount).toBe(0);

    await reverseAid(database, aidId, 'paid to the wrong account', now);
    expect(await balance()).toBe(1_000_000n);
    const kinds = await rows<{ kind: string }>(database.db, sql`SELECT kind FROM ledger_transactions ORDER BY id`);
    expect(kinds.map((k) => k.kind)).toEqual(['ALLOCATION', 'DISBURSEMENT', 'ARRIVAL', 'REVERSAL']);
    expect(await unbalanced()).toBe(0);
  });

  it('books what any writer changed in an aid record: triggers mark the columns of its positions, and only those', async () => {
    await allocateFunds(database, FUND, 1_000_000n, 'budget', 'platform', now);
    const r = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 250_000n, paidOn: '2026-09-01' }, 'cw', now);
    const aidId = (r as { aidId: number }).aidId;
    const pending = () => num(sql`SELECT count(*)::text AS n FROM ledger_pending`);
    expect(await pending()).toBe(0); // recordAid booked and unmarked its record before committing
    const person = await num(sql`SELECT person_id::text AS n FROM aid_records WHERE id = ${aidId}`);
    await transaction(database, async (tx) => {
      // A derived column the positions are not made of: no mark
      await tx.execute(sql`UPDATE aid_records SET excess_fen = excess_fen + 1, flags = flags WHERE id = ${aidId}`);
      expect(Number((await rows<{ n: string }>(tx, sql`SELECT count(*)::text AS n FROM ledger_pending`))[0]!.n)).toBe(0);
      // A writer that knows nothing of the ledger (a later migration, say) changes the amount
      await tx.execute(sql`UPDATE aid_records SET amount_fen = 200000, excess_fen = 0 WHERE id = ${aidId}`);
      const marked = await rows<{ id: string }>(tx, sql`SELECT aid_id::text AS id FROM ledger_pending`);
      expect(marked.map((m) => Number(m.id))).toEqual([aidId]);
      const scope = new Scope();
      scope.addPerson(person);
      await applyConsequences(tx, scope, now);
    });
    expect(await pending()).toBe(0);
    expect(await balance()).toBe(800_000n);
    expect(await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM ledger_postings WHERE account_code = 'TRANSIT'`)).toBe(200_000);
    const kinds = await rows<{ kind: string }>(database.db, sql`SELECT kind FROM ledger_transactions ORDER BY id`);
    expect(kinds.map((k) => k.kind)).toEqual(['ALLOCATION', 'DISBURSEMENT', 'CORRECTION']);
    expect(await unbalanced()).toBe(0);
  });

  it('property: whatever the API does, every transaction sums to zero, no fund goes below zero, balances are the sum of postings', async () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('allocate' as const), amount: fc.integer({ min: 1, max: 500_000 }) }),
      fc.record({ t: fc.constant('pay' as const), amount: fc.integer({ min: 1, max: 400_000 }) }),
      fc.record({ t: fc.constant('reverse' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('arrive' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        await resetDatabase(database);
        const paid: number[] = [];
        for (const o of ops) {
          if (o.t === 'allocate') await allocateFunds(database, FUND, BigInt(o.amount), 'budget', 'platform', now);
          else if (o.t === 'pay') {
            const r = await recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: BigInt(o.amount), paidOn: '2026-10-01' }, 'cw', now);
            if (r.kind === 'AidRecorded') paid.push(r.aidId);
          } else if (paid.length) {
            const id = paid[o.pick % paid.length]!;
            const status = (await rows<{ status: string }>(database.db, sql`SELECT status FROM aid_records WHERE id = ${id}`))[0]!.status;
            if (o.t === 'reverse' && status !== 'REVERSED') await reverseAid(database, id, 'property test', now);
            if (o.t === 'arrive' && status === 'PAID') await confirmArrival(database, id, now, now);
          }
          expect(await balance()).toBeGreaterThanOrEqual(0n);
        }
        expect(await unbalanced()).toBe(0);
        const allocated = ops.filter((o) => o.t === 'allocate').reduce((s, o) => s + BigInt((o as { amount: number }).amount), 0n);
        const outstanding = await num(sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records WHERE status IN ('PAID', 'ARRIVED')`);
        expect(await balance()).toBe(allocated - BigInt(outstanding));
      }),
      { numRuns: 15, seed: 42 },
    );
  }, 300_000);

  it.runIf(testDbKind === 'postgres')('two concurrent recordAid calls against one stay or one fund cannot both pass', async () => {
    await ingest(database, adapterFor('medical-insurance')!, bufferInput('s.ndjson', settlementFile([{ id: 'S-2', person: P }])), { now });
    await allocateFunds(database, FUND, 10_000_000n, 'budget', 'platform', now);
    const stay = await Promise.all(
      [1, 2].map(() => recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 1_500_000n, settlementId: 'S-2', paidOn: '2026-10-20' }, 'cw', now)),
    );
    expect(stay.map((r) => r.kind).sort()).toEqual(['AidRecorded', 'AidRefused']);

    await resetDatabase(database);
    await allocateFunds(database, FUND, 1_000_000n, 'budget', 'platform', now);
    const fund = await Promise.all(
      [1, 2, 3].map(() => recordAid(database, { idNumber: P, program: 'TEMPORARY_ASSISTANCE', amount: 400_000n, paidOn: '2026-10-20' }, 'cw', now)),
    );
    expect(fund.filter((r) => r.kind === 'AidRecorded')).toHaveLength(2);
    expect(await balance()).toBe(200_000n);
  });

  it('reads only read: balances, one fund, its transactions and the quarterly report write nothing (the accounts exist from start-up)', async () => {
    const writes = database.stats.writes;
    const funds = await fundBalances(database.db);
    expect(funds.map((f) => f.code)).toContain(FUND);
    expect(funds.every((f) => f.balanceFen === 0n)).toBe(true);
    expect((await fundBalances(database.db, FUND)).map((f) => f.code)).toEqual([FUND]);
    expect((await fundTransactions(database.db, FUND, null, 10)).total).toBe(0);
    const report = await quarterlyReport(database.db, 2026, 3, ['PROGRAM']);
    expect(report.funds.map((f) => f.fund)).toContain(FUND);
    expect(database.stats.writes - writes).toBe(0);
    // The counter does see writes: an allocation books one transaction (its statements insert).
    await allocateFunds(database, FUND, 100_00n, 'county budget', 'test', now);
    expect(database.stats.writes - writes).toBeGreaterThan(0);
  });
});
