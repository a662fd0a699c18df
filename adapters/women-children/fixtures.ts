/**
 * Women's Federation batches, and the contract suite's fixture: a woman, a child known only through her
 * guardian, a child with an own number, and one record per reason code this format can produce.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import type { ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export const WOMAN_ID = id('46010219780808222');
export const GUARDIAN_ID = id('46900519850101111');
export const CHILD_ID = id('46900520190501222');

export function womanRecord(overrides: Record<string, unknown> = {}, beneficiary: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    recordNo: 'FL-2026-0001',
    beneficiary: { type: 'WOMAN', idNumber: WOMAN_ID, name: '李秀英', birthDate: null, guardianIdNumber: null, guardianName: null, ...beneficiary },
    project: '两癌救助',
    amount: '8000.00',
    grantDate: '2026-02-14',
    voucherNo: 'FL-PZ-0001',
    settlementId: 'H46010200001-2026-000555',
    ...overrides,
  };
}

export function childRecord(overrides: Record<string, unknown> = {}, beneficiary: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    recordNo: 'FL-2026-0002',
    beneficiary: { type: 'CHILD', idNumber: null, name: '王小宝', birthDate: '2019-05-01', guardianIdNumber: GUARDIAN_ID, guardianName: '王建国', ...beneficiary },
    project: '儿童大病救助',
    amount: '20000.00',
    grantDate: '2026-02-20',
    voucherNo: null,
    settlementId: null,
    ...overrides,
  };
}

export function batchJson(records: unknown[], batch: string | null = 'FL-2026-Q1-03'): string {
  return JSON.stringify(batch === null ? { records } : { batch, records });
}

export async function contractFixture(): Promise<ContractFixture> {
  const content = Buffer.from(
    batchJson([
      womanRecord(),
      childRecord(),
      childRecord({ recordNo: 'FL-2026-0003' }, { idNumber: CHILD_ID }),
      womanRecord({ recordNo: 'FL-2026-0004', voucherNo: 'FL-PZ-0004', settlementId: null }, { idNumber: '460102780808222', name: '阿丽·买买提' }),
      childRecord({ recordNo: 'FL-2026-0005' }, { guardianIdNumber: GUARDIAN_ID.slice(0, 16) + '00' }),
      womanRecord({ recordNo: 'FL-2026-0006', amount: '八千' }),
      womanRecord({ recordNo: 'FL-2026-0007', grantDate: '2099-02-14' }),
      childRecord({ recordNo: 'FL-2026-0008' }, { birthDate: null }),
      womanRecord({ recordNo: 'FL-2026-0009', project: '助学' }),
      7,
    ]),
  );
  return {
    name: 'women-children-contract.json',
    content,
    records: 10,
    quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
    rejected: { name: 'women-children-truncated.json', content: content.subarray(0, content.length - 25), reason: 'MALFORMED' },
  };
}
