/**
 * `veterans` — 困难退役军人帮扶援助 of the Department of Veterans Affairs (sources.md §8).
 * CSV in UTF-8 with a byte-order mark; amounts carry thousands separators, dates read `2026年3月5日`.
 * Two kinds of file, told apart by the header row: payments, and the roster of veterans in hardship
 * (困难退役军人名册), whose rows are `VETERAN` statuses with a residence.
 */
import type { Adapter, AidFact, ResidenceFact, StatusFact } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { normalizeVoucher } from '../../src/identity/text.ts';
import { readCsvRecords, type CsvValue } from '../../src/formats/text.ts';
import { Fields, mapRow, refuse } from '../../src/ingest/fields.ts';

const PROGRAM = 'VETERAN_ASSISTANCE';

const HEADER = ['序号', '姓名', '公民身份号码', '优待证号', '帮扶类型', '帮扶金额', '审批时间', '发放时间', '凭证号', '结算单号'] as const;
const ROSTER_HEADER = ['公民身份号码', '姓名', '优待证号', '认定日期', '终止日期', '县区代码'] as const;

const isRoster = (row: Readonly<Record<string, string>>) => Object.hasOwn(row, '认定日期');

/**
 * A roster row: the veteran's `VETERAN` status from 认定日期 to 终止日期 (its last day in force; empty: still in
 * force) and a residence as of 认定日期. Its record id is 公民身份号码 + 认定日期, so a row re-sent with another
 * 终止日期, 优待证号 or 县区代码 is a correction of the same record.
 */
function mapRoster(f: Fields) {
  const idNumber = f.idNumber('公民身份号码');
  const validFrom = f.date('认定日期');
  const validTo = f.optionalDate('终止日期', { allowFuture: true });
  if (validTo !== null && validTo < validFrom) refuse('BAD_DATE', `终止日期 ${validTo} is before 认定日期 ${validFrom}`);
  const countyCode = f.countyCode('县区代码');
  const person = { idNumber, name: f.asReceived('姓名') };
  const status: StatusFact = {
    kind: 'status',
    person,
    category: 'VETERAN',
    validFrom,
    validTo,
    countyCode,
    detail: { preferentialCardNo: f.text('优待证号'), source: '困难退役军人名册' },
  };
  const residence: ResidenceFact = { kind: 'residence', person, countyCode, asOf: validFrom };
  return { recordId: `roster:${idNumber}:${validFrom}`, facts: [status, residence] };
}

/** What only veterans affairs records about a payment, shown as `AidRecord.veterans`. */
export type VeteransAidDetail = { preferentialCardNo: string | null; assistanceType: string | null };

export const veterans: Adapter<CsvValue> = {
  code: 'veterans',
  agency: 'veterans-affairs',
  title: '困难退役军人帮扶援助',
  programs: [{ code: PROGRAM, title: '困难退役军人帮扶援助' }],
  format: 'CSV (UTF-8 with BOM, header row): payments, or the 困难退役军人名册 roster, told apart by the header; amounts with thousands separators, dates as 2026年3月5日',
  read: (input) => readCsvRecords(input, { encoding: 'utf8', headers: [HEADER, ROSTER_HEADER] }),
  map(record, ctx) {
    return mapRow(
      record.value,
      (row) => (isRoster(row) ? null : normalizeVoucher(row['凭证号'])),
      (row) => {
        const f = new Fields(row, ctx);
        if (isRoster(row)) return mapRoster(f);
        const idNumber = f.idNumber('公民身份号码');
        const amountFen = f.yuan('帮扶金额');
        const approvedOn = f.date('审批时间');
        const paidOn = f.optionalDate('发放时间');
        const voucher = f.text('凭证号');
        // 序号 only numbers the rows of one export; without a voucher the payment is known by who, when, how much
        // (its payment key). A payment delivered first without its voucher and later with it is one record
        // corrected, in either order (sources.md §8; the pipeline resolves it by the payment key).
        const paymentKey = `${idNumber}|${approvedOn}|${amountFen}`;
        const recordId = normalizeVoucher(voucher) ?? paymentKey;
        const details: VeteransAidDetail = { preferentialCardNo: f.text('优待证号'), assistanceType: f.text('帮扶类型') };
        const aid: AidFact = {
          kind: 'aid',
          person: { idNumber, name: f.asReceived('姓名') },
          program: PROGRAM,
          amountFen,
          approvedOn,
          paidOn,
          status: paidOn === null ? 'APPROVED' : 'PAID',
          voucher,
          settlementRef: f.text('结算单号'),
          hospitalCode: null,
          details,
        };
        // Only veterans affairs knows who is a veteran: its payments are the evidence of the VETERAN status.
        const status: StatusFact = {
          kind: 'status',
          person: aid.person,
          category: 'VETERAN',
          validFrom: approvedOn,
          validTo: null,
          detail: { preferentialCardNo: details.preferentialCardNo },
          derivedKey: `derived:VETERAN:${idNumber}`,
        };
        return { recordId, paymentKey, facts: [aid, status] };
      },
    );
  },
  sdl: /* GraphQL */ `
    extend type AidRecord {
      "Veterans affairs' own data on this payment (困难退役军人帮扶援助); null for aid of other systems."
      veterans: VeteransAidDetail
    }

    "A payment of the hardship veterans' assistance (困难退役军人帮扶援助) as veterans affairs records it."
    type VeteransAidDetail {
      "优待证号: the number of the recipient's veteran preferential-treatment card."
      preferentialCardNo: String
      "帮扶类型: the kind of assistance, in veterans affairs' wording."
      assistanceType: String
    }
  `,
  resolvers: {
    AidRecord: {
      veterans: detailsOf('veterans'),
    },
  },
};
