/**
 * `disabled-rehab` — 残疾人医疗康复救助 of the Disabled Persons' Federation (sources.md §10).
 * CSV in UTF-8. The 20-character disability certificate is the identity number followed by the category
 * and level digits, which must agree with the 残疾类别 and 残疾等级 columns.
 */
import type { Adapter, AidFact, Fact, ResidenceFact, StatusFact } from '../../src/ingest/adapter.ts';
import { toHalfWidth } from '../../src/identity/id-number.ts';
import { normalizeVoucher } from '../../src/identity/text.ts';
import { detailsOf, readCsvRecords, type CsvValue } from '../../src/ingest/readers.ts';
import { Fields, checkIdNumber, mapRow, refuse } from '../../src/ingest/fields.ts';

const PROGRAM = 'DISABLED_REHAB';

const HEADER = ['残疾人证号', '姓名', '残疾类别', '残疾等级', '救助项目', '救助金额(元)', '救助日期', '凭证号', '结算单号', '县区代码'] as const;

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

function mapRehab(f: Fields): { recordId: string; facts: Fact[] } {
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
  const amountFen = f.yuan('救助金额(元)');
  const date = f.date('救助日期');
  const countyCode = f.optionalCountyCode('县区代码');
  const voucher = f.text('凭证号');
  const recordId = normalizeVoucher(voucher) ?? `${cert}|${date}|${amountFen}`;

  const person = { idNumber, name: f.asReceived('姓名') };
  const disability: Disability = { category, categoryName: CATEGORY_NAMES[category - 1]!, level };
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
  format: 'CSV (UTF-8, header row); 残疾人证号 = identity number + category digit + level digit',
  read: (input) => readCsvRecords(input, { encoding: 'utf8', headers: [HEADER] }),
  map(record, ctx) {
    return mapRow(
      record.value,
      (row) => normalizeVoucher(row['凭证号']),
      (row) => mapRehab(new Fields(row, ctx)),
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
