/**
 * Mutual-aid exports built as the union delivers them, and the contract suite's fixture: valid claims of
 * each status, one claim per reason code this format can produce, and a truncated export.
 */
import { checkCharacter } from '../../src/identity/id-number.ts';
import type { ContractFixture } from '../contract-fixture.ts';

const id = (first17: string) => first17 + checkCharacter(first17);

export const MEMBER_ID = id('46010219800101123');

export interface ClaimSpec {
  id?: string | null;
  member?: Record<string, string> | null;
  settlement?: Record<string, string> | null;
  benefit?: Record<string, string> | null;
  status?: string | null;
}

const attrs = (o: Record<string, string>) =>
  Object.entries(o)
    .map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`)
    .join('');

export function claimXml(spec: ClaimSpec = {}): string {
  const member = spec.member === undefined ? { cardNo: 'HNGH0012345', idNo: MEMBER_ID, name: '王小明', employer: '海南橡胶集团' } : spec.member;
  const settlement = spec.settlement === undefined ? { ref: 'H46010200001-2026-000123', hospital: 'H46010200001' } : spec.settlement;
  const benefit = spec.benefit === undefined ? { amount: '1200.00', approved: '2026-02-01', paid: '2026-02-10', voucher: 'PZ2026000123' } : spec.benefit;
  const status = spec.status === undefined ? 'PAID' : spec.status;
  const idAttr = spec.id === null ? '' : attrs({ id: spec.id ?? 'MA2026000123' });
  return [
    `  <Claim${idAttr}>`,
    member ? `    <Member${attrs(member)}/>` : null,
    settlement ? `    <Settlement${attrs(settlement)}/>` : null,
    benefit ? `    <Benefit${attrs(benefit)}/>` : null,
    status !== null ? `    <Status>${status}</Status>` : null,
    '  </Claim>',
  ]
    .filter((l) => l !== null)
    .join('\n');
}

export function exportXml(claims: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MutualAidExport org="海南省总工会" exportedAt="2026-04-01T08:00:00+08:00">',
    ...claims,
    '</MutualAidExport>',
    '',
  ].join('\n');
}

export async function contractFixture(): Promise<ContractFixture> {
  const member = (over: Record<string, string>) => ({ cardNo: 'HNGH0012345', idNo: MEMBER_ID, name: '王小明', employer: '海南橡胶集团', ...over });
  const benefit = (over: Record<string, string>) => ({ amount: '1200.00', approved: '2026-02-01', paid: '2026-02-10', voucher: 'PZ2026000123', ...over });
  const claims = [
    claimXml(),
    claimXml({ id: 'MA2026000124', member: member({ idNo: '460102800101123', name: '吉·阿妹' }), settlement: null, benefit: benefit({ paid: '', voucher: '' }), status: 'APPROVED' }),
    claimXml({ id: 'MA2026000125', benefit: benefit({ voucher: 'PZ2026000125' }), status: 'REVOKED' }),
    claimXml({ id: 'MA2026000126', member: member({ idNo: '46010219800101123Z' }) }),
    claimXml({ id: 'MA2026000127', benefit: benefit({ amount: '1,2OO' }) }),
    claimXml({ id: 'MA2026000128', benefit: benefit({ paid: '2099-02-10' }) }),
    claimXml({ id: null }),
    claimXml({ id: 'MA2026000130', status: 'PENDING' }),
  ];
  const content = Buffer.from(exportXml(claims));
  return {
    name: 'union-mutual-aid-contract.xml',
    content,
    records: 8,
    quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1 },
    rejected: { name: 'union-mutual-aid-truncated.xml', content: content.subarray(0, content.length - 40), reason: 'MALFORMED' },
  };
}
