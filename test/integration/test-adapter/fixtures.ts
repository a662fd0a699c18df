/** The test-only system's contract fixture: valid payouts, and one line per reason code the format produces. */
import { idOf, utf8, wrongCheckOf, type ContractFixture } from '../../../adapters/contract-fixture.ts';

export const MEMBER = idOf('46010219800101123');
export const NON_MEMBER = idOf('46010219820304122');

export function payoutLine(overrides: Record<string, unknown> = {}, member: Record<string, unknown> = {}): string {
  return JSON.stringify({
    claimNo: 'VM-0001',
    member: { idNo: MEMBER, name: '王大明', memberNo: 'VM0001', ...member },
    amount: '1200.00',
    paidOn: '2026-03-02',
    settlementId: 'H46010200001-2026-000123',
    ...overrides,
  });
}

export const contractFixture: ContractFixture = {
  name: 'village-mutual-2026q1.ndjson',
  content: utf8(
    [
      payoutLine(),
      payoutLine({ claimNo: 'VM-0002', settlementId: null }, { idNo: NON_MEMBER, name: '符秀英', memberNo: null }),
      payoutLine({ claimNo: 'VM-0003' }, { idNo: wrongCheckOf('46010219800101123') }),
      payoutLine({ claimNo: 'VM-0004', amount: '-5' }),
      payoutLine({ claimNo: 'VM-0005', paidOn: '2999-01-01' }),
      payoutLine({ claimNo: null }),
      payoutLine({ claimNo: 'VM-0007', member: 'someone' }),
      '{"claimNo":"VM-0008","member":',
    ].join('\n') + '\n',
  ),
  records: 8,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
  // A CSV file sent to this NDJSON system is refused whole.
  rejected: { name: 'village-mutual-is-csv.ndjson', content: utf8('编号,身份证号\nVM-1,460102198001011234\n'), reason: 'MALFORMED' },
};
