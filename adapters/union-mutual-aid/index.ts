/**
 * `union-mutual-aid` — 工会职工医疗互助 (Federation of Trade Unions): one XML export (sources.md §5), a
 * <Claim> per mutual-aid payout under <MutualAidExport>.
 *
 * The document is streamed twice by the XML reader (src/formats/xml.ts): verify() reads it whole first,
 * because a truncated export is still a prefix of good claims and none of them may be applied; read() then
 * yields one claim at a time.
 */
import type { Adapter, ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { readXmlRecords, verifyXmlExport, type XmlExportShape, type XmlRecordElement } from '../../src/formats/xml.ts';
import { Fields, mapRecord, refuse } from '../../src/ingest/fields.ts';
import type { AidStatus } from '../../src/codes.ts';

const PROGRAM = 'WORKER_MUTUAL_AID';
const SHAPE: XmlExportShape = { root: 'MutualAidExport', record: 'Claim' };

const STATUSES: Record<string, AidStatus> = { PAID: 'PAID', APPROVED: 'APPROVED', REVOKED: 'REVERSED' };

/** One <Claim>, its child elements' attributes as read (absent elements are null). */
export interface ClaimValue {
  id: string | null;
  member: Record<string, string> | null;
  settlement: Record<string, string> | null;
  benefit: Record<string, string> | null;
  status: string | null;
}

/** The claim as the mapper reads it, from the generic record element of src/formats/xml.ts. */
function claimOf(e: XmlRecordElement): ClaimValue {
  return {
    id: e.attributes.id ?? null,
    member: e.children.Member?.attributes ?? null,
    settlement: e.children.Settlement?.attributes ?? null,
    benefit: e.children.Benefit?.attributes ?? null,
    status: e.children.Status?.text ?? null,
  };
}

async function* readClaims(input: ByteInput): AsyncGenerator<SourceRecord<ClaimValue>> {
  for await (const rec of readXmlRecords(input, SHAPE)) yield { ...rec, value: claimOf(rec.value) };
}

function mapClaim(rec: SourceRecord<ClaimValue>, ctx: MapContext): MapOutcome {
  const c = rec.value;
  return mapRecord((known) => {
    // Fields named as in the document: `Claim@id`, `Status`, and each child element's attributes as `Member@idNo`.
    const f = new Fields({ 'Claim@id': c.id, Member: c.member, Settlement: c.settlement, Benefit: c.benefit, Status: c.status }, ctx);
    const recordId = known(f.required('Claim@id'));
    const member = f.object('Member', '@');
    const benefit = f.object('Benefit', '@');
    const settlement = f.optionalObject('Settlement', '@');
    const idNumber = member.idNumber('idNo');
    const amountFen = benefit.yuan('amount');
    const approvedOn = benefit.optionalDate('approved');
    const paidOn = benefit.optionalDate('paid');
    const statusText = f.required('Status');
    const status = STATUSES[statusText];
    if (!status) refuse('BAD_VALUE', `Status "${statusText}" is not PAID, APPROVED or REVOKED`);
    if (status === 'PAID' && paidOn === null) refuse('MISSING_FIELD', 'Benefit@paid is missing on a PAID claim');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: member.asReceived('name') },
          program: PROGRAM,
          amountFen,
          approvedOn,
          paidOn,
          status,
          voucher: benefit.text('voucher'),
          settlementRef: settlement.text('ref'),
          hospitalCode: settlement.text('hospital'),
          details: { cardNo: member.text('cardNo'), employer: member.text('employer') },
        },
      ],
    };
  });
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The trade-union mutual-aid claim (职工医疗互助) behind this aid: the member's union card and employer;
    null for aid of other systems.
    """
    unionMutualAid: MutualAidClaimDetail
  }

  """A claim of the trade unions' workers' medical mutual aid (工会职工医疗互助)."""
  type MutualAidClaimDetail {
    """Union member card number (工会会员卡号), e.g. HNGH0012345; union programs require one."""
    cardNo: String
    """The member's employer (工作单位) as the union recorded it."""
    employer: String
  }
`;

export const unionMutualAid: Adapter<ClaimValue> = {
  code: 'union-mutual-aid',
  agency: 'trade-unions',
  title: '工会职工医疗互助',
  programs: [{ code: PROGRAM, title: '职工医疗互助' }],
  format: 'XML (UTF-8): <MutualAidExport> with one <Claim> per payout; a document that is not well-formed is refused whole',
  // A union card stated on a claim shows the member belongs to a trade union.
  membershipEvidence: { field: 'cardNo' },
  verify: (input) => verifyXmlExport(input, SHAPE),
  read: readClaims,
  map: mapClaim,
  sdl,
  resolvers: {
    AidRecord: {
      unionMutualAid: detailsOf('union-mutual-aid'),
    },
  },
};
