/**
 * The bulk path (`relief-hub load`, `ingestBatch`): a province's exports in one transaction, derived once at
 * the end, gives exactly what ingesting the files one by one gives — persons, quarantine, links, flags,
 * excess, fund balances, warnings — and what expected.json says. Deriving again over every person (the
 * whole-table mode a large scope switches to) changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { generateProvince, type Expected } from '../../generator/index.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { exportsIn, ingestFile, ingestFiles } from '../../src/ingest/service.ts';
import { fundBalances } from '../../src/ledger/store.ts';
import { Scope } from '../../src/overlap/derive.ts';
import { slicing } from '../../src/shared/person-sets.ts';
import { applyConsequences } from '../../src/overlap/consequences.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { expectedOverlap, overlapTotals } from '../support/overlap.ts';

let dir: string;
let expected: Expected;
let database: Database;
let oneByOne: Awaited<ReturnType<typeof snapshot>>;
const now = new Date('2026-11-01T00:00:00+08:00');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-batch-'));
  expected = await generateProvince({ persons: 400, seed: 5, out: dir, corrections: true });
  database = await testDatabase();
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Everything a reader can see that derivation, the ledger and the warnings decide. */
async function snapshot(db: Database) {
  const persons = await rows<{ n: string }>(db.db, sql`SELECT count(*)::text AS n FROM persons WHERE merged_into IS NULL`);
  const quarantined = await rows<{ n: string }>(db.db, sql`SELECT count(*)::text AS n FROM quarantine`);
  const aid = await rows<{ k: string }>(
    db.db,
    sql`SELECT string_agg(system || '/' || record_id || ':' || COALESCE(link_kind, '-') || ':' || COALESCE(linked_settlement_id, '-') || ':' ||
          (duplicate_of IS NOT NULL)::text || ':' || array_to_string(flags, ',') || ':' || excess_fen, '|' ORDER BY system, record_id) AS k FROM aid_records`,
  );
  const warnings = await rows<{ k: string }>(
    db.db,
    sql`SELECT string_agg(w.kind || ':' || COALESCE(h.key, '-') || ':' || COALESCE(p.id_number, p.provisional_key, '-') || ':' || COALESCE(w.settlement_id, '-') || ':' || (w.closed_at IS NULL)::text, '|'
          ORDER BY w.kind, h.key, COALESCE(p.id_number, p.provisional_key), w.settlement_id, w.closed_at IS NULL) AS k
        FROM warnings w LEFT JOIN households h ON h.id = w.household_id LEFT JOIN persons p ON p.id = w.person_id WHERE w.closed_at IS NULL`,
  );
  // Each identified person's household(s) and county (domain.md "Households"; corrected status rows move them).
  const members = await rows<{ id: string; household: string | null; county: string | null }>(
    db.db,
    sql`SELECT p.id_number AS id, p.county_code AS county,
          (SELECT string_agg(h.key, ',' ORDER BY h.key) FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id = p.id) AS household
        FROM persons p WHERE p.merged_into IS NULL AND p.id_number IS NOT NULL`,
  );
  const funds = (await fundBalances(db.db)).map((f) => `${f.code}=${f.balanceFen}`);
  const transit = await rows<{ n: string }>(db.db, sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM ledger_postings WHERE account_code IN ('TRANSIT', 'RECIPIENTS')`);
  return {
    persons: Number(persons[0]!.n),
    quarantined: Number(quarantined[0]!.n),
    aid: aid[0]!.k,
    warnings: warnings[0]!.k,
    funds,
    paidOut: transit[0]!.n,
    overlap: await overlapTotals(db),
    members: Object.fromEntries(members.map((r) => [r.id, { household: r.household, county: r.county }])),
  };
}

describe(`bulk load of a province in one transaction (${testDbKind})`, () => {
  it('gives what file-by-file ingestion gives, and what expected.json says', async () => {
    const files = exportsIn(dir);
    expect(files.map((f) => `${f.system}/${path.basename(f.file)}`).sort()).toEqual(expected.files.map((f) => f.file).sort());

    await resetDatabase(database);
    for (const f of files) await ingestFile(database, f.system, f.file, { now });
    oneByOne = await snapshot(database);

    await resetDatabase(database);
    const batch = await ingestFiles(database, files, { now });
    const bulk = await snapshot(database);

    expect(bulk).toEqual(oneByOne);
    expect({ persons: bulk.persons, quarantined: bulk.quarantined, overlap: bulk.overlap }).toEqual({
      persons: expected.persons,
      quarantined: expected.quarantined.total,
      overlap: expectedOverlap(expected),
    });
    const civil = expected.civilMembers!;
    expect(Object.keys(civil).length).toBeGreaterThan(0);
    expect(Object.fromEntries(Object.keys(civil).map((id) => [id, bulk.members[id]]))).toEqual(civil);
    // Every file is accounted for: the corrupted ones rejected (and nothing of theirs applied), the others read whole.
    for (const f of expected.files) {
      const s = batch.files.find((x) => x.system === f.system && x.file === path.basename(f.file))!;
      expect({ file: f.file, rejected: s.rejected, reason: s.reason ?? undefined }).toEqual({ file: f.file, rejected: f.rejected, reason: f.reason ?? undefined });
      if (!f.rejected) expect({ file: f.file, records: s.records }).toEqual({ file: f.file, records: f.records });
    }
    expect(batch.duplicates).toBe(expected.aid.duplicates.count);
    const runs = await rows<{ n: string; open: string }>(database.db, sql`SELECT count(*)::text AS n, count(*) FILTER (WHERE finished_at IS NULL)::text AS open FROM ingest_runs`);
    expect({ runs: Number(runs[0]!.n), unfinished: Number(runs[0]!.open) }).toEqual({ runs: files.length, unfinished: 0 });
  }, 600_000);

  it('gives the same when the batch derives over every person, slice by slice, and books the ledger in small chunks', async () => {
    await resetDatabase(database);
    const size = { ...slicing };
    slicing.persons = 37; // a dozen slices over this province
    slicing.records = 7; // and the ledger booked a few records at a time
    try {
      await ingestFiles(database, exportsIn(dir), { now, deriveEverything: true });
    } finally {
      Object.assign(slicing, size);
    }
    expect(await snapshot(database)).toEqual(oneByOne);
    // The batch compared every record with the ledger: nothing is left marked for it
    const marked = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ledger_pending`);
    expect(marked[0]!.n).toBe('0');
  }, 600_000);

  it('keeps the fund accounts\' daily sums equal to their postings, by value date and side (what aid took, what the rest brought)', async () => {
    const diff = await rows<{ n: string; days: string }>(
      database.db,
      sql`WITH p AS (
            SELECT p.account_code, x.value_date AS day,
              COALESCE(sum(p.amount_fen) FILTER (WHERE x.aid_id IS NULL), 0) AS i, COALESCE(-sum(p.amount_fen) FILTER (WHERE x.aid_id IS NOT NULL), 0) AS o
            FROM ledger_postings p JOIN ledger_transactions x ON x.id = p.tx_id JOIN fund_accounts f ON f.code = p.account_code AND f.kind = 'FUND'
            GROUP BY 1, 2)
          SELECT count(*)::text AS n, (SELECT count(*) FROM ledger_daily)::text AS days
          FROM p FULL JOIN ledger_daily d ON d.account_code = p.account_code AND d.day = p.day
          WHERE p.i IS DISTINCT FROM d.inflows_fen OR p.o IS DISTINCT FROM d.outflows_fen`,
    );
    expect(Number(diff[0]!.days)).toBeGreaterThan(100);
    expect(diff[0]!.n).toBe('0');
  });

  it('deriving again over every person (whole-table mode) changes nothing and books nothing', async () => {
    const before = await snapshot(database);
    const txBefore = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ledger_transactions`);
    const scope = new Scope();
    scope.everything();
    const derived = await database.db.transaction((tx) => applyConsequences(tx, scope, now));
    expect(derived.persons).toEqual({ all: true });
    expect({ duplicates: derived.duplicates, suspected: derived.suspectedDuplicates }).toEqual({ duplicates: 0, suspected: 0 });
    expect(await snapshot(database)).toEqual(before);
    const txAfter = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ledger_transactions`);
    expect(txAfter[0]!.n).toBe(txBefore[0]!.n);
  }, 120_000);
});
