/** The quarterly report as every member unit receives it: JSON in the shape of the GraphQL type, or CSV for Excel. */
import { formatYuan } from '../identity/money.ts';
import type { DocIndicator, DocRow, ReportDocument } from './document.ts';
import type { Dimension } from './quarterly.ts';
import { DIMENSION_NAMES } from '../names.ts';
import type { FundQuarter, QuarterlyReport, ReportRow } from './quarterly.ts';

const rowJson = (r: ReportRow) => ({
  system: r.system,
  agency: r.agency,
  program: r.program,
  county: r.county,
  city: r.city,
  category: r.category,
  persons: r.persons,
  personTimes: r.personTimes,
  amount: formatYuan(r.amount),
  duplicateCount: r.duplicateCount,
  duplicateAmount: formatYuan(r.duplicateAmount),
  excess: formatYuan(r.excess),
});

/** A fund's quarter figures as yuan text (the JSON report and the distributed document alike). */
export const fundFigures = (f: FundQuarter) => ({
  opening: formatYuan(f.opening),
  inflows: formatYuan(f.inflows),
  outflows: formatYuan(f.outflows),
  closing: formatYuan(f.closing),
  overdrawn: f.overdrawn,
  paidNotArrived: formatYuan(f.paidNotArrived),
});

const fundJson = (f: FundQuarter) => ({ fund: f.fund, agency: f.agency, program: f.program, ...fundFigures(f) });

export function reportJson(r: QuarterlyReport) {
  return { year: r.year, quarter: r.quarter, rows: r.rows.map(rowJson), totals: rowJson(r.totals), funds: r.funds.map(fundJson) };
}

export type Section = 'summary' | 'funds' | 'indicators';
export const SECTIONS: readonly Section[] = ['summary', 'funds', 'indicators'];

/** How a column's values are shown: text, a count, yuan, persons (a count or `<3`), a percentage, yes/no. */
export type ColumnKind = 'text' | 'count' | 'yuan' | 'persons' | 'percent' | 'flag';

export interface Column<R> {
  /** Bilingual header: Chinese first, then the code name. */
  header: string;
  kind: ColumnKind;
  /** What the column means, for the 说明 sheet. */
  definition: string;
  /** The value; null shows as an empty cell (a suppressed figure, a name the hub does not know). */
  value: (r: R, total: boolean) => string | number | boolean | null;
}

const DIM_KEY: Record<Dimension, 'system' | 'agency' | 'program' | 'county' | 'city' | 'category'> = {
  SYSTEM: 'system',
  AGENCY: 'agency',
  PROGRAM: 'program',
  COUNTY: 'county',
  CITY: 'city',
  CATEGORY: 'category',
};
const DIM_EN: Record<Dimension, string> = { SYSTEM: 'system', AGENCY: 'agency', PROGRAM: 'program', COUNTY: 'county', CITY: 'city', CATEGORY: 'category' };
const DIM_DEFINITION: Record<Dimension, string> = {
  SYSTEM: '报送数据的业务系统 source system of the aid record',
  AGENCY: '管理该项目资金的成员单位 member unit managing the program',
  PROGRAM: '救助项目(每个项目对应一个资金账户) program; each draws on one fund',
  COUNTY: '受助人所在县区(最近一次居住登记,否则身份证地址码);已撤销代码为“县区不详”,省外代码为“省外” county of the recipient',
  CITY: '县区归属的地级市或省直辖县级单位 prefecture-level unit the county rolls up to',
  CATEGORY: '发放当日(指标为出院当日)持有的最高救助类别(就高不重复),无则为“无救助对象身份” highest category held that day',
};

/** The code and name columns of the grouping's dimensions; the totals row says 合计 in the first. */
function dimensionColumns<R extends Record<string, unknown>>(dims: readonly Dimension[]): Column<R>[] {
  return dims.flatMap((d, i) => {
    const k = DIM_KEY[d];
    return [
      { header: `${DIMENSION_NAMES[d]}代码 ${DIM_EN[d]}`, kind: 'text' as const, definition: DIM_DEFINITION[d], value: (r: R, total: boolean) => (total ? (i === 0 ? '合计 total' : null) : (r[k] as string | null)) },
      { header: `${DIMENSION_NAMES[d]} ${DIM_EN[d]}Name`, kind: 'text' as const, definition: `${DIMENSION_NAMES[d]}的中文名称 name of the ${DIM_EN[d]}`, value: (r: R, total: boolean) => (total ? null : (r[`${k}Name`] as string | null)) },
    ];
  });
}

const hidden = <R extends { suppressed: boolean }>(f: (r: R) => string | number | boolean | null) => (r: R) => (r.suppressed ? null : f(r));
const personsCell = (r: { persons: number; personsText: string }) => (/^\d+$/.test(r.personsText) ? r.persons : r.personsText);

export function summaryColumns(doc: ReportDocument): Column<DocRow>[] {
  return [
    ...dimensionColumns<DocRow>(doc.groupBy),
    { header: '救助人数 persons', kind: 'persons', definition: '有计入救助的不同人数;同一人在多行各计一次,合计中只计一次。“<3”为1–2人的小单元 distinct persons with counted aid', value: (r) => personsCell(r) },
    { header: '救助人次 personTimes', kind: 'count', definition: '计入的救助记录笔数(不含重复上报、已撤销) counted aid records', value: hidden((r) => r.personTimes) },
    { header: '救助金额(元) amount', kind: 'yuan', definition: '计入的救助金额,按发放日期(北京时间)归季 amount of counted aid, by payment date', value: hidden((r) => r.amount) },
    { header: '剔除重复上报笔数 duplicateCount', kind: 'count', definition: '同一凭证、同一人、同一金额重复上报而剔除的记录数(规则2) records removed as duplicate reports', value: hidden((r) => r.duplicateCount) },
    { header: '剔除重复上报金额(元) duplicateAmount', kind: 'yuan', definition: '上述记录的金额 their amount', value: hidden((r) => r.duplicateAmount) },
    { header: '超额救助(元) excess', kind: 'yuan', definition: '计入的救助超过住院个人负担的部分(规则5) aid above the stay’s personal burden', value: hidden((r) => r.excess) },
  ];
}

export function fundColumns(): Column<ReportDocument['funds'][number]>[] {
  return [
    { header: '资金账户 fund', kind: 'text', definition: '资金账户代码(FUND:项目) fund account code', value: (f, t) => (t ? '合计 total' : f.fund) },
    { header: '部门 agencyName', kind: 'text', definition: '管理该资金的成员单位 managing member unit', value: (f, t) => (t ? null : f.agencyName) },
    { header: '部门代码 agency', kind: 'text', definition: '成员单位代码 agency code', value: (f, t) => (t ? null : f.agency) },
    { header: '救助项目 programName', kind: 'text', definition: '使用该资金的救助项目 program drawing on it', value: (f, t) => (t ? null : f.programName) },
    { header: '项目代码 program', kind: 'text', definition: '救助项目代码 program code', value: (f, t) => (t ? null : f.program) },
    { header: '期初余额(元) opening', kind: 'yuan', definition: '季度首日0时(北京时间)的余额 balance at the start of the quarter', value: (f) => f.opening },
    { header: '本期收入(元) inflows', kind: 'yuan', definition: '本季度拨入、捐赠、冲回 money in during the quarter', value: (f) => f.inflows },
    { header: '本期支出(元) outflows', kind: 'yuan', definition: '本季度发放、更正 money out during the quarter', value: (f) => f.outflows },
    { header: '期末余额(元) closing', kind: 'yuan', definition: '期初余额+本期收入−本期支出 balance at the end of the quarter', value: (f) => f.closing },
    { header: '是否透支 overdrawn', kind: 'flag', definition: '期末余额小于零时为“是” yes when the closing balance is below zero', value: (f, t) => (t ? null : f.overdrawn) },
    { header: '已发放未到账(元) paidNotArrived', kind: 'yuan', definition: '季末前已发放、尚未确认到账的救助 aid paid by the quarter’s end, arrival not confirmed', value: (f) => f.paidNotArrived },
  ];
}

export function indicatorColumns(doc: ReportDocument): Column<DocIndicator>[] {
  return [
    ...dimensionColumns<DocIndicator>(doc.indicatorGroupBy),
    { header: '涉及人数 persons', kind: 'persons', definition: '本季度出院或预警开启/关闭所涉不同人数(户级预警按户) distinct persons with a stay or a warning in the quarter', value: (r) => personsCell(r) },
    { header: '住院人次 stays', kind: 'count', definition: '本季度出院的住院结算(已退费的不计) stays discharged in the quarter', value: hidden((r) => r.stays) },
    { header: '重点救助对象住院人次 keyStays', kind: 'count', definition: '出院当日最高类别为特困供养人员或低保对象的住院 stays of key recipients', value: hidden((r) => r.keyStays) },
    { header: '重点救助对象政策范围内费用(元) keyPolicyScope', kind: 'yuan', definition: '上述住院的政策范围内费用 their policy-scope cost', value: hidden((r) => r.keyPolicyScope) },
    { header: '医疗救助及计入救助(元) keyCovered', kind: 'yuan', definition: '医疗救助基金支付+关联该住院的计入公共救助(九部门项目,不含红十字会、慈善),扣除超额部分 assistance fund + counted public aid net of excess', value: hidden((r) => r.keyCovered) },
    { header: '重点救助对象政策范围内费用救助比例 keyRatio', kind: 'percent', definition: '医疗救助及计入救助÷政策范围内费用;目标约70%(海南省“十四五”医疗保障规划) key-recipient assistance ratio; target about 70%', value: hidden((r) => r.keyRatio) },
    { header: '救助后个人负担(元) burdenLeft', kind: 'yuan', definition: '各住院 max(0, 个人负担−关联该住院的全部计入救助,含红十字会、慈善) 之和 personal burden left after all aid', value: hidden((r) => r.burdenLeft) },
    { header: '应救未救结算 missedAssistance', kind: 'count', definition: '本季度出院、有未关闭“应救未救”预警的住院 stays with an open missed-assistance warning', value: hidden((r) => r.missedAssistance) },
    { header: '新开预警 warningsOpened', kind: 'count', definition: '本季度开启的预警(因病返贫、因病致贫、应救未救) warnings opened in the quarter', value: hidden((r) => r.warningsOpened) },
    { header: '关闭预警 warningsClosed', kind: 'count', definition: '本季度因不再成立而关闭的预警 warnings closed in the quarter', value: hidden((r) => r.warningsClosed) },
  ];
}

/** The funds' totals row (sums of the yuan columns). */
export function fundTotals(doc: ReportDocument): ReportDocument['funds'][number] {
  const sum = (k: 'opening' | 'inflows' | 'outflows' | 'closing' | 'paidNotArrived') => formatYuan(doc.funds.reduce((s, f) => s + BigInt(f[k].replace('.', '')), 0n));
  return { fund: '', agency: null, agencyName: null, program: null, programName: null, opening: sum('opening'), inflows: sum('inflows'), outflows: sum('outflows'), closing: sum('closing'), overdrawn: false, paidNotArrived: sum('paidNotArrived') };
}

/** A section as a table: its columns, rows and totals row. */
export function sectionTable(doc: ReportDocument, section: Section): { columns: Column<never>[]; rows: unknown[]; totals: unknown } {
  switch (section) {
    case 'summary':
      return { columns: summaryColumns(doc) as Column<never>[], rows: doc.rows, totals: doc.totals };
    case 'funds':
      return { columns: fundColumns() as Column<never>[], rows: doc.funds, totals: fundTotals(doc) };
    case 'indicators':
      return { columns: indicatorColumns(doc) as Column<never>[], rows: doc.indicators, totals: doc.indicatorTotals };
  }
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : v === true ? '是' : v === false ? '否' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One table per file, UTF-8 with a byte-order mark, bilingual headers, names beside codes, CRLF lines. */
export function documentCsv(doc: ReportDocument, section: Section): string {
  const t = sectionTable(doc, section);
  const line = (cells: unknown[]) => cells.map(csvCell).join(',');
  const out = [line(t.columns.map((c) => c.header))];
  for (const r of t.rows) out.push(line(t.columns.map((c) => c.value(r as never, false))));
  out.push(line(t.columns.map((c) => c.value(t.totals as never, true))));
  return `\ufeff${out.join('\r\n')}\r\n`;
}
