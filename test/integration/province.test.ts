/**
 * Issue 3's acceptance: a generated province ingested file by file, in an order other than the natural one,
 * gives exactly the persons and quarantine counts of its expected.json; re-ingesting changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { generateProvince, type Expected } from '../../generator/index.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { ingestFile } from '../../src/ingest/service.ts';
import type { IngestSummary } from '../../src/ingest/pipeline.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { deliveryOrder } from '../support/order.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { expectedOverlap, overlapTotals } from '../support/overlap.ts';
import { quarterlyReport } from '../../src/reports/quarterly.ts';

const PERSONS = 2000;
let dir: string;
let expected: Expected;
let database: Database;
let first: IngestSummary[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-province-'));
  // corrections — the second delivery of issue 12 with every kind of correction the generator makes (aid
  // moved between persons and stays, refund lines corrected to name another stay, vouchers upgraded, duplicates).
  expected = await generateProvince({ persons: PERSONS, seed: 1, out: dir, corrections: true });
  database = await testDatabase();
  await resetDatabase(database);
  const now = new Date('2026-11-01T00:00:00+08:00');
  first = [];
  for (const f of deliveryOrder(expected, 42)) first.push(await ingestFile(database, f.system, path.join(dir, f.file), { now }));
}, 600_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`a generated province of ${PERSONS} persons (${testDbKind})`, () => {
  it('has exactly the expected persons', async () => {
    const r = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM persons WHERE merged_into IS NULL`);
    expect(Number(r[0]!.n)).toBe(expected.persons);
  });

  it('quarantines exactly the expected records, by reason and by system', async () => {
    const byReason = await rows<{ k: string; n: string }>(database.db, sql`SELECT reason_code AS k, count(*)::text AS n FROM quarantine GROUP BY 1`);
    expect(Object.fromEntries(byReason.map((r) => [r.k, Number(r.n)]))).toEqual(expected.quarantined.byReason);
    const bySystem = await rows<{ k: string; n: string }>(database.db, sql`SELECT system AS k, count(*)::text AS n FROM quarantine GROUP BY 1`);
    expect(Object.fromEntries(bySystem.map((r) => [r.k, Number(r.n)]))).toEqual(expected.quarantined.bySystem);
  });

  it('reads every file with the expected record count and rejects exactly the corrupted files', () => {
    for (const f of expected.files) {
      const s = first.find((x) => x.file === path.basename(f.file) && x.system === f.system)!;
      expect(s, f.file).toBeDefined();
      expect({ file: f.file, rejected: s.rejected, reason: s.reason ?? undefined }).toEqual({ file: f.file, rejected: f.rejected, reason: f.reason ?? undefined });
      if (!f.rejected) expect({ file: f.file, records: s.records }).toEqual({ file: f.file, records: f.records });
    }
  });

  it('holds exactly the expected aid records, settlements and provisional persons', async () => {
    const bySystem = await rows<{ k: string; n: string }>(database.db, sql`SELECT system AS k, count(*)::text AS n FROM aid_records GROUP BY 1`);
    expect(Object.fromEntries(bySystem.map((r) => [r.k, Number(r.n)]))).toEqual(expected.aid.bySystem);
    const setl = await rows<{ n: string; refunded: string }>(database.db, sql`SELECT count(*)::text AS n, count(refunded_by)::text AS refunded FROM settlements`);
    expect({ records: Number(setl[0]!.n), refunded: Number(setl[0]!.refunded) }).toEqual({ records: expected.settlements.records, refunded: expected.settlements.refunded });
    const prov = await rows<{ k: string; n: string }>(
      database.db,
      sql`SELECT split_part(provisional_key, ':', 1) AS k, count(*)::text AS n FROM persons WHERE id_number IS NULL AND merged_into IS NULL GROUP BY 1`,
    );
    const provisional = Object.fromEntries(prov.map((r) => [r.k, Number(r.n)]));
    expect({ emergency: provisional['health-emergency'] ?? 0, children: provisional['child'] ?? 0 }).toEqual({
      emergency: expected.provisional.emergencyCases,
      children: expected.provisional.children,
    });
  });

  it('person(idNumber) returns exactly the aid records the generator gave each person', async () => {
    const hub = await startTestHub(database);
    try {
      const people = Object.entries(expected.aidByPerson!).filter(([k]) => /^\d{17}[\dX]$/.test(k));
      expect(people.length).toBeGreaterThan(PERSONS / 2);
      for (let i = 0; i < people.length; i += 40) {
        // 40 persons × 6 fields stay under the hub's per-query field limit.
        const chunk = people.slice(i, i + 40);
        const query = `{ ${chunk.map(([id], j) => `p${j}: person(idNumber: "${id}") { aid(first: 500, filter: { includeDuplicates: true }) { totalCount edges { node { system recordId } } } }`).join(' ')} }`;
        const r = await gql<Record<string, { aid: { totalCount: number; edges: Array<{ node: { system: string; recordId: string } }> } } | null>>(hub.url, query);
        expect(r.body.errors).toBeUndefined();
        chunk.forEach(([id, want], j) => {
          const got = (r.body.data![`p${j}`]?.aid.edges ?? []).map((e) => `${e.node.system}:${e.node.recordId}`).sort();
          expect({ id, aid: got }).toEqual({ id, aid: want.map((w) => `${w.system}:${w.recordId}`).sort() });
        });
      }
    } finally {
      await hub.close();
    }
  }, 120_000);

  it('derives exactly the expected duplicates, conflicts, suspected duplicates, links and excess (rules 2–5)', async () => {
    expect(await overlapTotals(database)).toEqual(expectedOverlap(expected));
  });

  it('shows each quarter\'s fund inflows and outflows by value date, as expected.json computes them from the final versions', async () => {
    const quarters = Object.keys(expected.funds);
    expect(quarters.length).toBeGreaterThan(4);
    for (const q of quarters) {
      const r = await quarterlyReport(database.db, Number(q.slice(0, 4)), Number(q.slice(5)));
      const got = Object.fromEntries(
        r.funds.filter((f) => f.inflows !== 0n || f.outflows !== 0n).map((f) => [f.fund, { inflowsFen: Number(f.inflows), outflowsFen: Number(f.outflows) }]),
      );
      expect({ quarter: q, funds: got }).toEqual({ quarter: q, funds: expected.funds[q] });
    }
  }, 120_000);

  it('puts every civil-affairs member in its household and county, status rows corrected to another householder or county included', async () => {
    const got = await rows<{ id: string; households: string | null; county: string | null }>(
      database.db,
      sql`SELECT p.id_number AS id, p.county_code AS county,
            (SELECT string_agg(h.key, ',' ORDER BY h.key) FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id = p.id) AS households
          FROM persons p WHERE p.merged_into IS NULL AND p.id_number IS NOT NULL`,
    );
    const byId = new Map(got.map((r) => [r.id, { household: r.households, county: r.county }]));
    const members = expected.civilMembers!;
    expect(Object.keys(members).length).toBeGreaterThan(0);
    expect(Object.fromEntries(Object.keys(members).map((id) => [id, byId.get(id)]))).toEqual(members);
  });

  it('re-ingesting every file changes nothing', async () => {
    const snapshot = async () =>
      rows<{ t: string; n: string }>(
        database.db,
        sql`SELECT 'persons' AS t, count(*)::text AS n FROM persons UNION ALL SELECT 'aid', count(*)::text FROM aid_records
            UNION ALL SELECT 'versions', count(*)::text FROM aid_record_versions UNION ALL SELECT 'settlements', count(*)::text FROM settlements
            UNION ALL SELECT 'statuses', count(*)::text FROM statuses UNION ALL SELECT 'members', count(*)::text FROM household_members
            UNION ALL SELECT 'quarantine', count(*)::text FROM quarantine UNION ALL SELECT 'sources', count(*)::text FROM source_records
            UNION ALL SELECT 'merges', count(*)::text FROM person_merges UNION ALL SELECT 'amount', COALESCE(sum(amount_fen), 0)::text FROM aid_records`,
      );
    const before = await snapshot();
    const now = new Date('2026-11-01T00:00:00+08:00');
    for (const f of deliveryOrder(expected, 7)) {
      const s = await ingestFile(database, f.system, path.join(dir, f.file), { now });
      expect({ file: f.file, new: s.new, updated: s.updated }).toEqual({ file: f.file, new: 0, updated: 0 });
    }
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
