/**
 * `village-mutual` — a thirteenth, test-only system (村级医疗互助, a village medical mutual fund): NDJSON, one
 * payout per line, `{"claimNo", "member": {"idNo", "name", "memberNo"}, "amount", "paidOn", "settlementId"}`.
 *
 * It exists to show that a system is one folder and one registration: it reads through src/formats/, maps
 * through `Fields`, declares its SDL fragment and its membership evidence (`memberNo`), and nothing in src/
 * names it. test-adapter.test.ts registers it and runs the contract suite on it.
 */
import type { Adapter, MapContext, MapOutcome, SourceRecord } from '../../../src/ingest/adapter.ts';
import { detailsOf } from '../../../src/ingest/adapter.ts';
import { readJsonLines, verifyJsonLines, type JsonLine } from '../../../src/formats/json.ts';
import { mapJsonLine } from '../../../src/ingest/fields.ts';

export const PROGRAM = 'TEST_VILLAGE_MUTUAL';

function mapPayout(rec: SourceRecord<JsonLine>, ctx: MapContext): MapOutcome {
  return mapJsonLine(rec, ctx, (f, known) => {
    const recordId = known(f.required('claimNo'));
    const member = f.object('member');
    const idNumber = member.idNumber('idNo');
    const amountFen = f.yuan('amount');
    const paidOn = f.date('paidOn');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: member.asReceived('name') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn,
          status: 'PAID',
          voucher: null,
          settlementRef: f.text('settlementId'),
          hospitalCode: null,
          details: { memberNo: member.text('memberNo') },
        },
      ],
    };
  });
}

export const villageMutual: Adapter<JsonLine> = {
  code: 'village-mutual',
  agency: 'test-village-committee',
  title: '村级医疗互助（测试）',
  programs: [{ code: PROGRAM, title: '村级医疗互助' }],
  format: 'NDJSON (UTF-8), one payout per line (test-only system)',
  membershipEvidence: { field: 'memberNo' },
  verify: (input) => verifyJsonLines(input, ['claimNo']),
  read: readJsonLines,
  map: mapPayout,
  sdl: /* GraphQL */ `
    extend type AidRecord {
      "The village mutual fund's own data on a payout (test-only system); null for aid of other systems."
      villageMutual: VillageMutualDetail
    }

    "A payout of the village medical mutual fund (村级医疗互助), a test-only system."
    type VillageMutualDetail {
      "The member's number in the village fund."
      memberNo: String
    }
  `,
  resolvers: {
    AidRecord: {
      villageMutual: detailsOf('village-mutual'),
    },
  },
};
