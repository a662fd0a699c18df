/**
 * `disabled-rehab` — 残疾人医疗康复救助 of the Disabled Persons' Federation (sources.md §10).
 * CSV in UTF-8. The 20-character disability certificate is the identity number followed by the category
 * and level digits, which must agree with the 残疾类别 and 残疾等级 columns. Two kinds of file, told apart by the
 * header row: payments, and the roster of certificate holders (持证残疾人名册), whose rows are `DISABLED`
 * statuses with a residence — so a first-time applicant meets the rehabilitation rule before any payment.
 */
import type { Adapter, AidFact, Fact, ResidenceFact, StatusFact } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { toHalfWidth } from '../../src/identity/id-number.ts';
import { normalizeVoucher } from '../../src/identity/text.ts';
import { readCsvRecords, type CsvValue } from '../../src/formats/text.ts';
import { Fields, checkIdNumber, mapRow, refuse } from '../../src/ingest/fields.ts';

const PROGRAM = 'DISABLED_REHAB';

const HEADER = ['残疾人证号', '姓名', '残疾类别', '残疾等级', '救助项目', '救助金额(元)', '救助日期', '凭证号', '结算单号', '县区代码'] as const;
const ROSTER_HEADER = ['残疾人证号', '姓名', '残疾类别', '残疾等级', '发证日期', '有效期至', '县区代码'] as const;

const isRoster = (row: Readonly<Record<string, string>>) => Object.hasOwn(row, '发证日期');

/** Category digit of the certificate → its name (GB/T 26341). */
const CATEGORY_NAMES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'] as const;
/** 残疾类别 as written, with or without the trailing 残疾, → category digit. */
const CATEGORIES: Readonly<Record<string, number>> = Object.fromEntries(
  CATEGORY_NAMES.flatMap((name, i) => [
    [name, i + 1],
    [`${name}残疾`, i + 1],
  ]),
);
const LEVELS: Readonly<Record<string, number>> = { 一级: 1, 二级: 2, 三级: 3, 四级: 4 };

/** The disability a status or aid record states, shown as `AidRecord.disabledRehab`. */
export type Disability = { category: number; categoryName: string; level: number };
export type DisabledRehabAidDetail = Disability & { project: string | null };

/** The certificate of a payment or roster row, checked against 残疾类别 and 残疾等级 (CERT_MISMATCH). */
function readCertificate(f: Fields): { cert: string; idNumber: string; disability: Disability } {
  const cert = toHalfWidth(f.required('残疾人证号')).replace(/\s+/g, '').toUpperCase();
  if (cert.length !== 20) refuse('INVALID_ID', `残疾人证号 "${cert}" is not 20 characters`);
  const idNumber = checkIdNumber('残疾人证号', cert.slice(0, 18), f.ctx);
  const category = f.choice('残疾类别', CATEGORIES);
  const level = f.choice('残疾等级', LEVELS);
  const certCategory = cert.slice(18, 19);
  const certLevel = cert.slice(19, 20);
  if (certCategory !== String(category) || certLevel !== String(level)) {
    refuse('CERT_MISMATCH', `残疾人证号 ends in ${certCategory}${certLevel}, the row says category ${category} level ${level}`);
  }
  return { cert, idNumber, disability: { category, categoryName: CATEGORY_NAMES[category - 1]!, level } };
}

/**
 * A roster row: a `DISABLED` status (category and level) from 发证日期 to 有效期至 (its last day in force; empty:
 * still in force) and a residence as of 发证日期. Its record id is the certificate + 发证日期, so a row re-sent
 * with another 有效期至 or 县区代码 is a correction of the same record.
 */
function mapRoster(f: Fields): { recordId: string; facts: Fact[] } {
  const { cert, idNumber, disability } = readCertificate(f);
  const validFrom = f.date('发证日期');
  const validTo = f.optionalDate('有效期至', { allowFuture: true });
  if (validTo !== null && validTo < validFrom) refuse('BAD_DATE', `有效期至 ${validTo} is before 发证日期 ${validFrom}`);
  const countyCode = f.countyCode('县区代码');
  const person = { idNumber, name: f.asReceived('姓名') };
  const status: StatusFact = { kind: 'status', person, category: 'DISABLED', validFrom, validTo, countyCode, detail: disability };
  const residence: ResidenceFact = { kind: 'residence', person, countyCode, asOf: validFrom };
  return { recordId: `roster:${cert}:${validFrom}`, facts: [status, residence] };
}

function mapRehab(f: Fields): { recordId: string; facts: Fact[] } {
  const { cert, idNumber, disability } = readCertificate(f);
  const amountFen = f.yuan('救助金额(元)');
  const date = f.date('救助日期');
  const countyCode = f.optionalCountyCode('县区代码');
  const voucher = f.text('凭证号');
  const recordId = normalizeVoucher(voucher) ?? `${cert}|${date}|${amountFen}`;

  const person = { idNumber, name: f.asReceived('姓名') };
  const details: DisabledRehabAidDetail = { ...disability, project: f.text('救助项目') };
  const aid: AidFact = {
    kind: 'aid',
    person,
    program: PROGRAM,
    amountFen,
    approvedOn: null,
    paidOn: date,
    status: 'PAID',
    voucher,
    settlementRef: f.text('结算单号'),
    hospitalCode: null,
    details,
  };
  const status: StatusFact = {
    kind: 'status',
    person,
    category: 'DISABLED',
    validFrom: date,
    validTo: null,
    countyCode,
    detail: disability,
    derivedKey: `derived:DISABLED:${person.idNumber}:${disability.category}:${disability.level}`,
  };
  const facts: Fact[] = [aid, status];
  if (countyCode !== null) {
    const residence: ResidenceFact = { kind: 'residence', person, countyCode, asOf: date };
    facts.push(residence);
  }
  return { recordId, facts };
}

export const disabledRehab: Adapter<CsvValue> = {
  code: 'disabled-rehab',
  agency: 'disabled-federation',
  title: '残疾人医疗康复救助',
  programs: [{ code: PROGRAM, title: '残疾人医疗康复救助' }],
  format: 'CSV (UTF-8, header row): payments, or the 持证残疾人名册 roster, told apart by the header; 残疾人证号 = identity number + category digit + level digit',
  read: (input) => readCsvRecords(input, { encoding: 'utf8', headers: [HEADER, ROSTER_HEADER] }),
  map(record, ctx) {
    return mapRow(
      record.value,
      (row) => (isRoster(row) ? null : normalizeVoucher(row['凭证号'])),
      (row) => (isRoster(row) ? mapRoster(new Fields(row, ctx)) : mapRehab(new Fields(row, ctx))),
    );
  },
  sdl: /* GraphQL */ `
    extend type AidRecord {
      "The disability behind a rehabilitation payment (残疾人医疗康复救助); null for aid of other systems."
      disabledRehab: DisabledRehabAidDetail
    }

    "A medical rehabilitation payment of the Disabled Persons' Federation, with the disability it was paid for."
    type DisabledRehabAidDetail {
      "残疾类别 as its code digit: 1 视力 (visual), 2 听力 (hearing), 3 言语 (speech), 4 肢体 (physical), 5 智力 (intellectual), 6 精神 (mental), 7 多重 (multiple)."
      category: Int
      "残疾类别: the category's Chinese name, e.g. 肢体."
      categoryName: String
      "残疾等级: the level, 1 (一级, most severe) to 4 (四级)."
      level: Int
      "救助项目: the rehabilitation project the payment was made under."
      project: String
    }
  `,
  resolvers: {
    AidRecord: {
      disabledRehab: detailsOf('disabled-rehab'),
    },
  },
};
