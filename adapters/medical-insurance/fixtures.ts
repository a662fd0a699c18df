/**
 * A small settlement feed for the contract suite: valid stays, a refund, and one line for every reason code
 * this format can produce.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import { utf8, type ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export function settlementLine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    setl_id: 'H46010200001-2026-000001',
    psn_no: '46000000000000000001',
    certno: id('46010219800101123'),
    psn_name: '王小明',
    fixmedins_code: 'H46010200001',
    fixmedins_name: '海南省人民医院',
    begndate: '2026-01-03',
    enddate: '2026-01-12',
    diag_code: 'C50.9',
    medfee_sumamt: '52000.00',
    inscp_scp_amt: '48000.00',
    hifp_pay: '30000.00',
    hifmi_pay: '8000.00',
    hifob_pay: '0',
    maf_pay: '4000.00',
    psn_part_amt: '10000.00',
    setl_time: '2026-01-12T16:20:00+08:00',
    refd_setl_flag: '0',
    ...overrides,
  };
}

export async function contractFixture(): Promise<ContractFixture> {
  const lines = [
    JSON.stringify(settlementLine()),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000002', certno: id('46020019750505222'), psn_name: '阿依·木拉提' })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000003', certno: '460102800101123', hifob_pay: '', psn_part_amt: '10000.01' })),
    JSON.stringify({ setl_id: 'H46010200001-2026-900001', refd_setl_flag: '1', init_setl_id: 'H46010200001-2026-000002', setl_time: '2026-01-20T09:00:00+08:00' }),
    '{"setl_id": "H46010200001-2026-000004", "certno": ',
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000005', certno: '460102198001011230' })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000006', medfee_sumamt: '52,000.005' })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000007', enddate: '2099-01-01' })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000008', certno: null })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000009', psn_part_amt: '9000.00' })),
    JSON.stringify(settlementLine({ setl_id: 'H46010200001-2026-000010', refd_setl_flag: '2' })),
  ];
  return {
    name: 'medical-insurance-contract.ndjson',
    content: Buffer.from(lines.join('\n') + '\n'),
    records: 11,
    quarantined: { UNPARSABLE: 1, INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BURDEN_MISMATCH: 1, BAD_VALUE: 1 },
    // A CSV file sent to this NDJSON system: no line is one of its records, so it is refused whole.
    rejected: { name: 'medical-insurance-is-csv.ndjson', content: utf8('救助编号,身份证号,姓名\nCA-1,460102198001011234,王大明\n'), reason: 'MALFORMED' },
  };
}
