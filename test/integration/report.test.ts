/** The quarterly report: totals reconcile with the rules' outcome, rows add up, quarters are CST quarters. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProvince, type Expected } from '../../generator/index.ts';
import type { Database } from '../../src/db/client.ts';
import { sql } from 'drizzle-orm';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput, ingestFile } from '../../src/ingest/service.ts';
import { quarterlyReport, type ReportRow } from '../../src/reports/quarterly.ts';
import { documentCsv } from '../../src/reports/format.ts';
import { reportDocument } from '../../src/reports/document.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { deliveryOrder } from '../support/order.ts';
import { idNumber } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
let expected: Expected;
let dir: string;
const now = new Date('2026-11-01T00:00:00+08:00');
const QUARTERS = [2025, 2026].flatMap((y) => [1, 2, 3, 4].map((q) => [y, q] as const));

beforeAll(async () => {
  database = await testDatabase();
  await resetDatabase(database);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-report-'));
  expected = await generateProvince({ persons: 600, seed: 9, out: dir });
  for (const f of deliveryOrder(expected, 3)) await ingestFile(database, f.system, path.join(dir, f.file), { now });
  hub = await startTestHub(database);
}, 300_000);
afterAll(async () => {
  await hub?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sum = (rows: ReportRow[], k: 'amount' | 'duplicateAmount' | 'excess') => rows.reduce((s, r) => s + r[k], 0n);
const count = (rows: ReportRow[], k: 'personTimes' | 'duplicateCount') => rows.reduce((s, r) => s + r[k], 0);

describe(`the quarterly report (${testDbKind})`, () => {
  it('over all quarters, counts exactly the counted aid, the duplicates and the excess the rules yield, per agency too', async () => {
    let amount = 0n;
    let times = 0;
    let dups = 0;
    let excess = 0n;
    const dupByAgency: Record<string, number> = {};
    const excessByAgency: Record<string, number> = {};
    for (const [y, q] of QUARTERS) {
      const r = await quarterlyReport(database.db, y, q, ['AGENCY']);
      amount += r.totals.amount;
      times += r.totals.personTimes;
      dups += r.totals.duplicateCount;
      excess += r.totals.excess;
      for (const row of r.rows) {
        if (row.duplicateCount) dupByAgency[row.agency!] = (dupByAgency[row.agency!] ?? 0) + row.duplicateCount;
        if (row.excess) excessByAgency[row.agency!] = (excessByAgency[row.agency!] ?? 0) + Number(row.excess);
      }
    }
    expect({ amount: Number(amount), times, dups, excess: Number(excess) }).toEqual({
      amount: expected.aid.counted.amountFen,
      times: expected.aid.counted.count,
      dups: expected.aid.duplicates.count,
      excess: expected.aid.excess.amountFen,
    });
    expect(dupByAgency).toEqual(Object.fromEntries(Object.entries(expected.aid.duplicates.byAgency).map(([k, v]) => [k, v.count])));
    expect(excessByAgency).toEqual(Object.fromEntries(Object.entries(expected.aid.excess.byAgency).map(([k, v]) => [k, v.amountFen])));
  });

  it('per quarter and agency: exactly the persons, person-times and amounts of expected.json', async () => {
    expect(Object.keys(expected.quarterly).length).toBeGreaterThan(4);
    for (const [key, byAgency] of Object.entries(expected.quarterly)) {
      const r = await quarterlyReport(database.db, Number(key.slice(0, 4)), Number(key.slice(5)), ['AGENCY']);
      const got = Object.fromEntries(r.rows.filter((x) => x.personTimes > 0).map((x) => [x.agency, { persons: x.persons, personTimes: x.personTimes, amountFen: Number(x.amount) }]));
      expect({ quarter: key, rows: got }).toEqual({ quarter: key, rows: byAgency });
    }
  });

  it('rows add up to the totals, whatever the grouping; distinct persons never exceed their sum', async () => {
    for (const groupBy of [['AGENCY', 'COUNTY'], ['PROGRAM', 'CATEGORY'], ['CITY'], ['SYSTEM']] as const) {
      const r = await quarterlyReport(database.db, 2026, 1, [...groupBy]);
      expect(sum(r.rows, 'amount')).toBe(r.totals.amount);
      expect(sum(r.rows, 'excess')).toBe(r.totals.excess);
      expect(sum(r.rows, 'duplicateAmount')).toBe(r.totals.duplicateAmount);
      expect(count(r.rows, 'personTimes')).toBe(r.totals.personTimes);
      expect(count(r.rows, 'duplicateCount')).toBe(r.totals.duplicateCount);
      expect(r.rows.reduce((s, x) => s + x.persons, 0)).toBeGreaterThanOrEqual(r.totals.persons);
      expect(r.totals.amount).toBeGreaterThan(0n);
    }
  });

  it('is served over GraphQL and as CSV for Excel (UTF-8 with BOM, bilingual headers)', async () => {
    const g = await gql<{ quarterlyReport: { totals: { amount: string; personTimes: number }; rows: Array<{ agency: string }>; funds: Array<{ fund: string; closing: string; overdrawn: boolean }> } }>(
      hub.url,
      '{ quarterlyReport(year: 2026, quarter: 1, groupBy: [AGENCY]) { totals { amount personTimes } rows { agency } funds { fund closing overdrawn } } }',
    );
    expect(g.body.errors).toBeUndefined();
    const direct = await quarterlyReport(database.db, 2026, 1, ['AGENCY']);
    expect(g.body.data!.quarterlyReport.totals.personTimes).toBe(direct.totals.personTimes);
    expect(g.body.data!.quarterlyReport.funds.length).toBeGreaterThan(10);
    const csv = documentCsv(await reportDocument(database.db, 2026, 1, { groupBy: ['AGENCY'], suppress: false }), 'summary');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1).split('\r\n')[0]).toBe(
      '部门代码 agency,部门 agencyName,救助人数 persons,救助人次 personTimes,救助金额(元) amount,剔除重复上报笔数 duplicateCount,剔除重复上报金额(元) duplicateAmount,超额救助(元) excess',
    );
    const bad = await gql(hub.url, '{ quarterlyReport(year: 2026, quarter: 5) { totals { amount } } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe(`publishing freezes a quarter (${testDbKind})`, () => {
  it('keeps the report as issued; late data shows as an adjustment in the next report, never as a silent change', async () => {
    const pub = await gql<{ publishQuarterlyReport: { groupBy: string[]; report: { totals: { amount: string; personTimes: number } } } }>(
      hub.url,
      'mutation { publishQuarterlyReport(year: 2026, quarter: 1) { groupBy report } }',
    );
    expect(pub.body.errors).toBeUndefined();
    const issued = pub.body.data!.publishQuarterlyReport.report.totals;
    const live = await quarterlyReport(database.db, 2026, 1);
    expect(issued.personTimes).toBe(live.totals.personTimes);

    // A payment of 2026 Q1 arrives after publication.
    const late = ['救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态', `LATE-1,${idNumber(98)},某某,1234.50,2026/2/1,2026/2/10,,,,已发放`].join('\n');
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('late.csv', (await import('iconv-lite')).default.encode(late, 'gb18030')), { now });
    const again = await gql<{ publishedQuarterlyReport: { report: { totals: { amount: string; personTimes: number } } } }>(
      hub.url,
      '{ publishedQuarterlyReport(year: 2026, quarter: 1) { report } }',
    );
    expect(again.body.data!.publishedQuarterlyReport.report.totals).toEqual(issued);
    const next = await gql<{ quarterlyReport: { adjustments: Array<Record<string, unknown>>; publishedAt: string | null } }>(
      hub.url,
      '{ quarterlyReport(year: 2026, quarter: 2) { publishedAt adjustments { year quarter agency program personTimes amount duplicateCount excess } } }',
    );
    expect(next.body.data!.quarterlyReport).toEqual({
      publishedAt: null,
      adjustments: [{ year: 2026, quarter: 1, agency: 'civil-affairs', program: 'TEMPORARY_ASSISTANCE', personTimes: 1, amount: '1234.50', duplicateCount: 0, excess: '0.00' }],
    });
    const twice = await gql(hub.url, 'mutation { publishQuarterlyReport(year: 2026, quarter: 1) { year } }');
    expect(twice.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const early = await gql(hub.url, 'mutation { publishQuarterlyReport(year: 2099, quarter: 1) { year } }');
    expect(early.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await expect(database.db.execute(sql`DELETE FROM published_reports`)).rejects.toThrow();
  });
});

describe(`quarters are China Standard Time quarters (${testDbKind})`, () => {
  it('a grant at 23:30 on 31 March in UTC+8 is in Q1, one at 00:30 on 1 April in Q2', async () => {
    await resetDatabase(database);
    const p = idNumber(99);
    const doc = {
      donations: [],
      grants: [
        { grantId: 'G-1', patientIdNo: p, patientName: '某某', amount: '100.00', grantedAt: '2026-03-31T15:30:00Z', settlementId: null, voucherNo: null },
        { grantId: 'G-2', patientIdNo: p, patientName: '某某', amount: '200.00', grantedAt: '2026-03-31T16:30:00Z', settlementId: null, voucherNo: null },
      ],
    };
    await ingest(database, adapterFor('red-cross')!, bufferInput('rc.json', Buffer.from(JSON.stringify(doc))), { now });
    expect((await quarterlyReport(database.db, 2026, 1)).totals.amount).toBe(10000n);
    expect((await quarterlyReport(database.db, 2026, 2)).totals.amount).toBe(20000n);
  });
});
