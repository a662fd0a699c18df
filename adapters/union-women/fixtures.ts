/**
 * Saved pages of the claims API, and the contract suite's fixture: valid claims over two pages, one item per
 * reason code this format can produce, and a file cut off mid-page.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import type { ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export const INSURED_ID = id('46010219850315222');

export function claimItem(overrides: Record<string, unknown> = {}, insured: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    claimId: 'NGAK-2026-0042',
    insured: { idCard: INSURED_ID, name: '陈美玲', ...insured },
    illness: '乳腺癌',
    payout: '5000.00',
    payoutDate: '2026-03-02',
    voucher: 'NG-PZ-0042',
    settlementNo: 'H46010200001-2026-000321',
    updatedAt: '2026-03-02T09:00:00+08:00',
    ...overrides,
  };
}

export async function contractFixture(): Promise<ContractFixture> {
  const pages = [
    {
      items: [
        claimItem(),
        claimItem({ claimId: 'NGAK-2026-0043', voucher: null, settlementNo: null, illness: '宫颈癌' }, { idCard: '460102850315222', name: '符•小妹' }),
        claimItem({ claimId: 'NGAK-2026-0044', payout: 3000, voucher: 'NG-PZ-0044', settlementNo: null }),
        claimItem({ claimId: 'NGAK-2026-0045' }, { idCard: INSURED_ID.slice(0, 17) + (INSURED_ID[17] === '0' ? '1' : '0') }),
      ],
      nextCursor: 'c2',
    },
    {
      items: [
        claimItem({ claimId: 'NGAK-2026-0046', payout: '5000.001' }),
        claimItem({ claimId: 'NGAK-2026-0047', payoutDate: '2099-03-02' }),
        claimItem({ claimId: '' }),
        'not a claim',
      ],
      nextCursor: null,
    },
  ];
  const content = Buffer.from(JSON.stringify(pages, null, 1));
  return {
    name: 'union-women-contract.json',
    content,
    records: 8,
    quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, UNPARSABLE: 1 },
    rejected: { name: 'union-women-truncated.json', content: content.subarray(0, content.length - 30), reason: 'MALFORMED' },
  };
}
