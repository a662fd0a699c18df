/**
 * `civil-affairs` — 临时救助 and status certification of the Department of Civil Affairs (sources.md §2).
 * CSV in GB18030; the header row tells a status file (对象认定) from a payment file (临时救助发放).
 */
import type { Adapter, AidFact, MembershipFact, ResidenceFact, SourceRecord, StatusFact } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import type { StatusCategory } from '../../src/codes.ts';
import { readCsvRecords, type CsvValue } from '../../src/formats/text.ts';
import { Fields, mapRow, refuse } from '../../src/ingest/fields.ts';

const PROGRAM = 'TEMPORARY_ASSISTANCE';

const STATUS_HEADER = ['户主身份证号', '户主姓名', '成员身份证号', '成员姓名', '与户主关系', '救助类别', '认定日期', '终止日期', '行政区划', '家庭年收入(元)'] as const;
const PAYMENT_HEADER = ['救助编号', '身份证号', '姓名', '救助金额(元)', '审批日期', '发放日期', '发放凭证号', '就医结算号', '医疗机构编码', '状态'] as const;

const CATEGORIES: Readonly<Record<string, StatusCategory>> = {
  特困供养: 'EXTREMELY_POOR',
  低保: 'MINIMUM_LIVING',
  低保边缘: 'LOW_INCOME_MARGINAL',
  支出型困难: 'EXPENDITURE_HARDSHIP',
};

const SELF = '本人';
/** Relationships are kept in the source's wording: household logic reads 本人 as the householder. */
const RELATIONSHIPS: Readonly<Record<string, string>> = Object.fromEntries(
  [SELF, '配偶', '子女', '父母', '孙子女', '兄弟姐妹', '其他'].map((r) => [r, r]),
);

const PAYMENT_STATUSES = { 已发放: 'PAID', 已撤销: 'REVERSED' } as const;

/** What civil affairs alone records about a payment, shown as `AidRecord.civilAffairs`. */
export type CivilAffairsAidDetail = {
  assistanceNo: string;
  approvedOn: string;
  sourceStatus: string;
};

function mapStatus(f: Fields) {
  const householder = f.idNumber('户主身份证号');
  const member = f.idNumber('成员身份证号');
  const relationship = f.choice('与户主关系', RELATIONSHIPS);
  if ((relationship === SELF) !== (member === householder)) {
    refuse('BAD_VALUE', `与户主关系 "${relationship}" contradicts the identity numbers of householder and member`);
  }
  const categoryText = f.required('救助类别');
  const category = f.choice('救助类别', CATEGORIES);
  const validFrom = f.date('认定日期');
  const validTo = f.optionalDate('终止日期', { allowFuture: true });
  if (validTo !== null && validTo < validFrom) refuse('BAD_DATE', `终止日期 ${validTo} is before 认定日期 ${validFrom}`);
  const countyCode = f.countyCode('行政区划');
  const annualIncomeFen = f.optionalYuan('家庭年收入(元)');
  const person = { idNumber: member, name: f.asReceived('成员姓名') };
  const membership: MembershipFact = {
    kind: 'membership',
    householdKey: `civil:${householder}`,
    person,
    relationship,
    annualIncomeFen,
    asOf: validFrom,
    countyCode,
  };
  const status: StatusFact = {
    kind: 'status',
    person,
    category,
    validFrom,
    validTo,
    countyCode,
    detail: { 救助类别: categoryText },
  };
  const residence: ResidenceFact = { kind: 'residence', person, countyCode, asOf: validFrom };
  return { recordId: `status:${member}:${category}:${validFrom}`, facts: [membership, status, residence] };
}

function mapPayment(f: Fields) {
  const recordId = f.required('救助编号');
  const idNumber = f.idNumber('身份证号');
  const amountFen = f.yuan('救助金额(元)');
  const approvedOn = f.date('审批日期');
  const sourceStatus = f.required('状态');
  const status = f.choice('状态', PAYMENT_STATUSES);
  // A cancelled payment may never have been paid; a paid one must say when.
  const paidOn = status === 'PAID' ? f.date('发放日期') : f.optionalDate('发放日期');
  const details: CivilAffairsAidDetail = { assistanceNo: recordId, approvedOn, sourceStatus };
  const aid: AidFact = {
    kind: 'aid',
    person: { idNumber, name: f.asReceived('姓名') },
    program: PROGRAM,
    amountFen,
    approvedOn,
    paidOn,
    status,
    voucher: f.text('发放凭证号'),
    settlementRef: f.text('就医结算号'),
    hospitalCode: f.text('医疗机构编码'),
    details,
  };
  return { recordId, facts: [aid] };
}

const isPayment = (row: Readonly<Record<string, string>>) => Object.hasOwn(row, '救助编号');

export const civilAffairs: Adapter<CsvValue> = {
  code: 'civil-affairs',
  agency: 'civil-affairs',
  encoding: 'gb18030',
  title: '临时救助及救助对象认定',
  programs: [{ code: PROGRAM, title: '临时救助' }],
  format: 'CSV (GB18030, header row): 对象认定 status file or 临时救助发放 payment file, told apart by the header',
  read: (input) => readCsvRecords(input, { encoding: 'gb18030', headers: [STATUS_HEADER, PAYMENT_HEADER] }),
  map(record: SourceRecord<CsvValue>, ctx) {
    return mapRow(
      record.value,
      // A status row's id needs its checked fields; only a payment's is known before the checks.
      (row) => (isPayment(row) ? new Fields(row, ctx).text('救助编号') : null),
      (row) => (isPayment(row) ? mapPayment(new Fields(row, ctx)) : mapStatus(new Fields(row, ctx))),
    );
  },
  sdl: /* GraphQL */ `
    extend type AidRecord {
      """
      Civil affairs' approval of a temporary assistance payment (临时救助审批); null for aid of other systems.
      """
      civilAffairs: CivilAffairsAidDetail
    }

    """
    How civil affairs approved a temporary assistance payment (临时救助), as its payment file states it.
    """
    type CivilAffairsAidDetail {
      "救助编号: the assistance case number civil affairs gave the payment."
      assistanceNo: String
      "审批日期: the day the payment was approved."
      approvedOn: Date
      "状态 in civil affairs' own wording: 已发放 (paid) or 已撤销 (cancelled)."
      sourceStatus: String
    }
  `,
  resolvers: {
    AidRecord: {
      civilAffairs: detailsOf('civil-affairs'),
    },
  },
};
