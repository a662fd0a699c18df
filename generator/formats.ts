/** The twelve export formats of sources.md: how one record of each is laid out. */
import {
  CHARITY_ITEMS,
  CIVIL_CATEGORIES,
  COUNTIES,
  DIAGNOSES,
  DISABILITY_CATEGORIES,
  DISABILITY_LEVELS,
  DISABLED_ITEMS,
  DONORS,
  EMPLOYERS,
  HOSPITALS,
  ILLNESSES,
  RELATIONSHIPS,
  RURAL_ITEMS,
  RURAL_TYPES,
  VETERAN_ITEMS,
  WC_WOMAN,
} from './catalog.ts';
import { isoDay, isoYmd, pad2, ymd, type Ymd } from './calendar.ts';
import { SF_TOLERANCE, ST_APPROVED, ST_REVERSED, settlementB, settlementId, refundId, type BadSpec, type Province } from './model.ts';
import { countyCodeOfPerson, csvLine, hospitalCode, idText, personNameText, rh, timestamp, timestampUtc, timestampYmd, xmlAttr, yuan2, yuanText, yuanThousands } from './render.ts';
import type { AidView } from './views.ts';

const slash = (v: Ymd, h: number) => ((h & 16) === 0 ? `${v[0]}/${v[1]}/${v[2]}` : `${v[0]}/${pad2(v[1])}/${pad2(v[2])}`);
const chinese = (v: Ymd) => `${v[0]}年${v[1]}月${v[2]}日`;
const compact = (v: Ymd) => `${v[0]}${pad2(v[1])}${pad2(v[2])}`;
const secsOf = (h: number, lo: number, span: number) => lo + (h % span);

/** The approval date as written: the record's, or its planted defect. */
const apprYmd = (v: AidView): Ymd => v.badDate ?? ymd(v.appr);
/** For systems with one date (grant = payment): the payment date, or its planted defect. */
const dayYmd = (v: AidView): Ymd => v.badDate ?? ymd(v.paid >= 0 ? v.paid : v.appr);
const amountYuan = (v: AidView) => v.amountText ?? yuanText(v.amountFen, v.h >>> 2);

// ---- civil-affairs ----

export const CIVIL_PAYMENT_HEADER = '救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态\r\n';
export const CIVIL_STATUS_HEADER = '户主身份证号,户主姓名,成员身份证号,成员姓名,与户主关系,救助类别,认定日期,终止日期,行政区划,家庭年收入(元)\r\n';

export function civilPayment(v: AidView): string {
  return csvLine([
    v.recordId,
    v.idText,
    v.name,
    amountYuan(v),
    slash(apprYmd(v), v.h),
    v.paid >= 0 ? slash(ymd(v.paid), v.h) : '',
    v.voucher,
    v.settlementRef,
    hospitalCode(v.hospital),
    v.status === ST_REVERSED ? '已撤销' : '已发放',
  ]);
}

export interface StatusRow {
  household: number;
  member: number;
  h: number;
  bad: BadSpec | null;
  /** A first version delivered under another householder (a person), or with another county (index of COUNTIES). */
  head?: number;
  county?: number;
}

export function civilStatus(prov: Province, r: StatusRow): string {
  const hc = prov.household.c;
  const head = r.head ?? hc.start[r.household]!;
  const from = r.bad?.reason === 'BAD_DATE' ? (r.bad.flavour === 0 ? ([ymd(hc.from[r.household]!)[0], 2, 30] as const) : ([2099, 1, 15] as const)) : ymd(hc.from[r.household]!);
  const to = hc.to[r.household]!;
  const income = hc.income[r.household]!;
  return csvLine([
    idText(prov, head, r.h >>> 3),
    personNameText(prov, head, r.h >>> 5),
    r.bad?.reason === 'INVALID_ID' ? r.bad.badId : idText(prov, r.member, r.h),
    personNameText(prov, r.member, r.h),
    RELATIONSHIPS[prov.person.c.rel[r.member]!]!,
    r.bad?.reason === 'MISSING_FIELD' ? '' : CIVIL_CATEGORIES[hc.cat[r.household]!]!,
    slash(from, r.h),
    to >= 0 ? slash(ymd(to), r.h) : '',
    COUNTIES[r.county ?? hc.county[r.household]!]!.code,
    income >= 0 ? yuanText(income, r.h >>> 7) : '',
  ]);
}

// ---- health-emergency ----

export function emergencyCase(v: AidView): string {
  const patient = v.unidentified
    ? { idNo: null, name: null, unidentified: true, approxAge: v.approxAge }
    : { idNo: v.idText, name: v.name, unidentified: false, approxAge: null };
  return (
    JSON.stringify({
      caseNo: v.recordId ?? undefined,
      patient,
      hospitalCode: hospitalCode(v.hospital),
      settlementId: v.settlementRef,
      admittedAt: timestamp(v.admitted, secsOf(v.h >>> 4, 0, 86400)),
      amountFen: v.amountNumber ?? v.amountFen,
      approvedAt: timestampYmd(apprYmd(v), secsOf(v.h >>> 6, 8 * 3600, 9 * 3600)),
      paidAt: v.paid >= 0 ? timestamp(v.paid, secsOf(v.h >>> 8, 8 * 3600, 9 * 3600)) : null,
      voucherNo: v.voucher,
    }) + '\n'
  );
}

// ---- rural-revitalization (cells of the 帮扶记录 and 监测对象 sheets) ----

export const RURAL_AID_HEADER = ['记录ID', '身份证号', '姓名', '帮扶项目', '金额(元)', '发放日期', '凭证号', '备注'];
export const RURAL_STATUS_HEADER = ['户编号', '身份证号', '姓名', '与户主关系', '监测类型', '纳入日期', '风险消除日期', '家庭人均纯收入(元)', '县(市、区)代码'];
export type Cell = string | number | Date | null;

/** Excel date cell (a Date whose UTC day is the day) or text, as the ledgers mix them. */
function excelDay(v: Ymd, h: number, forceText = false): Cell {
  if (forceText || (h & 3) === 0) return isoYmd(v);
  return new Date(Date.UTC(v[0], v[1] - 1, v[2]));
}

export function ruralAid(v: AidView): Cell[] {
  const item = v.settlementRef ? '住院救助' : RURAL_ITEMS[v.h % RURAL_ITEMS.length]!;
  let amount: Cell;
  if (v.amountNumber !== null) amount = v.amountNumber;
  else if (v.amountText !== null) amount = v.amountText;
  else amount = (v.h & 8) === 0 ? v.amountFen / 100 : yuanText(v.amountFen, v.h >>> 2);
  const date = v.badDate ? (v.badDate[0] === 2099 ? excelDay(v.badDate, 1) : isoYmd(v.badDate)) : excelDay(ymd(v.paid), v.h >>> 4);
  const note = v.settlementRef ? `住院救助 结算单号:${v.settlementRef}` : (v.h >>> 9) % 3 === 0 ? '' : item === '慢病补助' ? '门诊慢特病' : '已核实';
  return [v.recordId ?? '', v.idText ?? '', v.name ?? '', item, amount, date, v.voucher ?? '', note];
}

export function ruralHouseholdNo(prov: Province, household: number): string {
  return `${COUNTIES[prov.household.c.county[household]!]!.code}${String(household).padStart(7, '0')}`;
}

export function ruralStatus(prov: Province, r: StatusRow): Cell[] {
  const hc = prov.household.c;
  const hh = r.household;
  const from = hc.from[hh]!;
  const to = hc.to[hh]!;
  let fromCell = excelDay(ymd(from), r.h >>> 2);
  if (r.bad?.reason === 'BAD_DATE') fromCell = r.bad.flavour === 0 ? `${ymd(from)[0]}-02-30` : excelDay([2099, 5, 1], 1);
  return [
    ruralHouseholdNo(prov, hh),
    r.bad?.reason === 'INVALID_ID' ? r.bad.badId : idText(prov, r.member, r.h),
    personNameText(prov, r.member, r.h),
    RELATIONSHIPS[prov.person.c.rel[r.member]!]!,
    RURAL_TYPES[hc.cat[hh]!]!,
    fromCell,
    to >= 0 ? excelDay(ymd(to), r.h >>> 4) : '',
    (r.h & 64) === 0 ? hc.income[hh]! / 100 : yuanText(hc.income[hh]!, r.h >>> 8),
    COUNTIES[hc.county[hh]!]!.code,
  ];
}

// ---- union-mutual-aid ----

export function umaHeader(exportDay: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<MutualAidExport org="海南省总工会" exportedAt="${timestamp(exportDay, 8 * 3600)}">\n`;
}
export const UMA_FOOTER = '</MutualAidExport>\n';

export function umaClaim(v: AidView): string {
  const card = `HNGH${String(v.person).padStart(7, '0')}`;
  const employer = EMPLOYERS[(v.h >>> 5) % EMPLOYERS.length]!;
  let s = v.recordId === null ? '  <Claim>\n' : `  <Claim id="${xmlAttr(v.recordId)}">\n`;
  s += `    <Member cardNo="${card}" idNo="${xmlAttr(v.idText ?? '')}" name="${xmlAttr(v.name ?? '')}" employer="${xmlAttr(employer)}"/>\n`;
  if (v.settlementRef) s += `    <Settlement ref="${xmlAttr(v.settlementRef)}" hospital="${xmlAttr(v.settlementRef.split('-')[0]!)}"/>\n`;
  const amount = v.amountText ?? yuan2(v.amountFen);
  s += `    <Benefit amount="${xmlAttr(amount)}" approved="${isoYmd(apprYmd(v))}"`;
  if (v.paid >= 0) s += ` paid="${isoDay(v.paid)}"`;
  if (v.voucher) s += ` voucher="${xmlAttr(v.voucher)}"`;
  s += '/>\n';
  s += `    <Status>${v.status === ST_APPROVED ? 'APPROVED' : v.status === ST_REVERSED ? 'REVOKED' : 'PAID'}</Status>\n  </Claim>\n`;
  return s;
}

// ---- union-women ----

export function uwItem(v: AidView): string {
  return JSON.stringify({
    claimId: v.recordId,
    insured: { idCard: v.idText, name: v.name },
    illness: ILLNESSES[(v.h >>> 3) % ILLNESSES.length],
    payout: v.amountText ?? yuan2(v.amountFen),
    payoutDate: isoYmd(dayYmd(v)),
    voucher: v.voucher,
    settlementNo: v.settlementRef,
    updatedAt: timestamp(v.updated, secsOf(v.h >>> 7, 8 * 3600, 10 * 3600)),
  });
}

// ---- union-hardship ----

export function uhLine(v: AidView): string {
  const paid = v.paid >= 0 && !(v.status === ST_REVERSED && (v.h & 32) === 0) ? compact(ymd(v.paid)) : '';
  return `D|${v.recordId ?? ''}|${v.idText ?? ''}|${v.name ?? ''}|${v.amountFen}|${compact(apprYmd(v))}|${paid}|${v.voucher ?? ''}|${v.settlementRef ?? ''}|${v.status === ST_REVERSED ? 9 : 1}\n`;
}

// ---- veterans ----

export const VET_HEADER = '序号,姓名,公民身份号码,优待证号,帮扶类型,帮扶金额,审批时间,发放时间,凭证号,结算单号\r\n';

export function vetLine(v: AidView, rowNo: number): string {
  return csvLine([
    String(rowNo),
    v.name,
    v.idText,
    v.person >= 0 ? `YD46${String(v.person).padStart(8, '0')}` : '',
    VETERAN_ITEMS[(v.h >>> 3) % VETERAN_ITEMS.length],
    v.amountText ?? yuanThousands(v.amountFen),
    chinese(apprYmd(v)),
    chinese(ymd(v.paid)),
    v.voucher,
    v.settlementRef,
  ]);
}

// ---- women-children ----

export function wcRecord(v: AidView): string {
  const woman = v.program === WC_WOMAN;
  return JSON.stringify({
    recordNo: v.recordId,
    beneficiary: {
      type: woman ? 'WOMAN' : 'CHILD',
      idNumber: v.childWithoutId ? null : v.idText,
      name: v.name,
      birthDate: woman ? null : isoDay(v.birth),
      guardianIdNumber: woman ? null : v.guardianIdText,
      guardianName: woman ? null : v.guardianName,
    },
    project: woman ? '两癌救助' : '儿童大病救助',
    amount: v.amountText ?? yuanText(v.amountFen, v.h >>> 2),
    grantDate: isoYmd(dayYmd(v)),
    voucherNo: v.voucher,
    settlementId: v.settlementRef,
  });
}

// ---- disabled-rehab ----

export const DIS_HEADER = '残疾人证号,姓名,残疾类别,残疾等级,救助项目,救助金额(元),救助日期,凭证号,结算单号,县区代码\r\n';

export function disLine(prov: Province, v: AidView): string {
  return csvLine([
    v.cert,
    v.name,
    DISABILITY_CATEGORIES[v.disCategory - 1],
    DISABILITY_LEVELS[v.disLevel - 1],
    DISABLED_ITEMS[(v.h >>> 3) % DISABLED_ITEMS.length],
    amountYuan(v),
    isoYmd(dayYmd(v)),
    v.voucher,
    v.settlementRef,
    countyCodeOfPerson(prov, v.person),
  ]);
}

// ---- red-cross ----

export function rcGrant(v: AidView): string {
  const secs = secsOf(v.h >>> 4, 0, 86400);
  const at = v.badDate ? timestampYmd(v.badDate, secs) : (v.h >>> 20) % 9 === 0 ? timestampUtc(v.paid, secs) : timestamp(v.paid, secs);
  const o: Record<string, unknown> = { grantId: v.recordId ?? undefined, patientIdNo: v.idText, patientName: v.name, amount: v.amountText ?? yuan2(v.amountFen), grantedAt: at, settlementId: v.settlementRef, voucherNo: v.voucher };
  return JSON.stringify(o);
}

export function donationId(prov: Province, d: number): string {
  const c = prov.donation.c;
  const year = ymd(c.day[d]!)[0];
  return c.sys[d] === 10 ? `HSZ-D-${year}-${String(c.seq[d]!).padStart(6, '0')}` : `CSD${year}${String(c.seq[d]!).padStart(7, '0')}`;
}

export function rcDonation(prov: Province, d: number, badAmount: string | null = null): string {
  const c = prov.donation.c;
  const h = rh(prov, 4000, d);
  return JSON.stringify({ donationId: donationId(prov, d), donor: DONORS[c.donor[d]!], amount: badAmount ?? yuan2(c.amount[d]!), receivedAt: timestamp(c.day[d]!, secsOf(h, 8 * 3600, 10 * 3600)) });
}

// ---- charity ----

export const CH_HEADER = '类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目\r\n';

export function chGrant(v: AidView): string {
  return csvLine(['救助', v.recordId, v.name, v.idText, amountYuan(v), isoYmd(dayYmd(v)), v.voucher, v.settlementRef, CHARITY_ITEMS[(v.h >>> 3) % CHARITY_ITEMS.length]]);
}

export function chDonation(prov: Province, d: number, badAmount: string | null = null): string {
  const c = prov.donation.c;
  const h = rh(prov, 4000, d);
  const voucher = c.voucher[d]! >= 0 ? `CSJZ${String(c.voucher[d]!).padStart(10, '0')}` : '';
  return csvLine(['捐赠', donationId(prov, d), DONORS[c.donor[d]!], '', badAmount ?? yuanText(c.amount[d]!, h), isoDay(c.day[d]!), voucher, '', '大病救助专项基金']);
}

/** A quarantined donation: an amount nobody can read. */
export function badDonationAmount(b: BadSpec): string {
  return b.flavour === 0 ? `${Math.floor(b.amountFen / 100)}.${pad2(b.amountFen % 100)}5` : `-${yuan2(b.amountFen)}`;
}

// ---- medical-insurance ----

interface SettlementFields {
  setlId: string | null;
  person: number;
  certno: string;
  hosp: number;
  admit: number;
  disch: Ymd;
  diag: string;
  total: number;
  scope: number;
  basic: number;
  critical: number;
  supp: number;
  maf: number;
  burden: number;
  medfeeText: string | null;
  settledAt: string;
  refund: string | null;
  h: number;
}

function settlementJson(f: SettlementFields): string {
  const y = (fen: number, k: number) => yuanText(fen, f.h >>> k);
  const hosp = HOSPITALS[f.hosp]!;
  return (
    JSON.stringify({
      setl_id: f.setlId ?? undefined,
      psn_no: `P46${String(f.person).padStart(10, '0')}`,
      certno: f.certno,
      psn_name: null as string | null,
      fixmedins_code: hosp.code,
      fixmedins_name: hosp.name,
      begndate: isoDay(f.admit),
      enddate: isoYmd(f.disch),
      diag_code: f.diag,
      medfee_sumamt: f.medfeeText ?? y(f.total, 1),
      inscp_scp_amt: y(f.scope, 2),
      hifp_pay: y(f.basic, 3),
      hifmi_pay: y(f.critical, 4),
      hifob_pay: y(f.supp, 5),
      maf_pay: y(f.maf, 6),
      psn_part_amt: y(f.burden, 7),
      setl_time: f.settledAt,
      refd_setl_flag: f.refund ? '1' : '0',
      init_setl_id: f.refund ?? undefined,
    }) + '\n'
  );
}

/** A settlement line: current, before its correction (`old`), or the refund that cancels it. */
/** `names`: for a refund line first delivered naming another stay, that stay. */
export function settlementLine(prov: Province, s: number, version: 'current' | 'old' | 'refund', mark: (p: number) => void, names = s): string {
  const c = prov.settlement.c;
  const p = c.person[s]!;
  const h = rh(prov, 5000 + (version === 'refund' ? 1 : 0), s);
  const basic = version === 'old' ? prov.oldBasic.get(s)! : c.basic[s]!;
  let burden = settlementB(prov, s, basic);
  if (c.flags[s]! & SF_TOLERANCE && version !== 'refund') burden += 1;
  const sign = version === 'refund' ? -1 : 1;
  mark(p);
  const f: SettlementFields = {
    setlId: version === 'refund' ? refundId(prov, s) : settlementId(prov, s),
    person: p,
    certno: idText(prov, p, h),
    hosp: c.hosp[s]!,
    admit: c.admit[s]!,
    disch: ymd(c.disch[s]!),
    diag: (h >>> 9) % 9 === 0 ? '' : DIAGNOSES[c.diag[s]! % DIAGNOSES.length]!,
    total: sign * c.total[s]!,
    scope: sign * c.scope[s]!,
    basic: sign * basic,
    critical: sign * c.critical[s]!,
    supp: sign * c.supp[s]!,
    maf: sign * c.maf[s]!,
    burden: sign * burden,
    medfeeText: null,
    settledAt: version === 'refund' ? timestamp(c.refundDay[s]!, c.refundTime[s]!) : timestamp(c.disch[s]!, c.time[s]!),
    refund: version === 'refund' ? settlementId(prov, names) : null,
    h,
  };
  return withName(prov, f, p);
}

function withName(prov: Province, f: SettlementFields, p: number): string {
  const json = settlementJson(f);
  // psn_name sits where the national field list puts it; filled after so the object keeps its key order.
  return json.replace('"psn_name":null', `"psn_name":${JSON.stringify(personNameText(prov, p, f.h >>> 11))}`);
}

export function badSettlementLine(prov: Province, b: BadSpec, index: number): string {
  const h = rh(prov, 2000, b.repeats >= 0 ? b.repeats : index);
  const total = b.amountFen;
  const scope = Math.round(total * 0.9);
  const basic = Math.round(scope * 0.62);
  const burden = total - basic;
  const disch = ymd(b.paid);
  const f: SettlementFields = {
    setlId: b.setlId,
    person: b.person,
    certno: idText(prov, b.person, h),
    hosp: b.hospital,
    admit: b.paid - 1 - (h % 20),
    disch,
    diag: DIAGNOSES[h % DIAGNOSES.length]!,
    total,
    scope,
    basic,
    critical: 0,
    supp: 0,
    maf: 0,
    burden,
    medfeeText: null,
    settledAt: timestamp(b.paid, secsOf(h, 8 * 3600, 9 * 3600)),
    refund: null,
    h,
  };
  switch (b.reason) {
    case 'INVALID_ID':
      f.certno = b.badId!;
      break;
    case 'BAD_AMOUNT':
      f.medfeeText = b.flavour === 0 ? `${Math.floor(total / 100)}.${pad2(total % 100)}5` : 'N/A';
      break;
    case 'BAD_DATE':
      f.disch = b.flavour === 0 ? [disch[0], 2, 30] : [2099, disch[1], 1 + (h % 28)];
      break;
    case 'MISSING_FIELD':
      f.setlId = null;
      break;
    case 'BURDEN_MISMATCH':
      f.burden = burden + 100 + (h % 100000);
      break;
    default:
      throw new Error(`no ${b.reason} in medical-insurance`);
  }
  return withName(prov, f, b.person);
}

