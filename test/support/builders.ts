/**
 * Builders of small source files for integration tests: real formats, with overrides, so a test states only
 * what it is about.
 */
import iconv from 'iconv-lite';
import { checkCharacter } from '../../src/identity/id-number.ts';

/** A valid identity number: Hainan address code, birth date, sequence (odd = male). */
export function idNumber(n: number, opts: { county?: string; birth?: string; female?: boolean } = {}): string {
  const county = opts.county ?? '460105';
  const birth = (opts.birth ?? `19${50 + (n % 50)}0${1 + (n % 9)}1${n % 10}`).replace(/-/g, '');
  let seq = (n * 2 + 1) % 1000;
  if (opts.female) seq = (seq + 1) % 1000;
  const first = `${county}${birth}${String(seq).padStart(3, '0')}`;
  return first + checkCharacter(first);
}

const STATUS_HEADER = '户主身份证号,户主姓名,成员身份证号,成员姓名,与户主关系,救助类别,认定日期,终止日期,行政区划,家庭年收入(元)';
const PAYMENT_HEADER = '救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态';

export interface StatusRow {
  householder: string;
  member: string;
  name?: string;
  relationship?: string;
  category?: string;
  from?: string;
  to?: string;
  county?: string;
  income?: string;
}

/** A civil-affairs status file (GB18030). */
export function civilStatusFile(rows: StatusRow[]): Buffer {
  const lines = rows.map(
    (r) =>
      `${r.householder},户主,${r.member},${r.name ?? '成员'},${r.relationship ?? (r.member === r.householder ? '本人' : '子女')},${r.category ?? '低保'},${r.from ?? '2025/1/5'},${r.to ?? ''},${r.county ?? '460105'},${r.income ?? ''}`,
  );
  return iconv.encode([STATUS_HEADER, ...lines].join('\n'), 'gb18030');
}

export interface PaymentRow {
  id: string;
  person: string;
  amount?: string;
  approved?: string;
  paid?: string;
  voucher?: string;
  settlement?: string;
  hospital?: string;
  status?: string;
}

/** A civil-affairs payment file (GB18030). */
export function civilPaymentFile(rows: PaymentRow[]): Buffer {
  const lines = rows.map(
    (r) =>
      `${r.id},${r.person},某某,${r.amount ?? '1000.00'},${r.approved ?? '2026/2/1'},${r.paid ?? '2026/2/5'},${r.voucher ?? ''},${r.settlement ?? ''},${r.hospital ?? ''},${r.status ?? '已发放'}`,
  );
  return iconv.encode([PAYMENT_HEADER, ...lines].join('\n'), 'gb18030');
}

export interface SettlementRow {
  id: string;
  person: string;
  hospital?: string;
  admitted?: string;
  discharged?: string;
  /** yuan, whole numbers for simplicity */
  total?: number;
  basic?: number;
  critical?: number;
  maf?: number;
  /** policy-scope cost, yuan (default: the total) */
  scope?: number;
  /** A refund line cancelling the settlement named here (its own id is `id`). */
  refundOf?: string;
}

/** A medical-insurance settlement feed (NDJSON). */
export function settlementFile(rows: SettlementRow[]): Buffer {
  const lines = rows.map((r) => {
    if (r.refundOf) {
      return JSON.stringify({ setl_id: r.id, certno: r.person, psn_name: '某某', refd_setl_flag: '1', init_setl_id: r.refundOf, medfee_sumamt: '-1.00', setl_time: '2026-02-20T10:00:00+08:00' });
    }
    const total = r.total ?? 50000;
    const basic = r.basic ?? 25000;
    const critical = r.critical ?? 5000;
    const maf = r.maf ?? 0;
    return JSON.stringify({
      setl_id: r.id,
      psn_no: 'P1',
      certno: r.person,
      psn_name: '某某',
      fixmedins_code: r.hospital ?? 'H46010200001',
      fixmedins_name: '海南省人民医院',
      begndate: r.admitted ?? '2026-01-03',
      enddate: r.discharged ?? '2026-01-12',
      diag_code: 'C50.9',
      medfee_sumamt: `${total}.00`,
      inscp_scp_amt: `${r.scope ?? total}.00`,
      hifp_pay: `${basic}.00`,
      hifmi_pay: `${critical}.00`,
      hifob_pay: '0',
      maf_pay: `${maf}.00`,
      psn_part_amt: `${total - basic - critical - maf}.00`,
      setl_time: '2026-01-12T16:20:00+08:00',
      refd_setl_flag: '0',
    });
  });
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export interface GrantRow {
  id: string;
  person: string;
  amount?: string;
  date?: string;
  voucher?: string;
  settlement?: string;
}

/** A charity federation file of grants to patients (CSV, UTF-8). */
export function charityGrantFile(rows: GrantRow[]): Buffer {
  const lines = rows.map((r) => `救助,${r.id},某某,${r.person},${r.amount ?? '1000.00'},${r.date ?? '2026-02-10'},${r.voucher ?? ''},${r.settlement ?? ''},大病救助`);
  return Buffer.from(['类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目', ...lines].join('\n') + '\n', 'utf8');
}

export interface EmergencyRow {
  caseNo: string;
  /** null: an unidentified patient (a provisional person keyed by the case number). */
  person: string | null;
  amountFen?: number;
  approved?: string;
  paid?: string | null;
  voucher?: string | null;
  settlement?: string | null;
  hospital?: string;
}

/** A health-emergency case file (NDJSON). */
export function emergencyFile(rows: EmergencyRow[]): Buffer {
  const lines = rows.map((r) =>
    JSON.stringify({
      caseNo: r.caseNo,
      patient: { idNo: r.person, name: r.person ? '某某' : null, unidentified: r.person === null, approxAge: r.person ? null : 40 },
      hospitalCode: r.hospital ?? 'H46010200001',
      settlementId: r.settlement ?? null,
      admittedAt: '2026-01-03T02:10:00+08:00',
      amountFen: r.amountFen ?? 350000,
      approvedAt: `${r.approved ?? '2026-02-01'}T10:00:00+08:00`,
      paidAt: r.paid === null ? null : `${r.paid ?? '2026-02-03'}T10:00:00+08:00`,
      voucherNo: r.voucher ?? null,
    }),
  );
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export interface HardshipRow {
  id: string;
  person: string;
  amountFen?: number;
  /** YYYYMMDD */
  approved?: string;
  paid?: string;
  voucher?: string;
  settlement?: string;
  /** 1 paid, 9 cancelled */
  status?: '1' | '9';
}

/** A union-hardship export: pipe-delimited GB18030 with its header and trailer (count and sum of fen). */
export function hardshipFile(rows: HardshipRow[]): Buffer {
  const amounts = rows.map((r) => r.amountFen ?? 100000);
  const lines = rows.map((r, i) => `D|${r.id}|${r.person}|某某|${amounts[i]}|${r.approved ?? '20260201'}|${r.paid ?? '20260205'}|${r.voucher ?? ''}|${r.settlement ?? ''}|${r.status ?? '1'}`);
  const text = [`H|UNION-HARDSHIP|20261001|${rows.length}`, ...lines, `T|${rows.length}|${amounts.reduce((a, b) => a + b, 0)}`].join('\n') + '\n';
  return iconv.encode(text, 'gb18030');
}
