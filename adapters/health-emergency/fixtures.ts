/**
 * A small emergency-case feed for the contract suite: identified and unidentified patients, an approved
 * case not yet paid, and one line for every reason code this format can produce.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import { utf8, type ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export function caseLine(overrides: Record<string, unknown> = {}, patient: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caseNo: 'JJ2026-000123',
    patient: { idNo: id('46010219800101123'), name: '王小明', unidentified: false, approxAge: null, ...patient },
    hospitalCode: 'H46010200001',
    settlementId: 'H46010200001-2026-000123',
    admittedAt: '2026-01-03T02:10:00+08:00',
    amountFen: 350000,
    approvedAt: '2026-01-20T10:00:00+08:00',
    paidAt: '2026-01-25T10:00:00+08:00',
    voucherNo: 'YJ2026-0001',
    ...overrides,
  };
}

export async function contractFixture(): Promise<ContractFixture> {
  const lines = [
    JSON.stringify(caseLine()),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000124', settlementId: null, voucherNo: null }, { idNo: null, name: null, unidentified: true, approxAge: 60 })),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000125', paidAt: null, voucherNo: null }, { idNo: '460102800101123', name: '符·阿妹' })),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000126' }, { idNo: id('46010219800101123').slice(0, 17) + '0' })),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000127', amountFen: -100 })),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000128', paidAt: '2099-01-01T00:00:00+08:00' })),
    JSON.stringify(caseLine({ caseNo: null })),
    JSON.stringify(caseLine({ caseNo: 'JJ2026-000130' }, { unidentified: 'maybe' })),
    '{"caseNo":"JJ2026-000131","patient":',
  ];
  return {
    name: 'health-emergency-contract.ndjson',
    content: Buffer.from(lines.join('\n') + '\n'),
    records: 9,
    quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
    // A CSV file sent to this NDJSON system: no line is one of its records, so it is refused whole.
    rejected: { name: 'health-emergency-is-csv.ndjson', content: utf8('救助编号,身份证号,姓名\nCA-1,460102198001011234,王大明\n'), reason: 'MALFORMED' },
  };
}
