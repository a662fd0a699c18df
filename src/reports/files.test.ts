/** The report's files from a hand-made document: sheets, names, formats, tables that add up, same bytes again. */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { reportXlsx, SHEETS, YUAN_FORMAT, PERCENT_FORMAT } from './xlsx.ts';
import { documentCsv } from './format.ts';
import type { DocIndicator, DocRow, ReportDocument } from './document.ts';
import { suppressSmallCells } from './suppress.ts';
import { bundleFiles, differingFiles } from './bundle.ts';

const row = (agency: string, agencyName: string, persons: number, times: number, amount: string, m: Partial<DocRow> = {}): DocRow => ({
  system: null,
  systemName: null,
  agency,
  agencyName,
  program: null,
  programName: null,
  county: null,
  countyName: null,
  city: null,
  cityName: null,
  category: null,
  categoryName: null,
  persons,
  personsText: String(persons),
  personTimes: times,
  amount,
  duplicateCount: 0,
  duplicateAmount: '0.00',
  excess: '0.00',
  suppressed: false,
  fold: false,
  ...m,
});

const indicator = (city: string | null, cityName: string | null, m: Partial<DocIndicator> = {}): DocIndicator => ({
  county: null,
  countyName: null,
  city,
  cityName,
  category: null,
  categoryName: null,
  persons: 5,
  personsText: '5',
  stays: 6,
  keyStays: 2,
  keyPolicyScope: '1000.00',
  keyCovered: '700.00',
  keyRatio: '70.00',
  burdenLeft: '120.50',
  missedAssistance: 1,
  warningsOpened: 2,
  warningsClosed: 0,
  suppressed: false,
  fold: false,
  ...m,
});

function doc(over: Partial<ReportDocument> = {}): ReportDocument {
  return {
    year: 2026,
    quarter: 1,
    from: '2026-01-01',
    to: '2026-03-31',
    groupBy: ['AGENCY'],
    indicatorGroupBy: ['CITY'],
    suppression: true,
    status: 'PUBLISHED',
    publishedAt: '2026-04-02T01:30:00.000Z',
    generatedAt: '2026-04-02T01:30:00.000Z',
    dataAsOf: '2026-04-01T08:00:00Z',
    rulesVersion: '2026.12',
    hubVersion: '0.1.0',
    policies: [{ code: 'CHARITY_GENERAL_HARDSHIP', version: 1, title: '慈善', effectiveFrom: '2024-01-01' }],
    rows: [
      row('charity-federation', '海南省慈善总会', 12, 14, '3491188.90'),
      row('red-cross', '海南省红十字会', 0, 0, '0.00', { personsText: '<3', suppressed: true }),
      row('SMALL_CELLS', '1–2人小单元合并', 3, 4, '1000.10', { fold: true }),
    ],
    totals: row('', '', 15, 18, '3492189.00', { agency: null, agencyName: null }),
    funds: [
      { fund: 'FUND:CHARITY_MEDICAL', agency: 'charity-federation', agencyName: '海南省慈善总会', program: 'CHARITY_MEDICAL', programName: '慈善医疗救助', opening: '10.00', inflows: '5.00', outflows: '20.00', closing: '-5.00', overdrawn: true, paidNotArrived: '1.00' },
      { fund: 'FUND:RED_CROSS_MEDICAL', agency: 'red-cross', agencyName: '海南省红十字会', program: 'RED_CROSS_MEDICAL', programName: '红十字医疗救助', opening: '100.00', inflows: '0.00', outflows: '0.00', closing: '100.00', overdrawn: false, paidNotArrived: '0.00' },
    ],
    indicators: [indicator('4601', '海口市'), indicator('4602', '三亚市', { keyRatio: null, keyPolicyScope: '0.00', keyCovered: '0.00', keyStays: 0 })],
    indicatorTotals: indicator(null, null, { persons: 10, personsText: '10', stays: 12, keyStays: 2, missedAssistance: 2, warningsOpened: 4, burdenLeft: '241.00' }),
    ...over,
  };
}

async function read(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return wb;
}

describe('the XLSX report', () => {
  it('has the summary, funds, indicators and 说明 sheets, names beside codes, #,##0.00 amounts, frozen headers', async () => {
    const wb = await read(await reportXlsx(doc()));
    expect(wb.worksheets.map((w) => w.name)).toEqual([SHEETS.summary, SHEETS.funds, SHEETS.indicators, SHEETS.notes]);
    const s = wb.getWorksheet(SHEETS.summary)!;
    expect(s.getRow(1).values).toEqual([, '部门代码 agency', '部门 agencyName', '救助人数 persons', '救助人次 personTimes', '救助金额(元) amount', '剔除重复上报笔数 duplicateCount', '剔除重复上报金额(元) duplicateAmount', '超额救助(元) excess']);
    expect(s.getCell('A2').value).toBe('charity-federation');
    expect(s.getCell('B2').value).toBe('海南省慈善总会');
    expect(s.getCell('E2').value).toBe(3491188.9);
    expect(s.getCell('E2').numFmt).toBe(YUAN_FORMAT);
    // A small cell: persons <3, its figures empty (they are in the fold row).
    expect(s.getCell('C3').value).toBe('<3');
    expect(s.getCell('E3').value).toBeNull();
    expect(s.getCell('A5').value).toBe('合计 total');
    expect(s.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    for (let c = 1; c <= 8; c++) expect(s.getColumn(c).width).toBeGreaterThanOrEqual(8);
    expect(s.getColumn(5).width).toBeGreaterThanOrEqual('3,491,188.90'.length);
    // The amounts add up to the totals row.
    const sum = [2, 3, 4].reduce((t, r) => t + Math.round(Number(s.getCell(`E${r}`).value ?? 0) * 100), 0);
    expect(sum).toBe(Math.round(Number(s.getCell('E5').value) * 100));

    const f = wb.getWorksheet(SHEETS.funds)!;
    expect(f.getCell('B2').value).toBe('海南省慈善总会');
    expect(f.getCell('J2').value).toBe('是');
    expect(f.getCell('I2').value).toBe(-5);
    expect(f.getCell('I4').value).toBe(95);
    expect(f.getCell('I2').numFmt).toBe(YUAN_FORMAT);

    const i = wb.getWorksheet(SHEETS.indicators)!;
    const header = (i.getRow(1).values as string[]).slice(1);
    const ratio = header.findIndex((h) => h.includes('keyRatio')) + 1;
    expect(i.getCell(2, ratio).value).toBeCloseTo(0.7, 10);
    expect(i.getCell(2, ratio).numFmt).toBe(PERCENT_FORMAT);
    expect(i.getCell(3, ratio).value).toBeNull();

    const n = wb.getWorksheet(SHEETS.notes)!;
    const text = n.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n');
    expect(text).toContain('已发布 published 2026-04-02 09:30');
    expect(text).toContain('数据截至');
    expect(text).toContain('CHARITY_GENERAL_HARDSHIP v1');
    expect(text).toContain('已应用 applied');
    expect(text).toContain('重点救助对象政策范围内费用救助比例 keyRatio');
    // Every column of every table is defined.
    for (const sheet of [s, f, i]) for (const h of (sheet.getRow(1).values as string[]).slice(1)) expect(text).toContain(h);
    expect(wb.created.toISOString()).toBe('2026-04-02T01:30:00.000Z');
  });

  it('is the same bytes for the same document, other bytes when the document changes', async () => {
    const a = await reportXlsx(doc());
    await new Promise((r) => setTimeout(r, 2100)); // ZIP times have a two-second resolution
    expect((await reportXlsx(doc())).equals(a)).toBe(true);
    expect((await reportXlsx(doc({ generatedAt: '2026-04-03T01:30:00.000Z' }))).equals(a)).toBe(false);
   }, 30_000);

  it('says when suppression was not applied and the report is provisional', async () => {
    const wb = await read(await reportXlsx(doc({ suppression: false, status: 'PROVISIONAL', publishedAt: null })));
    const text = wb.getWorksheet(SHEETS.notes)!.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n');
    expect(text).toContain('未应用 not applied');
    expect(text).toContain('暂定 provisional');
    const live = await read(await reportXlsx(doc({ status: 'LIVE', generatedAt: '2026-05-01T00:00:00.000Z' })));
    expect(live.getWorksheet(SHEETS.notes)!.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n')).toContain('发布后实时数据 live figures:本季度已于 2026-04-02 09:30');
  });
});

describe('the CSV report', () => {
  it('is one table per file, UTF-8 with BOM, names beside codes, a totals row', () => {
    const csv = documentCsv(doc(), 'summary');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).every((l) => l.split(',').length === 8)).toBe(true);
    expect(lines[1]).toBe('charity-federation,海南省慈善总会,12,14,3491188.90,0,0.00,0.00');
    expect(lines[2]).toBe('red-cross,海南省红十字会,<3,,,,,');
    expect(lines[4]).toBe('合计 total,,15,18,3492189.00,0,0.00,0.00');
    const funds = documentCsv(doc(), 'funds').slice(1).split('\r\n');
    expect(funds[0]!.startsWith('资金账户 fund,部门 agencyName')).toBe(true);
    expect(funds).toHaveLength(5);
    expect(funds[1]).toContain(',是,');
  });
});

describe('small-cell suppression', () => {
  const cell = (k: string, persons: number, amount: bigint) => ({ key: [k], persons, metrics: { amount, times: persons } });

  it('folds the cells of one or two persons; totals of every figure are kept', async () => {
    const cells = [cell('a', 10, 100n), cell('b', 1, 7n), cell('c', 2, 9n), cell('d', 0, 0n)];
    const s = await suppressSmallCells(cells, async (keys) => keys.reduce((n, k) => n + cells.find((c) => c.key[0] === k[0])!.persons, 0));
    expect(s.cells.map((c) => [c.small, c.folded])).toEqual([[false, false], [true, true], [true, true], [false, false]]);
    expect(s.fold).toEqual({ persons: 3, metrics: { amount: 16n, times: 3 }, cells: 2 });
  });

  it('folds the next smallest cell too when the small cells together are fewer than three persons', async () => {
    const cells = [cell('a', 10, 100n), cell('b', 4, 40n), cell('c', 1, 9n)];
    const s = await suppressSmallCells(cells, async (keys) => keys.reduce((n, k) => n + cells.find((c) => c.key[0] === k[0])!.persons, 0));
    expect(s.cells.map((c) => c.folded)).toEqual([false, true, true]);
    expect(s.fold).toEqual({ persons: 5, metrics: { amount: 49n, times: 5 }, cells: 2 });
  });

  it('counts the fold row by distinct persons (one person in two small cells is one person)', async () => {
    const cells = [cell('a', 10, 100n), cell('b', 1, 5n), cell('c', 1, 5n), cell('d', 5, 50n)];
    const seen: string[][] = [];
    const s = await suppressSmallCells(cells, async (keys) => {
      seen.push(keys.map((k) => k[0]!));
      return keys.length === 2 ? 1 : 6; // b and c are the same person
    });
    expect(seen).toEqual([['b', 'c'], ['b', 'c', 'd']]);
    expect(s.fold!.persons).toBe(6);
  });

  it('leaves a report without small cells as it is', async () => {
    const s = await suppressSmallCells([cell('a', 3, 1n)], async () => 3);
    expect(s.fold).toBeNull();
    expect(s.cells[0]!.folded).toBe(false);
  });
});

describe('the bundle', () => {
  it('holds the workbook, one CSV per table, the JSON and a manifest of their SHA-256; a changed file is told apart', async () => {
    const { files, manifest } = await bundleFiles(doc());
    expect(files.map((f) => f.filename)).toEqual([
      'relief-hub-2026Q1.xlsx',
      'relief-hub-2026Q1-summary.csv',
      'relief-hub-2026Q1-funds.csv',
      'relief-hub-2026Q1-indicators.csv',
      'relief-hub-2026Q1.json',
      'manifest.json',
    ]);
    expect(JSON.parse(files.at(-1)!.bytes.toString('utf8'))).toEqual(manifest);
    expect(differingFiles(manifest, manifest)).toEqual([]);
    const other = (await bundleFiles(doc({ rulesVersion: '2027.01' }))).manifest;
    expect(differingFiles(manifest, other)).toEqual(['relief-hub-2026Q1.xlsx', 'relief-hub-2026Q1.json']);
    expect(differingFiles(manifest, { ...manifest, files: manifest.files.slice(1) })).toEqual(['relief-hub-2026Q1.xlsx']);
  }, 30_000);
});
