/**
 * Workbooks built the way counties deliver them (merged title row, header row 2, Excel date cells next to
 * date text, numeric amount cells), and the contract suite's fixture.
 */
import ExcelJS from 'exceljs';
import { checkCharacter } from '../../src/identity/id-number.ts';
import type { ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export type FixtureCell = string | number | Date | null | { richText: Array<{ text: string }> };

export const MONITORED_HEADER = ['户编号', '身份证号', '姓名', '与户主关系', '监测类型', '纳入日期', '风险消除日期', '家庭人均纯收入(元)', '县(市、区)代码'];
export const AID_HEADER = ['记录ID', '身份证号', '姓名', '帮扶项目', '金额(元)', '发放日期', '凭证号', '备注'];

/** An Excel date cell's value: exceljs writes a Date as a serial with a date format. */
export const excelDate = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

export interface WorkbookSpec {
  monitored?: FixtureCell[][];
  aid?: FixtureCell[][];
  monitoredHeader?: string[];
  aidHeader?: string[];
  /** A sheet the adapter does not know, placed first, to be skipped. */
  extraSheet?: boolean;
}

function addSheet(wb: ExcelJS.Workbook, name: string, title: string, header: string[], rows: FixtureCell[][], dateColumns: number[]): void {
  const ws = wb.addWorksheet(name);
  ws.mergeCells(1, 1, 1, header.length);
  ws.getCell(1, 1).value = title;
  ws.addRow(header);
  for (const r of rows) {
    const row = ws.addRow(r);
    for (const c of dateColumns) if (r[c - 1] instanceof Date) row.getCell(c).numFmt = 'yyyy-mm-dd';
  }
}

export async function ruralWorkbook(spec: WorkbookSpec): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  if (spec.extraSheet) wb.addWorksheet('填表说明').addRow(['本表由县乡村振兴局填报']);
  if (spec.monitored) addSheet(wb, '监测对象', '琼中县农村低收入人口监测台账', spec.monitoredHeader ?? MONITORED_HEADER, spec.monitored, [6, 7]);
  if (spec.aid) addSheet(wb, '帮扶记录', '琼中县农村低收入人口帮扶记录', spec.aidHeader ?? AID_HEADER, spec.aid, [6]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const HEAD = id('46903019700101001');
export const CHILD = id('46903020100601002');

export function monitoredRow(overrides: Partial<Record<(typeof MONITORED_HEADER)[number], FixtureCell>> = {}): FixtureCell[] {
  const base: Record<string, FixtureCell> = {
    户编号: 'QZ-0001',
    身份证号: HEAD,
    姓名: '王大山',
    与户主关系: '户主',
    监测类型: '脱贫不稳定户',
    纳入日期: excelDate(2025, 3, 1),
    风险消除日期: null,
    '家庭人均纯收入(元)': 6800.5,
    '县(市、区)代码': '469030',
    ...overrides,
  };
  return MONITORED_HEADER.map((h) => base[h] ?? null);
}

export function aidRow(overrides: Partial<Record<(typeof AID_HEADER)[number], FixtureCell>> = {}): FixtureCell[] {
  const base: Record<string, FixtureCell> = {
    记录ID: 'BF-2026-0001',
    身份证号: HEAD,
    姓名: '王大山',
    帮扶项目: '住院救助',
    '金额(元)': 1500,
    发放日期: excelDate(2026, 2, 10),
    凭证号: 'PZ-QZ-0001',
    备注: '住院救助 结算单号:H46010200001-2026-000123',
    ...overrides,
  };
  return AID_HEADER.map((h) => base[h] ?? null);
}

export async function contractFixture(): Promise<ContractFixture> {
  const content = await ruralWorkbook({
    monitored: [
      monitoredRow(),
      monitoredRow({ 身份证号: CHILD, 姓名: '王小花', 与户主关系: '子女', 纳入日期: '2025-03-01' }),
      monitoredRow({ 户编号: 'QZ-0002', 身份证号: '469030750202003', 姓名: '黎·阿英', 监测类型: '突发严重困难户', 风险消除日期: '2026-01-15' }),
      monitoredRow({ 户编号: 'QZ-0003', 身份证号: '46903019700101001X' }),
      monitoredRow({ 户编号: 'QZ-0004', 监测类型: '一般户' }),
      monitoredRow({ 户编号: 'QZ-0005', 纳入日期: '2025-02-30' }),
    ],
    aid: [
      aidRow(),
      aidRow({ 记录ID: 'BF-2026-0002', '金额(元)': '800.00', 发放日期: '2026-02-11', 凭证号: 'PZ-QZ-0002', 备注: '门诊慢特病补助' }),
      aidRow({ 记录ID: 'BF-2026-0003', '金额(元)': 12.345 }),
      aidRow({ 记录ID: null }),
    ],
  });
  return {
    name: 'rural-revitalization-contract.xlsx',
    content,
    records: 10,
    quarantined: { INVALID_ID: 1, BAD_VALUE: 1, BAD_DATE: 1, BAD_AMOUNT: 1, MISSING_FIELD: 1 },
    rejected: { name: 'rural-revitalization-broken.xlsx', content: content.subarray(0, Math.floor(content.length / 2)), reason: 'MALFORMED' },
  };
}
