/**
 * The quarterly report reads the payer's county and category from derived columns of aid_records (issue 17):
 * a correction that changes only a person's county, or only a status, must move the aid already there to its
 * new row of the report, and the report must be the one a fresh database fed only the final deliveries gives.
 * Neither correction re-delivers the aid record: only the derivation can refresh what the report reads.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { categoryOn } from '../../src/shared/rules.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { quarterlyReport, type Dimension } from '../../src/reports/quarterly.ts';
import { cityOf, reportCounty } from '../../src/identity/regions.ts';
import { rederiveEverything } from '../../src/overlap/consequences.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { civilPaymentFile, civilStatusFile, idNumber } from '../support/builders.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(301);
const Q = idNumber(302);

type Delivery = [system: string, name: string, content: Buffer];

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);
beforeEach(async () => resetDatabase(database));

const deliver = (...[system, name, content]: Delivery) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
const J = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
type Row = { key: Array<string | null>; personTimes: number };
const byKey = (rows: Row[]) => [...rows].sort((a, b) => J(a.key).localeCompare(J(b.key)));
/** The 2026 Q1 rows by `dims`: the dimension values and person-times of each row with aid, by key. */
const rowsBy = async (dims: Dimension[]): Promise<Row[]> =>
  byKey((await quarterlyReport(database.db, 2026, 1, dims)).rows.filter((r) => r.personTimes > 0).map((r) => ({ key: dims.map((d) => r[d.toLowerCase() as 'county']), personTimes: r.personTimes })));
/** Every grouping the test looks at, as JSON (compared between the corrected database and a fresh one). */
const report = async () => J(await Promise.all(([['COUNTY'], ['CITY'], ['CATEGORY'], ['COUNTY', 'CATEGORY', 'SYSTEM']] as Dimension[][]).map((g) => quarterlyReport(database.db, 2026, 1, g))));

/**
 * The aid records whose derived county or category is not what the person's row and the rule give now (the
 * report falls back to the rule only for a record no derivation has covered; after an ingest there is none).
 */
const stale = () =>
  rows<{ record: string }>(
    database.db,
    sql`SELECT a.record_id AS record FROM aid_records a JOIN persons p ON p.id = a.person_id
        WHERE a.category_on_paid IS NULL OR a.category_on_paid <> ${categoryOn(sql`a.person_id`, sql`a.paid_on`)}
           OR a.person_county_code IS DISTINCT FROM p.county_code
        ORDER BY 1`,
  );

/** Delivers `sequence`; expects the report of a fresh database fed only `finals` (the database ends with the sequence's result). */
async function expectSameReportAsFresh(sequence: Delivery[], finals: Delivery[]): Promise<void> {
  await resetDatabase(database);
  for (const f of finals) await deliver(...f);
  const fresh = await report();
  await resetDatabase(database);
  for (const d of sequence) await deliver(...d);
  expect(await report()).toBe(fresh);
  expect(await stale()).toEqual([]);
}

describe(`the quarterly report follows corrections of what it groups by (${testDbKind})`, () => {
  it("a status re-sent with only its county (行政区划) corrected moves the person's earlier payment to the new county and city", async () => {
    const status = (county: string, name: string): Delivery => ['civil-affairs', name, civilStatusFile([{ householder: P, member: P, county }])];
    // Q's payment stays where it is: the report changes only for the person corrected.
    const other: Delivery = ['civil-affairs', 'q.csv', civilStatusFile([{ householder: Q, member: Q, county: '469027' }])];
    const pay: Delivery = ['civil-affairs', 'pay.csv', civilPaymentFile([{ id: 'PAY-P', person: P, paid: '2026/2/5' }, { id: 'PAY-Q', person: Q, paid: '2026/2/6' }])];
    await deliver(...status('469027', 'a.csv'));
    await deliver(...other);
    await deliver(...pay);
    expect(await rowsBy(['COUNTY'])).toEqual([{ key: [reportCounty('469027')], personTimes: 2 }]);
    const categories = await rowsBy(['CATEGORY']);

    await deliver(...status('460106', 'b.csv'));
    expect(await stale()).toEqual([]);
    expect(await rowsBy(['COUNTY'])).toEqual(
      byKey([
        { key: [reportCounty('460106')], personTimes: 1 },
        { key: [reportCounty('469027')], personTimes: 1 },
      ]),
    );
    expect(await rowsBy(['CITY'])).toEqual(
      byKey([
        { key: [cityOf('460106')], personTimes: 1 },
        { key: [cityOf('469027')], personTimes: 1 },
      ]),
    );
    expect(await rowsBy(['CATEGORY'])).toEqual(categories);

    await expectSameReportAsFresh([status('469027', 'a.csv'), other, pay, status('460106', 'b.csv')], [other, pay, status('460106', 'b.csv')]);
    // The other order: the correction before the payment.
    await expectSameReportAsFresh([status('469027', 'a.csv'), other, status('460106', 'b.csv'), pay], [other, pay, status('460106', 'b.csv')]);
  });

  it('a status re-sent with only its end date corrected (ended before the payment) moves the earlier payment to category NONE', async () => {
    const status = (to: string, name: string): Delivery => ['civil-affairs', name, civilStatusFile([{ householder: P, member: P, from: '2025/1/5', to }])];
    const other: Delivery = ['civil-affairs', 'q.csv', civilStatusFile([{ householder: Q, member: Q, from: '2025/1/5' }])];
    const pay: Delivery = ['civil-affairs', 'pay.csv', civilPaymentFile([{ id: 'PAY-P', person: P, paid: '2026/2/5' }, { id: 'PAY-Q', person: Q, paid: '2026/2/6' }])];
    await deliver(...status('', 'a.csv'));
    await deliver(...other);
    await deliver(...pay);
    const before = await rowsBy(['CATEGORY']);
    expect(before).toHaveLength(1);
    const held = before[0]!.key[0]!;
    expect(held).not.toBe('NONE');
    expect(before[0]!.personTimes).toBe(2);
    const counties = await rowsBy(['COUNTY']);

    await deliver(...status('2026/1/31', 'b.csv'));
    expect(await stale()).toEqual([]);
    expect(await rowsBy(['CATEGORY'])).toEqual(
      byKey([
        { key: [held], personTimes: 1 },
        { key: ['NONE'], personTimes: 1 },
      ]),
    );
    expect(await rowsBy(['COUNTY'])).toEqual(counties);

    await expectSameReportAsFresh([status('', 'a.csv'), other, pay, status('2026/1/31', 'b.csv')], [other, pay, status('2026/1/31', 'b.csv')]);
    // And back: corrected again to end after the payment, in force on the payment day again. (Not with the first
    // content again: an old version delivered again is a stale copy and changes nothing.)
    await expectSameReportAsFresh([status('', 'a.csv'), other, pay, status('2026/1/31', 'b.csv'), status('2026/12/31', 'c.csv')], [other, pay, status('2026/12/31', 'c.csv')]);
    expect((await rowsBy(['CATEGORY'])).map((r) => r.key[0])).toEqual([held]);
  });

  it('records from before migration 0020 (no derived county or category): the report asks the rule, and rederive fills them', async () => {
    await deliver('civil-affairs', 'a.csv', civilStatusFile([{ householder: P, member: P, county: '469027' }, { householder: Q, member: Q, county: '460106' }]));
    await deliver('civil-affairs', 'pay.csv', civilPaymentFile([{ id: 'PAY-P', person: P, paid: '2026/2/5' }, { id: 'PAY-Q', person: Q, paid: '2026/2/6' }]));
    const derived = await report();
    // What the migration leaves on records already there: the county copied from the person, the category unset.
    await database.db.execute(sql`UPDATE aid_records SET category_on_paid = NULL`);
    expect(await stale()).toHaveLength(2);
    expect(await report()).toBe(derived);
    const d = await rederiveEverything(database, now);
    expect([d.persons.all, d.duplicates, d.suspectedDuplicates]).toEqual([true, 0, 0]);
    expect(await stale()).toEqual([]);
    expect(await report()).toBe(derived);
  });
});
