/**
 * The report files member units open (issue 16): the XLSX read back with exceljs adds up under every grouping
 * with suppression on and off; every role but the platform gets small cells suppressed; the published bundle
 * is the same bytes again; the key-recipient ratio of a hand-worked small province.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { generateProvince } from '../../generator/index.ts';
import type { Database } from '../../src/db/client.ts';
import { rows } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput, ingestFile } from '../../src/ingest/service.ts';
import { quarterlyReport, type Dimension } from '../../src/reports/quarterly.ts';
import { reportDocument } from '../../src/reports/document.ts';
import { reportXlsx, SHEETS, YUAN_FORMAT } from '../../src/reports/xlsx.ts';
import { publishBundle, publishedReport } from '../../src/reports/publish.ts';
import { quarterIndicators } from '../../src/reports/indicators.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { deliveryOrder } from '../support/order.ts';
import { civilPaymentFile, civilStatusFile, idNumber, settlementFile } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
let dir: string;
const now = new Date('2026-11-01T00:00:00+08:00');

beforeAll(async () => {
  database = await testDatabase();
  await resetDatabase(database);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-report-files-'));
  const expected = await generateProvince({ persons: 250, seed: 16, out: path.join(dir, 'province') });
  for (const f of deliveryOrder(expected, 5)) await ingestFile(database, f.system, path.join(dir, 'province', f.file), { now });
  hub = await startTestHub(database);
}, 300_000);
afterAll(async () => {
  await hub?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function workbook(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return wb;
}

/** A sheet as header → column values, data rows and the totals row apart. */
function table(ws: ExcelJS.Worksheet) {
  const header = (ws.getRow(1).values as string[]).slice(1);
  const all: ExcelJS.CellValue[][] = [];
  ws.eachRow((r, n) => n > 1 && all.push(header.map((_, i) => r.getCell(i + 1).value)));
  const col = (name: string) => header.findIndex((h) => h.endsWith(` ${name}`));
  return { header, body: all.slice(0, -1), totals: all.at(-1)!, col };
}

const fen = (v: ExcelJS.CellValue) => (v === null || v === undefined ? 0 : Math.round(Number(v) * 100));

function expectAddsUp(ws: ExcelJS.Worksheet, yuan: string[], counts: string[], suppressed: boolean) {
  const t = table(ws);
  for (const k of yuan) expect({ column: k, sum: t.body.reduce((s, r) => s + fen(r[t.col(k)]!), 0) }).toEqual({ column: k, sum: fen(t.totals[t.col(k)]!) });
  for (const k of counts) expect({ column: k, sum: t.body.reduce((s, r) => s + Number(r[t.col(k)] ?? 0), 0) }).toEqual({ column: k, sum: Number(t.totals[t.col(k)]) });
  const persons = t.body.map((r) => r[t.col('persons')]);
  if (suppressed) {
    expect(persons.filter((p) => p === 1 || p === 2)).toEqual([]);
    // A <3 row shows no figure at all.
    for (const r of t.body.filter((x) => x[t.col('persons')] === '<3')) for (const k of [...yuan, ...counts]) expect(r[t.col(k)]).toBeNull();
  } else {
    expect(persons).not.toContain('<3');
  }
  return t;
}

describe(`the report files (${testDbKind})`, () => {
  const groupings: Dimension[][] = [[], ['SYSTEM'], ['AGENCY'], ['PROGRAM'], ['COUNTY'], ['CITY'], ['CATEGORY'], ['COUNTY', 'CATEGORY', 'PROGRAM'], ['AGENCY', 'CITY']];

  it('XLSX: rows add up to the totals under every grouping, suppression on and off; names beside every code', async () => {
    let smallSeen = 0;
    for (const groupBy of groupings) {
      for (const suppress of [false, true]) {
        const doc = await reportDocument(database.db, 2026, 1, { groupBy, suppress });
        const wb = await workbook(await reportXlsx(doc));
        expect(wb.worksheets.map((w) => w.name)).toEqual([SHEETS.summary, SHEETS.funds, SHEETS.indicators, SHEETS.notes]);
        const s = expectAddsUp(wb.getWorksheet(SHEETS.summary)!, ['amount', 'duplicateAmount', 'excess'], ['personTimes', 'duplicateCount'], suppress);
        smallSeen += s.body.filter((r) => r[s.col('persons')] === '<3').length;
        // Amounts are numbers shown #,##0.00 (the totals row too).
        const amountCells: ExcelJS.Cell[] = [];
        wb.getWorksheet(SHEETS.summary)!.getColumn(s.col('amount') + 1).eachCell((c, n) => n > 1 && typeof c.value === 'number' && amountCells.push(c));
        expect(amountCells.length).toBeGreaterThan(0);
        expect(new Set(amountCells.map((c) => c.numFmt))).toEqual(new Set([YUAN_FORMAT]));
        // Every code has its name beside it (the fold row's too).
        for (const d of doc.groupBy) {
          const code = s.header.findIndex((h) => h.endsWith(` ${d.toLowerCase()}`));
          for (const r of s.body) expect({ code: r[code], name: typeof r[code + 1] === 'string' && (r[code + 1] as string).length > 0 }).toEqual({ code: r[code], name: true });
        }
        expectAddsUp(wb.getWorksheet(SHEETS.indicators)!, ['keyPolicyScope', 'keyCovered', 'burdenLeft'], ['stays', 'keyStays', 'missedAssistance', 'warningsOpened', 'warningsClosed'], suppress);
        expectAddsUp(wb.getWorksheet(SHEETS.funds)!, ['opening', 'inflows', 'outflows', 'closing', 'paidNotArrived'], [], false);
        // Whole or suppressed, the totals are the report's.
        const live = await quarterlyReport(database.db, 2026, 1, groupBy);
        expect(fen(s.totals[s.col('amount')]!)).toBe(Number(live.totals.amount));
        expect(s.totals[s.col('personTimes')]).toBe(live.totals.personTimes);
        const notes = wb.getWorksheet(SHEETS.notes)!.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n');
        expect(notes).toContain(suppress ? '已应用 applied' : '未应用 not applied');
        expect(notes).toContain('暂定 provisional');
      }
    }
    // The fine groupings of a small province do have small cells: suppression was exercised.
    expect(smallSeen).toBeGreaterThan(0);
  }, 180_000);

  it('JSON and CSV: the default grouping when none is asked; codes and names', async () => {
    const doc = await reportDocument(database.db, 2026, 1, { suppress: false });
    expect(doc.groupBy).toEqual(['AGENCY', 'PROGRAM']);
    expect(doc.rows.length).toBeGreaterThan(3);
    expect(doc.rows.every((r) => r.agencyName !== null && r.programName !== null)).toBe(true);
    expect(doc.rows.find((r) => r.agency === 'charity-federation')?.agencyName).toBe('海南省慈善总会');
    // No all-zero row.
    expect(doc.rows.filter((r) => r.persons === 0 && r.personTimes === 0 && r.duplicateCount === 0 && r.amount === '0.00')).toEqual([]);
  }, 180_000);

  it('every role but the platform gets small cells suppressed through the API; rows still add up', async () => {
    const q = `{ quarterlyReport(year: 2026, quarter: 1, groupBy: [COUNTY, CATEGORY, PROGRAM]) { suppressed totals { persons personTimes amount }
      rows { county countyName category categoryName program programName persons personsText personTimes amount suppressed fold } } }`;
    type R = { quarterlyReport: { suppressed: boolean; totals: { persons: number; personTimes: number; amount: string }; rows: Array<Record<string, any>> } };
    const caseworker = await hub.token({ role: 'CASEWORKER', agency: 'civil-affairs', county: '460105' });
    const cw = await gql<R>(hub.url, q, {}, { authorization: `Bearer ${caseworker}` });
    const pf = await gql<R>(hub.url, q);
    expect(cw.body.errors).toBeUndefined();
    expect(pf.body.errors).toBeUndefined();
    const c = cw.body.data!.quarterlyReport;
    const p = pf.body.data!.quarterlyReport;
    expect([c.suppressed, p.suppressed]).toEqual([true, false]);
    expect(c.totals).toEqual(p.totals);
    const sumFen = (rs: Array<Record<string, any>>) => rs.reduce((s, r) => s + Math.round(Number(r.amount) * 100), 0);
    expect(sumFen(c.rows)).toBe(Math.round(Number(c.totals.amount) * 100));
    expect(c.rows.reduce((s, r) => s + r.personTimes, 0)).toBe(c.totals.personTimes);
    expect(c.rows.filter((r) => r.persons === 1 || r.persons === 2)).toEqual([]);
    expect(c.rows.some((r) => r.personsText === '<3' && r.suppressed && r.persons === 0 && r.amount === '0.00')).toBe(true);
    expect(c.rows.filter((r) => r.fold)).toHaveLength(1);
    expect(p.rows.filter((r) => r.persons === 1 || r.persons === 2).length).toBeGreaterThan(0);
    expect(p.rows.some((r) => r.suppressed || r.fold)).toBe(false);
    expect(p.rows[0]!.countyName).toBeTruthy();

    const file = await gql<{ quarterlyReportFile: { filename: string; contentType: string; base64: string; sha256: string } }>(
      hub.url,
      '{ quarterlyReportFile(year: 2026, quarter: 1, format: XLSX, groupBy: [CITY, CATEGORY]) { filename contentType base64 sha256 } }',
      {},
      { authorization: `Bearer ${caseworker}` },
    );
    expect(file.body.errors).toBeUndefined();
    const f = file.body.data!.quarterlyReportFile;
    const bytes = Buffer.from(f.base64, 'base64');
    expect(f.filename).toBe('relief-hub-2026Q1.xlsx');
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    expectAddsUp((await workbook(bytes)).getWorksheet(SHEETS.summary)!, ['amount'], ['personTimes'], true);
    const csv = await gql<{ quarterlyReportFile: { filename: string; base64: string } }>(hub.url, '{ quarterlyReportFile(year: 2026, quarter: 1, format: CSV, section: FUNDS) { filename base64 } }');
    expect(csv.body.data!.quarterlyReportFile.filename).toBe('relief-hub-2026Q1-funds.csv');
    expect(Buffer.from(csv.body.data!.quarterlyReportFile.base64, 'base64').toString('utf8').startsWith('\ufeff资金账户 fund')).toBe(true);
    const charity = await hub.token({ role: 'CHARITY', sub: 'c1' });
    const refused = await gql(hub.url, '{ quarterlyReportFile(year: 2026, quarter: 1, format: JSON) { filename } }', {}, { authorization: `Bearer ${charity}` });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  }, 180_000);

  it('publish: freezes the quarter and writes the suppressed bundle with its manifest; made again, the same bytes', async () => {
    const a = path.join(dir, 'bundle-a');
    const b = path.join(dir, 'bundle-b');
    const first = await publishBundle(database.db, 2026, 2, a, 'test', new Date('2026-07-02T09:00:00+08:00'));
    expect(first.published).toBe(true);
    const names = fs.readdirSync(a).sort();
    expect(names).toEqual(['manifest.json', 'relief-hub-2026Q2-funds.csv', 'relief-hub-2026Q2-indicators.csv', 'relief-hub-2026Q2-summary.csv', 'relief-hub-2026Q2.json', 'relief-hub-2026Q2.xlsx']);
    const manifest = JSON.parse(fs.readFileSync(path.join(a, 'manifest.json'), 'utf8')) as { publishedAt: string; files: Array<{ name: string; sha256: string; bytes: number }> };
    expect(manifest.publishedAt).toBe('2026-07-02T01:00:00.000Z');
    expect(manifest.files.map((f) => f.name).sort()).toEqual(names.filter((n) => n !== 'manifest.json'));
    for (const f of manifest.files) expect(crypto.createHash('sha256').update(fs.readFileSync(path.join(a, f.name))).digest('hex')).toBe(f.sha256);
    const json = JSON.parse(fs.readFileSync(path.join(a, 'relief-hub-2026Q2.json'), 'utf8'));
    expect(Object.keys(json).slice(0, 3)).toEqual(['year', 'quarter', 'from']);
    expect(json).toMatchObject({ year: 2026, quarter: 2, status: 'PUBLISHED', suppression: true, groupBy: ['AGENCY', 'PROGRAM'], generatedAt: '2026-07-02T01:00:00.000Z' });

    // New data for the quarter after publication changes the live report, not the bundle.
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('late.csv', civilPaymentFile([{ id: 'LATE-16', person: idNumber(160), amount: '777.00', approved: '2026/5/1', paid: '2026/5/3' }])), { now });
    await new Promise((r) => setTimeout(r, 2100)); // past the ZIP times' two-second resolution
    const again = await publishBundle(database.db, 2026, 2, b, 'test');
    expect([again.published, again.identical]).toEqual([false, true]);
    for (const n of names) expect({ file: n, same: fs.readFileSync(path.join(a, n)).equals(fs.readFileSync(path.join(b, n))) }).toEqual({ file: n, same: true });

    // A member unit downloading the published quarter gets the same file; the platform's published report stays whole.
    const caseworker = await hub.token({ role: 'CASEWORKER', agency: 'health', county: '469002' });
    const dl = await gql<{ quarterlyReportFile: { sha256: string } }>(hub.url, '{ quarterlyReportFile(year: 2026, quarter: 2, format: XLSX) { sha256 } }', {}, { authorization: `Bearer ${caseworker}` });
    expect(dl.body.data!.quarterlyReportFile.sha256).toBe(manifest.files.find((f) => f.name.endsWith('.xlsx'))!.sha256);
    type P = { publishedQuarterlyReport: { report: { suppression?: boolean; totals: { personTimes: number }; rows: Array<{ persons: number }> } } };
    const issuedQ = '{ publishedQuarterlyReport(year: 2026, quarter: 2) { report } }';
    const toUnit = (await gql<P>(hub.url, issuedQ, {}, { authorization: `Bearer ${caseworker}` })).body.data!.publishedQuarterlyReport.report;
    const toPlatform = (await gql<P>(hub.url, issuedQ)).body.data!.publishedQuarterlyReport.report;
    expect([toUnit.suppression, toPlatform.suppression]).toEqual([true, undefined]);
    expect(toUnit.totals.personTimes).toBe(toPlatform.totals.personTimes);
    expect(toUnit).toEqual(json);
    // The platform's download of the published quarter is today's figures, and says so.
    const live = await reportDocument(database.db, 2026, 2, { suppress: false });
    expect([live.status, live.publishedAt]).toEqual(['LIVE', '2026-07-02T01:00:00.000Z']);
    expect(live.totals.personTimes).toBe(json.totals.personTimes + 1);
    const p = await publishedReport(database.db, 2026, 2);
    expect(p!.document!.suppression).toBe(true);
    expect(p!.manifest).toEqual(manifest);
    expect(p!.document!.totals.personTimes).toBe(p!.report.totals.personTimes);
    expect(p!.document!.rows.filter((r) => r.persons === 1 || r.persons === 2)).toEqual([]);
  }, 180_000);
});

describe(`the key-recipient assistance ratio of a hand-worked province (${testDbKind})`, () => {
  // A (低保, Haikou 460105), B (特困, Qionghai 469002), C (no status, 460105), D (低保 ended 2025-12-31, 460105).
  const A = idNumber(1, { county: '460105' });
  const B = idNumber(2, { county: '469002' });
  const C = idNumber(3, { county: '460105' });
  const D = idNumber(4, { county: '460105' });
  const load = (system: string, name: string, content: Buffer) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });

  beforeAll(async () => {
    await resetDatabase(database);
    await load('civil-affairs', 'st.csv', civilStatusFile([
      { householder: A, member: A, category: '低保' },
      { householder: B, member: B, category: '特困供养', county: '469002' },
      { householder: D, member: D, category: '低保', from: '2025/1/5', to: '2025/12/31' },
    ]));
    await load('medical-insurance', 's.ndjson', settlementFile([
      // B = total − basic − critical − assistance fund
      { id: 'S-A1', person: A, total: 50000, scope: 40000, basic: 25000, critical: 5000, maf: 8000, discharged: '2026-02-01' }, // B 12000
      { id: 'S-A2', person: A, total: 10000, scope: 10000, basic: 6000, critical: 0, maf: 0, discharged: '2026-03-01' }, // B 4000, missed assistance
      { id: 'S-B1', person: B, total: 30000, scope: 30000, basic: 15000, critical: 0, maf: 3000, discharged: '2026-02-10' }, // B 12000
      { id: 'S-C1', person: C, total: 20000, scope: 20000, basic: 10000, critical: 0, maf: 0, discharged: '2026-01-20' }, // B 10000
      { id: 'S-D1', person: D, total: 10000, scope: 10000, basic: 5000, critical: 0, maf: 0, discharged: '2026-01-25' }, // B 5000
      { id: 'S-A0', person: A, total: 10000, scope: 10000, basic: 5000, critical: 0, maf: 5000, discharged: '2025-12-30' }, // Q4 2025: not in Q1
    ]));
    await load('civil-affairs', 'pay.csv', civilPaymentFile([
      { id: 'P-A1', person: A, amount: '10000.00', settlement: 'S-A1', approved: '2026/2/3', paid: '2026/2/5' },
      { id: 'P-B1', person: B, amount: '15000.00', settlement: 'S-B1', approved: '2026/2/12', paid: '2026/2/15' }, // 3000 above B's burden
    ]));
    // Red Cross: a social channel, not public aid; 1000 above A's stay's remaining burden.
    const rc = { donations: [], grants: [{ grantId: 'G-A1', patientIdNo: A, patientName: '某某', amount: '3000.00', grantedAt: '2026-02-20T02:00:00Z', settlementId: 'S-A1', voucherNo: null }] };
    await load('red-cross', 'rc.json', Buffer.from(JSON.stringify(rc)));
  }, 120_000);

  it('covered = assistance fund + counted public aid net of excess, over key recipients’ policy-scope cost', async () => {
    // Key stays: S-A1 (scope 40000, covered 8000 + 10000), S-A2 (10000, 0), S-B1 (30000, 3000 + 15000 − 3000 excess).
    const byCity = await quarterIndicators(database.db, 2026, 1, ['CITY']);
    expect(byCity.totals).toMatchObject({ stays: 5, keyStays: 3, keyPolicyScope: 8_000_000n, keyCovered: 3_300_000n, missedAssistance: 1 });
    // Burden left after all aid: S-A1 max(0, 12000 − 13000) + S-A2 4000 + S-B1 0 + S-C1 10000 + S-D1 5000.
    expect(byCity.totals.burdenLeft).toBe(1_900_000n);
    expect(byCity.rows.map((r) => [r.city, r.stays, r.keyStays, r.keyPolicyScope, r.keyCovered])).toEqual([
      ['4601', 4, 2, 5_000_000n, 1_800_000n],
      ['469002', 1, 1, 3_000_000n, 1_500_000n],
    ]);
    const doc = await reportDocument(database.db, 2026, 1, { groupBy: ['CATEGORY'], suppress: false });
    expect(doc.indicatorTotals.keyRatio).toBe('41.25');
    expect(Object.fromEntries(doc.indicators.map((r) => [r.category, [r.stays, r.keyRatio]]))).toEqual({
      EXTREMELY_POOR: [1, '50.00'],
      MINIMUM_LIVING: [2, '36.00'],
      NONE: [2, null],
    });
    // Suppressed: B alone in Qionghai is <3 and folded; the totals do not change.
    const sup = await reportDocument(database.db, 2026, 1, { groupBy: ['CITY'], suppress: true });
    const qh = sup.indicators.find((r) => r.city === '469002')!;
    expect([qh.personsText, qh.keyRatio, qh.stays]).toEqual(['<3', null, 0]);
    expect(sup.indicatorTotals.keyRatio).toBe('41.25');
  }, 180_000);

  it('counts warnings opened and closed in the quarter the hub opened and closed them', async () => {
    const { y, q } = (await rows<{ y: number; q: number }>(
      database.db,
      sql`SELECT extract(year FROM now() AT TIME ZONE 'UTC' + interval '8 hours')::int AS y, extract(quarter FROM now() AT TIME ZONE 'UTC' + interval '8 hours')::int AS q`,
    ))[0]!;
    const before = await quarterIndicators(database.db, y, q, ['CATEGORY']);
    expect(before.totals).toMatchObject({ warningsOpened: 1, warningsClosed: 0 });
    expect(before.rows.find((r) => r.category === 'MINIMUM_LIVING')).toMatchObject({ warningsOpened: 1 });
    // The insurance system corrects S-A2: the assistance fund paid after all, the warning closes.
    await load('medical-insurance', 's2.ndjson', settlementFile([{ id: 'S-A2', person: A, total: 10000, scope: 10000, basic: 6000, critical: 0, maf: 4000, discharged: '2026-03-01' }]));
    const after = await quarterIndicators(database.db, y, q, []);
    expect(after.totals).toMatchObject({ warningsOpened: 1, warningsClosed: 1 });
    const q1 = await quarterIndicators(database.db, 2026, 1, []);
    expect(q1.totals).toMatchObject({ missedAssistance: 0, keyCovered: 3_700_000n });
  }, 180_000);
});
