/**
 * Builders of veterans-affairs files (sources.md §8) for integration tests: payments (UTF-8 with BOM, amounts
 * with thousands separators, dates written 2026年3月5日) and the roster of veterans in hardship.
 */

/** 2026-03-05 → 2026年3月5日 */
export const chineseDate = (d: string) => `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

export interface VeteransPaymentRow {
  person: string;
  yuan: number;
  approved?: string;
  paid?: string | null;
  voucher?: string | null;
  settlement?: string;
}

const PAYMENT_HEADER = '序号,姓名,公民身份号码,优待证号,帮扶类型,帮扶金额,审批时间,发放时间,凭证号,结算单号';
const ROSTER_HEADER = '公民身份号码,姓名,优待证号,认定日期,终止日期,县区代码';

export function veteransPaymentFile(rows: VeteransPaymentRow[]): Buffer {
  const lines = rows.map((r, i) => {
    const money = `"${r.yuan.toLocaleString('en-US', { minimumFractionDigits: 2 })}"`;
    const approved = r.approved ?? '2026-02-01';
    const paid = r.paid === undefined ? '2026-02-05' : r.paid;
    return `${i + 1},某某,${r.person},YD0001,医疗救助,${money},${chineseDate(approved)},${paid ? chineseDate(paid) : ''},${r.voucher ?? ''},${r.settlement ?? ''}`;
  });
  return Buffer.from(`\uFEFF${[PAYMENT_HEADER, ...lines].join('\n')}\n`);
}

export interface VeteransRosterRow {
  person: string;
  card?: string;
  from: string;
  to?: string | null;
  county?: string;
}

export function veteransRosterFile(rows: VeteransRosterRow[]): Buffer {
  const lines = rows.map((r) => `${r.person},某某,${r.card ?? 'YD0001'},${chineseDate(r.from)},${r.to ? chineseDate(r.to) : ''},${r.county ?? '460105'}`);
  return Buffer.from(`\uFEFF${[ROSTER_HEADER, ...lines].join('\n')}\n`);
}
