/**
 * Red Cross documents, and the contract suite's fixture: donations and grants, one item per reason code this
 * format can produce, and a document cut off mid-grant.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import type { ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export const PATIENT_ID = id('46000219650707333');

export function donation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { donationId: 'HZ-D-2026-0001', donor: '海口某爱心企业', amount: '100000.00', receivedAt: '2026-01-05T10:00:00+08:00', ...overrides };
}

export function grant(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    grantId: 'HZ-G-2026-0001',
    patientIdNo: PATIENT_ID,
    patientName: '吴大海',
    amount: '6000.00',
    grantedAt: '2026-02-03T15:30:00+08:00',
    settlementId: 'H46010200001-2026-000777',
    voucherNo: 'HZ-PZ-0001',
    ...overrides,
  };
}

export function documentJson(donations: unknown[], grants: unknown[]): string {
  return JSON.stringify({ donations, grants }, null, 1);
}

export async function contractFixture(): Promise<ContractFixture> {
  const content = Buffer.from(
    documentJson(
      [donation(), donation({ donationId: 'HZ-D-2026-0002', donor: null, amount: 500 }), donation({ donationId: 'HZ-D-2026-0003', amount: '-1.00' }), donation({ donationId: null })],
      [
        grant(),
        grant({ grantId: 'HZ-G-2026-0002', patientIdNo: '460002650707333', patientName: '符·阿珍', settlementId: null, voucherNo: null }),
        grant({ grantId: 'HZ-G-2026-0003', patientIdNo: PATIENT_ID.slice(0, 17) + (PATIENT_ID[17] === '0' ? '1' : '0') }),
        grant({ grantId: 'HZ-G-2026-0004', grantedAt: '2026-02-03' }),
        ['not', 'a', 'grant'],
      ],
    ),
  );
  return {
    name: 'red-cross-contract.json',
    content,
    records: 9,
    quarantined: { BAD_AMOUNT: 1, MISSING_FIELD: 1, INVALID_ID: 1, BAD_DATE: 1, UNPARSABLE: 1 },
    rejected: { name: 'red-cross-truncated.json', content: content.subarray(0, content.length - 20), reason: 'MALFORMED' },
  };
}
