/**
 * Migration 0012 (ledger value dates) on a ledger booked before value dates existed: each transaction gets the value date of what
 * it corrects, the append-only guard is back on, and the daily rollup becomes by value date and side — so a
 * duplicate payment booked, then reversed a quarter later, no longer shows as an outflow and an inflow.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';

const dir = path.resolve('migrations');
const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
const statements = (tag: string) =>
  fs
    .readFileSync(path.join(dir, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);

describe('migration 0012 (ledger value dates)', () => {
  it('backfills value dates and booking times and rebuilds the daily rollup by value date', async () => {
    const db = new PGlite();
    const tags = journal.entries.map((e) => e.tag);
    const at = tags.findIndex((t) => t.endsWith('_ledger_value_dates'));
    expect(at).toBeGreaterThan(0);
    for (const t of tags.slice(0, at)) for (const s of statements(t)) await db.exec(s);
    // A ledger as the hub booked it before: a payment from the veterans fund on 2026-02-05, reversed when the
    // hub learned (2026-11-01) it was a duplicate; a donation of 500 on 2026-01-10 corrected to 400 on 2026-06-01.
    await db.exec(`
      INSERT INTO persons (id, id_number) VALUES (1, '460105195001011234');
      INSERT INTO aid_records (id, system, record_id, person_id, program, fund_code, amount_fen, status, content_hash, paid_on)
        VALUES (1, 'veterans', 'PZ9', 1, 'VETERAN_ASSISTANCE', 'FUND:VETERAN_ASSISTANCE', 100000, 'PAID', 'h', '2026-02-05');
      INSERT INTO fund_accounts (code, name, kind) VALUES ('FUND:VETERAN_ASSISTANCE', 'v', 'FUND'), ('FUND:RED_CROSS_MEDICAL', 'r', 'FUND'),
        ('TRANSIT', 't', 'TRANSIT'), ('OUTSIDE:DONORS', 'd', 'OUTSIDE');
      INSERT INTO ledger_transactions (id, kind, occurred_at, aid_id, source_system, source_record_id) VALUES
        (1, 'DISBURSEMENT', '2026-02-05T00:00:00+08:00', 1, 'veterans', 'PZ9'),
        (2, 'REVERSAL', '2026-11-01T09:00:00+08:00', 1, 'veterans', 'PZ9'),
        (3, 'DONATION', '2026-01-10T10:00:00+08:00', NULL, 'red-cross', 'donation:D1'),
        (4, 'CORRECTION', '2026-06-01T09:00:00+08:00', NULL, 'red-cross', 'donation:D1');
      INSERT INTO ledger_postings (tx_id, account_code, amount_fen) VALUES
        (1, 'FUND:VETERAN_ASSISTANCE', -100000), (1, 'TRANSIT', 100000),
        (2, 'FUND:VETERAN_ASSISTANCE', 100000), (2, 'TRANSIT', -100000),
        (3, 'FUND:RED_CROSS_MEDICAL', 50000), (3, 'OUTSIDE:DONORS', -50000),
        (4, 'FUND:RED_CROSS_MEDICAL', -10000), (4, 'OUTSIDE:DONORS', 10000);`);
    for (const t of tags.slice(at, at + 1)) for (const s of statements(t)) await db.exec(s);

    const txs = await db.query<{ id: number; value_date: string; booked: boolean }>(
      `SELECT id::int, value_date::text, booked_at IS NOT NULL AS booked FROM ledger_transactions ORDER BY id`,
    );
    expect(txs.rows).toEqual([
      { id: 1, value_date: '2026-02-05', booked: true },
      { id: 2, value_date: '2026-02-05', booked: true },
      { id: 3, value_date: '2026-01-10', booked: true },
      { id: 4, value_date: '2026-01-10', booked: true },
    ]);
    const daily = await db.query<{ account_code: string; day: string; i: string; o: string }>(
      `SELECT account_code, day::text, inflows_fen::text AS i, outflows_fen::text AS o FROM ledger_daily ORDER BY 1, 2`,
    );
    expect(daily.rows).toEqual([
      { account_code: 'FUND:RED_CROSS_MEDICAL', day: '2026-01-10', i: '40000', o: '0' },
      { account_code: 'FUND:VETERAN_ASSISTANCE', day: '2026-02-05', i: '0', o: '0' },
    ]);
    await expect(db.exec(`UPDATE ledger_transactions SET value_date = value_date`)).rejects.toThrow(/append-only/);
    await db.close();
  }, 120_000);
});
