/** The quarterly report as every member unit receives it: JSON in the shape of the GraphQL type, or CSV for Excel. */
import { formatYuan } from '../identity/money.ts';
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

const fundJson = (f: FundQuarter) => ({
  fund: f.fund,
  agency: f.agency,
  program: f.program,
  opening: formatYuan(f.opening),
  inflows: formatYuan(f.inflows),
  outflows: formatYuan(f.outflows),
  closing: formatYuan(f.closing),
  overdrawn: f.overdrawn,
  paidNotArrived: formatYuan(f.paidNotArrived),
});

export function reportJson(r: QuarterlyReport) {
  return { year: r.year, quarter: r.quarter, rows: r.rows.map(rowJson), totals: rowJson(r.totals), funds: r.funds.map(fundJson) };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const ROW_HEADERS: Array<[keyof ReturnType<typeof rowJson>, string]> = [
  ['system', '系统 system'],
  ['agency', '部门 agency'],
  ['program', '项目 program'],
  ['county', '县区 county'],
  ['city', '市县 city'],
  ['category', '救助类别 category'],
  ['persons', '人数 persons'],
  ['personTimes', '人次 personTimes'],
  ['amount', '救助金额(元) amount'],
  ['duplicateCount', '重复笔数 duplicateCount'],
  ['duplicateAmount', '重复金额(元) duplicateAmount'],
  ['excess', '超额救助(元) excess'],
];

const FUND_HEADERS: Array<[keyof ReturnType<typeof fundJson>, string]> = [
  ['fund', '基金 fund'],
  ['agency', '部门 agency'],
  ['program', '项目 program'],
  ['opening', '期初余额(元) opening'],
  ['inflows', '本期收入(元) inflows'],
  ['outflows', '本期支出(元) outflows'],
  ['closing', '期末余额(元) closing'],
  ['overdrawn', '是否透支 overdrawn'],
  ['paidNotArrived', '已发放未到账(元) paidNotArrived'],
];

/** UTF-8 with a byte-order mark and bilingual headers, so that Excel opens it as it is. */
export function reportCsv(r: QuarterlyReport): string {
  const dims = r.groupBy.map((d) => d.toLowerCase());
  const cols = ROW_HEADERS.filter(([k]) => !['system', 'agency', 'program', 'county', 'city', 'category'].includes(k) || dims.includes(k));
  const line = (cells: unknown[]) => cells.map(csvCell).join(',');
  const out = [`${r.year}年第${r.quarter}季度 quarterly report ${r.year} Q${r.quarter}`, line(cols.map(([, h]) => h))];
  for (const row of r.rows.map(rowJson)) out.push(line(cols.map(([k]) => row[k])));
  const totals = rowJson(r.totals);
  out.push(line(cols.map(([k], i) => (i === 0 && dims.length > 0 ? '合计 total' : totals[k]))));
  out.push('', line(FUND_HEADERS.map(([, h]) => h)));
  for (const f of r.funds.map(fundJson)) out.push(line(FUND_HEADERS.map(([k]) => f[k])));
  return `\ufeff${out.join('\r\n')}\r\n`;
}
