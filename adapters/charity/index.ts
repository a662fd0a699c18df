/**
 * `charity` — 慈善医疗救助筹款绿色通道 of the Charity Federation (sources.md §12).
 * CSV in UTF-8: donations in (类型 捐赠) and grants out to patients (类型 救助) in one file.
 */
import type { Adapter, AidFact, DonationFact } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { readCsvRecords, type CsvValue } from '../../src/formats/text.ts';
import { Fields, mapRow } from '../../src/ingest/fields.ts';

const PROGRAM = 'CHARITY_MEDICAL';

const HEADER = ['类型', '编号', '对方名称', '身份证号', '金额', '日期', '凭证号', '结算单号', '项目'] as const;

const KINDS = { 捐赠: 'donation', 救助: 'grant' } as const;

/** What only the charity records about a grant, shown as `AidRecord.charity`. */
export type CharityAidDetail = { project: string | null; counterpartyName: string | null };

/** Donations and grants share the 编号 sequence of one file but not one id space in the hub. */
const donationRecordId = (no: string) => `donation:${no}`;

export const charity: Adapter<CsvValue> = {
  code: 'charity',
  agency: 'charity-federation',
  title: '慈善医疗救助筹款绿色通道',
  programs: [{ code: PROGRAM, title: '慈善医疗救助' }],
  format: 'CSV (UTF-8, header row): 类型 捐赠 (donation in) or 救助 (grant out to a patient)',
  socialChannel: true,
  read: (input) => readCsvRecords(input, { encoding: 'utf8', headers: [HEADER] }),
  map(record, ctx) {
    return mapRow(
      record.value,
      (row) => {
        const f = new Fields(row, ctx);
        const no = f.text('编号');
        return no === null ? null : f.text('类型') === '捐赠' ? donationRecordId(no) : no;
      },
      (row) => {
        const f = new Fields(row, ctx);
        const kind = f.choice('类型', KINDS);
        const no = f.required('编号');
        if (kind === 'donation') {
          const amountFen = f.yuan('金额');
          const day = f.date('日期');
          const donation: DonationFact = {
            kind: 'donation',
            donationId: no,
            donor: f.asReceived('对方名称'),
            amountFen,
            // The file gives the CST day only: the donation counts from its start.
            receivedAt: new Date(`${day}T00:00:00+08:00`),
          };
          return { recordId: donationRecordId(no), facts: [donation] };
        }
        const idNumber = f.idNumber('身份证号');
        const amountFen = f.yuan('金额');
        const paidOn = f.date('日期');
        const details: CharityAidDetail = { project: f.text('项目'), counterpartyName: f.text('对方名称') };
        const aid: AidFact = {
          kind: 'aid',
          person: { idNumber, name: f.asReceived('对方名称') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn,
          status: 'PAID',
          voucher: f.text('凭证号'),
          settlementRef: f.text('结算单号'),
          hospitalCode: null,
          details,
        };
        return { recordId: no, facts: [aid] };
      },
    );
  },
  sdl: /* GraphQL */ `
    extend type AidRecord {
      "The charity's own data on a grant (慈善医疗救助); null for aid of other systems."
      charity: CharityAidDetail
    }

    "A grant of the Charity Federation's medical aid channel (慈善医疗救助筹款绿色通道) as the charity records it."
    type CharityAidDetail {
      "项目: the charity project the grant was paid from."
      project: String
      "对方名称: the counterparty as the charity wrote it, for a grant the patient's name."
      counterpartyName: String
    }
  `,
  resolvers: {
    AidRecord: {
      charity: detailsOf('charity'),
    },
  },
};
