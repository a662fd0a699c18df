/**
 * `union-mutual-aid` — 工会职工医疗互助 (Federation of Trade Unions): one XML export (sources.md §5), a
 * <Claim> per mutual-aid payout under <MutualAidExport>.
 *
 * The document is streamed through saxes twice: verify() reads it whole first, because a truncated export
 * is still a prefix of good claims and none of them may be applied; read() then yields one claim at a time.
 */
import { SaxesParser } from 'saxes';
import type { Adapter, ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError, detailsOf } from '../../src/ingest/adapter.ts';
import { openText } from '../../src/formats/text.ts';
import { XmlSpans } from '../../src/formats/xml.ts';
import { limits } from '../../src/formats/limits.ts';
import { Fields, mapRecord, refuse } from '../../src/ingest/fields.ts';
import type { AidStatus } from '../../src/codes.ts';

const PROGRAM = 'WORKER_MUTUAL_AID';
const ROOT = 'MutualAidExport';

const STATUSES: Record<string, AidStatus> = { PAID: 'PAID', APPROVED: 'APPROVED', REVOKED: 'REVERSED' };

/** One <Claim>, its child elements' attributes as read (absent elements are null). */
export interface ClaimValue {
  id: string | null;
  member: Record<string, string> | null;
  settlement: Record<string, string> | null;
  benefit: Record<string, string> | null;
  status: string | null;
}

function escapeXml(s: string, attribute: boolean): string {
  const t = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? t.replace(/"/g, '&quot;') : t;
}

function openTag(tag: { name: string; attributes: unknown }, selfClosing: boolean): string {
  const attrs = Object.entries(tag.attributes as Record<string, string>)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('');
  return `<${tag.name}${attrs}${selfClosing ? '/>' : '>'}`;
}

interface ParseHandlers {
  onClaim?: (claim: ClaimValue, raw: string, index: number) => void;
}

/**
 * Streams the document through saxes, calling back per claim. It yields after each chunk, so read() can
 * hand the claims of that chunk on before the next chunk is read. Any well-formedness error, an empty
 * document or a foreign root element throws MALFORMED.
 */
async function* parseExport(input: ByteInput, handlers: ParseHandlers): AsyncGenerator<void> {
  const malformed = (message: string) => new FileRejectedError('MALFORMED', `${input.name}: ${message}`);
  const parser = new SaxesParser({ position: true });
  let error: Error | null = null;
  let depth = 0;
  let sawRoot = false;
  let claimIndex = 0;
  // State of the claim being read: its reconstructed text and what the mapper needs of it.
  let claim: ClaimValue | null = null;
  let raw = '';
  let statusText: string | null = null;

  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    depth++;
    if (depth > limits.maxDepth) error ??= new Error(`elements are nested deeper than ${limits.maxDepth} levels`);
    if (depth === 1) {
      sawRoot = true;
      if (tag.name !== ROOT) error ??= new Error(`the root element is <${tag.name}>, not <${ROOT}>`);
      return;
    }
    if (depth === 2 && tag.name === 'Claim') {
      claimIndex++;
      const attrs = tag.attributes as Record<string, string>;
      claim = { id: attrs.id ?? null, member: null, settlement: null, benefit: null, status: null };
      raw = '';
      statusText = null;
    }
    if (!claim) return;
    raw += openTag(tag, tag.isSelfClosing);
    if (depth === 3) {
      const attrs = { ...(tag.attributes as Record<string, string>) };
      if (tag.name === 'Member') claim.member ??= attrs;
      else if (tag.name === 'Settlement') claim.settlement ??= attrs;
      else if (tag.name === 'Benefit') claim.benefit ??= attrs;
      else if (tag.name === 'Status' && claim.status === null) statusText = '';
    }
  });
  parser.on('text', (text) => {
    if (!claim) return;
    raw += escapeXml(text, false);
    if (statusText !== null && depth === 3) statusText += text;
  });
  parser.on('cdata', (text) => {
    if (!claim) return;
    raw += `<![CDATA[${text}]]>`;
    if (statusText !== null && depth === 3) statusText += text;
  });
  parser.on('closetag', (tag) => {
    if (claim) {
      if (!tag.isSelfClosing) raw += `</${tag.name}>`;
      if (depth === 3 && tag.name === 'Status' && statusText !== null) {
        claim.status = statusText;
        statusText = null;
      }
      if (raw.length > limits.maxRecordChars) error ??= new Error(`Claim[${claimIndex}] is longer than ${limits.maxRecordChars} characters`);
      else if (depth === 2) {
        handlers.onClaim?.(claim, raw, claimIndex);
        claim = null;
      }
    }
    depth--;
  });

  const { source, text, failure } = openText(input);
  try {
    // decodeStream re-encodes whole characters per chunk, so no character is split between two chunks.
    const spans = new XmlSpans();
    for await (const chunk of text as AsyncIterable<Buffer | string>) {
      const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      spans.check(s);
      parser.write(s);
      if (error) break;
      yield;
    }
    if (!error) parser.close();
  } catch (e) {
    // A file that could not be read is an I/O fault, not a malformed export.
    const io = failure();
    if (io) throw io;
    error ??= e as Error;
  } finally {
    source.destroy();
  }
  if (error) throw malformed(`not a well-formed export: ${error.message}`);
  if (!sawRoot) throw malformed('the document is empty');
  yield;
}

async function verifyExport(input: ByteInput): Promise<void> {
  for await (const _ of parseExport(input, {})) {
    // parsing the whole document is the check
  }
}

async function* readClaims(input: ByteInput): AsyncGenerator<SourceRecord<ClaimValue>> {
  const ready: SourceRecord<ClaimValue>[] = [];
  const steps = parseExport(input, {
    onClaim: (value, raw, index) => ready.push({ location: { file: input.name, element: `/${ROOT}/Claim[${index}]` }, raw, value }),
  });
  for await (const _ of steps) {
    while (ready.length > 0) yield ready.shift()!;
  }
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
  verify: verifyExport,
  read: readClaims,
  map: mapClaim,
  sdl,
  resolvers: {
    AidRecord: {
      unionMutualAid: detailsOf('union-mutual-aid'),
    },
  },
};
