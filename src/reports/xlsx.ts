/**
 * The quarterly report as an Excel workbook: the summary by the chosen grouping, the funds, the indicators and
 * a 说明 sheet (every column's definition, rule and policy versions, data as of, generated at, published or
 * provisional, whether small cells were suppressed). Amounts are numbers formatted `#,##0.00`, headers frozen,
 * widths fitted, pages landscape one page wide. The same document gives the same bytes: the workbook's dates
 * and the ZIP entries' times are the document's generation time.
 */
import ExcelJS from 'exceljs';
import { setZipEntryTimes } from '../shared/zip.ts';
import { DIMENSION_NAMES } from '../names.ts';
import type { ReportDocument } from './document.ts';
import { FOLD_NAME } from './document.ts';
import { sectionTable, type Column, type ColumnKind, type Section } from './format.ts';
import { SMALL_CELL_LIMIT } from './suppress.ts';

export const SHEETS: Record<Section | 'notes', string> = { summary: '汇总', funds: '资金', indicators: '监测指标', notes: '说明' };
export const YUAN_FORMAT = '#,##0.00';
export const COUNT_FORMAT = '#,##0';
export const PERCENT_FORMAT = '0.00%';

/** Display width of a text: CJK characters take two columns. */
function widthOf(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\uffff]/.test(ch) ? 2 : 1;
  return w;
}

function cellValue(kind: ColumnKind, v: string | number | boolean | null): ExcelJS.CellValue {
  if (v === null) return null;
  switch (kind) {
    case 'yuan':
      return typeof v === 'string' ? Number(v) : v;
    case 'percent':
      return Number(v) / 100;
    case 'flag':
      return v ? '是' : '否';
    default:
      return v as string | number;
  }
}

const FORMATS: Partial<Record<ColumnKind, string>> = { yuan: YUAN_FORMAT, count: COUNT_FORMAT, persons: COUNT_FORMAT, percent: PERCENT_FORMAT };

/** CST display of an ISO instant: 2026-11-02 09:30 (北京时间). */
export function cstText(iso: string | null): string {
  if (!iso) return '—';
  const t = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)} (北京时间 UTC+8)`;
}

function addTable(wb: ExcelJS.Workbook, name: string, columns: Column<never>[], rows: unknown[], totals: unknown): void {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
  });
  ws.addRow(columns.map((c) => c.header));
  for (const r of rows) ws.addRow(columns.map((c) => cellValue(c.kind, c.value(r as never, false))));
  const last = ws.addRow(columns.map((c) => cellValue(c.kind, c.value(totals as never, true))));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).alignment = { wrapText: true, vertical: 'middle' };
  last.font = { bold: true };
  columns.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    const fmt = FORMATS[c.kind];
    let width = Math.min(24, Math.max(8, widthOf(c.header.split(' ')[0]!) + 2));
    col.eachCell({ includeEmpty: false }, (cell, n) => {
      if (n > 1 && fmt && typeof cell.value === 'number') cell.numFmt = fmt;
      if (n > 1) {
        const shown = typeof cell.value === 'number' ? (c.kind === 'yuan' ? cell.value.toLocaleString('en-US', { minimumFractionDigits: 2 }) : c.kind === 'percent' ? '100.00%' : cell.value.toLocaleString('en-US')) : String(cell.value ?? '');
        width = Math.max(width, Math.min(48, widthOf(shown) + 2));
      }
      if (n > 1 && c.kind !== 'text' && c.kind !== 'flag') cell.alignment = { horizontal: 'right' };
    });
    col.width = width;
  });
}

function addNotes(wb: ExcelJS.Workbook, doc: ReportDocument, tables: Array<[Section, Column<never>[]]>): void {
  const ws = wb.addWorksheet(SHEETS.notes, { pageSetup: { orientation: 'portrait', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  const dims = (ds: readonly string[]) => ds.map((d) => `${DIMENSION_NAMES[d]} ${d}`).join(' × ');
  const facts: Array<[string, string]> = [
    ['报表 report', `${doc.year}年第${doc.quarter}季度医疗救助资金使用情况通报 quarterly report ${doc.year} Q${doc.quarter}`],
    ['统计期间 period', `${doc.from} 至 ${doc.to}(按发放日期,北京时间 payment dates, China Standard Time)`],
    [
      '状态 status',
      doc.status === 'PUBLISHED'
        ? `已发布 published ${cstText(doc.publishedAt)}`
        : doc.status === 'LIVE'
          ? `发布后实时数据 live figures:本季度已于 ${cstText(doc.publishedAt)} 发布,本表为生成时的数据,可能与已发布版本不同 may differ from the issued report`
          : '暂定 provisional(未发布,数据可能变动 not published; figures may change)',
    ],
    ['数据截至 data as of', `${cstText(doc.dataAsOf)}(最近一次数据报送入库 latest delivery applied)`],
    ['生成时间 generated at', cstText(doc.generatedAt)],
    ['汇总分组 summary grouping', dims(doc.groupBy)],
    ['指标分组 indicator grouping', dims(doc.indicatorGroupBy)],
    [
      '小单元抑制 small cells',
      doc.suppression
        ? `已应用 applied:涉及1–2人的单元人数显示为“<${SMALL_CELL_LIMIT}”,其金额等数字并入“${FOLD_NAME}”行(不足${SMALL_CELL_LIMIT}人时并入次小单元),各列合计不变 cells of one or two persons show <${SMALL_CELL_LIMIT}; their figures are folded into one row so totals still add up`
        : '未应用 not applied(省平台完整数据 the platform’s whole figures; not for distribution)',
    ],
    ['报表规则版本 report rules', `${doc.rulesVersion}(relief-hub ${doc.hubVersion})`],
    ['政策版本 policy versions', doc.policies.map((p) => `${p.code} v${p.version}(${p.effectiveFrom}起)`).join(';') || '—'],
  ];
  const rules: string[] = [
    '计入救助:未被判定为重复上报、未撤销的救助记录。同一凭证、同一人、同一金额的重复上报只计首报一笔。 Counted aid: not a duplicate report, not reversed.',
    '救助类别:同一天持有多个身份的,只按最高类别计一次(就高不重复),顺序:特困供养人员、低保对象、低保边缘家庭成员、支出型困难人员、农村易返贫致贫人口、困难职工、困难退役军人、残疾人、困难妇女儿童。',
    '重点救助对象:特困供养人员、低保对象;低收入救助对象:低保边缘家庭成员、农村易返贫致贫人口、支出型困难人员。',
    '县区按受助人最近一次居住登记(否则身份证地址码)归属,汇总到海口、三亚、三沙、儋州及各省直辖县级单位。',
    '指标按出院日期归季(北京时间);已退费的住院不计。救助比例的目标值约70%,见海南省“十四五”医疗保障规划。',
    '资金数字由资金池台账得出;透支的资金标“是”。',
  ];
  ws.addRow(['项目 item', '内容 value']).font = { bold: true };
  for (const f of facts) ws.addRow(f);
  ws.addRow([]);
  ws.addRow(['规则 rules']).font = { bold: true };
  for (const r of rules) ws.addRow(['', r]);
  ws.addRow([]);
  ws.addRow(['工作表 sheet', '列 column', '定义 definition']).font = { bold: true };
  for (const [section, columns] of tables) for (const c of columns) ws.addRow([SHEETS[section], c.header, c.definition]);
  ws.getColumn(1).width = 26;
  ws.getColumn(2).width = 60;
  ws.getColumn(3).width = 90;
  for (const col of [1, 2, 3]) ws.getColumn(col).alignment = { wrapText: true, vertical: 'top' };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
}

/** The workbook's bytes; the same document gives the same bytes. */
export async function reportXlsx(doc: ReportDocument): Promise<Buffer> {
  const at = new Date(doc.generatedAt);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'relief-hub';
  wb.lastModifiedBy = 'relief-hub';
  wb.title = `${doc.year}年第${doc.quarter}季度医疗救助资金使用情况通报`;
  wb.created = at;
  wb.modified = at;
  const tables: Array<[Section, Column<never>[]]> = [];
  for (const section of ['summary', 'funds', 'indicators'] as const) {
    const t = sectionTable(doc, section);
    addTable(wb, SHEETS[section], t.columns, t.rows, t.totals);
    tables.push([section, t.columns]);
  }
  addNotes(wb, doc, tables);
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  return setZipEntryTimes(buf, at, 'report.xlsx');
}
