/**
 * `union-hardship` — 城市困难职工医疗保障 of the Federation of Trade Unions (sources.md §7).
 * Pipe-delimited GB18030 text: an H header line, D data lines, a T trailer whose count and sum of fen
 * must match the D lines, else the whole file is refused.
 */
import { FileRejectedError, type Adapter, type AidFact, type StatusFact, type ByteInput, type SourceRecord, detailsOf } from '../../src/ingest/adapter.ts';
import { toHalfWidth } from '../../src/identity/id-number.ts';
import { isUnparsable, readLines, unparsable, type CsvValue } from '../../src/formats/text.ts';
import { Fields, mapRow } from '../../src/ingest/fields.ts';

const PROGRAM = 'POOR_WORKER_MEDICAL';
const SYSTEM_TAG = 'UNION-HARDSHIP';
const ENCODING = 'gb18030';
const LENIENT = new TextDecoder('gb18030');

/** Names of the D line's fields, in order, as the spec writes them. */
const D_FIELDS = ['D', 'recordId', 'idNo', 'name', 'amount', 'approved', 'paid', 'voucher', 'settlementNo', 'status'] as const;

const STATUSES = { '1': 'PAID', '9': 'REVERSED' } as const;

/** What only this system adds to an aid record, shown as `AidRecord.unionHardship`. */
export type UnionHardshipAidDetail = { statusCode: string };

/** A whole number (possibly signed), or null: the trailer sum is compared over exact integers. */
function integer(text: string | undefined): bigint | null {
  const s = toHalfWidth(text ?? '').trim();
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : null;
}

async function* read(input: ByteInput): AsyncGenerator<SourceRecord<CsvValue>> {
  for await (const rec of readLines(input, ENCODING)) {
    if (isUnparsable(rec.value)) {
      yield { location: rec.location, raw: rec.raw, value: rec.value };
      continue;
    }
    const parts = rec.value.split('|');
    const kind = parts[0]!.trim();
    if (kind === 'H' || kind === 'T') continue;
    let value: CsvValue;
    if (kind !== 'D') value = unparsable(`line ${rec.location.line} is not an H, D or T line`);
    else if (parts.length !== D_FIELDS.length) value = unparsable(`line ${rec.location.line} has ${parts.length} fields, a D line has ${D_FIELDS.length}`);
    else value = Object.fromEntries(D_FIELDS.map((name, i) => [name, parts[i]!]));
    yield { location: rec.location, raw: rec.raw, value };
  }
}

/**
 * The file's own check, streamed: one H line first, D lines, one T line last; the header count, the trailer
 * count and the trailer sum must agree with the D lines. A D line whose amount is not a whole number adds
 * nothing to the sum (it is quarantined as BAD_AMOUNT when mapped). Lines of no known kind are left to
 * `read`, which quarantines them.
 */
async function verify(input: ByteInput): Promise<void> {
  function fail(message: string): never {
    throw new FileRejectedError('INTEGRITY', `${input.name}: ${message}`);
  }
  let headerCount: bigint | null = null;
  let trailer: { count: bigint; sum: bigint } | null = null;
  let count = 0n;
  let sum = 0n;
  for await (const { value, raw, location } of readLines(input, ENCODING)) {
    // A line that is not GB18030 text is quarantined by read(); it still counts here as the line it was
    // (its kind and amount are ASCII), read leniently for this check only.
    const text = isUnparsable(value) ? LENIENT.decode(Buffer.from(raw, 'base64')) : value;
    const parts = text.split('|');
    const kind = parts[0]!.trim();
    if (kind === 'H') {
      if (headerCount !== null) fail(`a second H line at line ${location.line}`);
      if (count > 0n || trailer) fail(`the H line at line ${location.line} follows data; the header is missing at the top`);
      const announced = integer(parts[3]);
      if (parts.length !== 4 || parts[1]!.trim() !== SYSTEM_TAG || announced === null) {
        throw new FileRejectedError('MALFORMED', `${input.name}: line ${location.line} is not a header "H|${SYSTEM_TAG}|YYYYMMDD|count"`);
      }
      headerCount = announced;
    } else if (kind === 'D') {
      if (trailer) fail(`a D line at line ${location.line} follows the trailer`);
      count++;
      sum += integer(parts[4]) ?? 0n;
    } else if (kind === 'T') {
      if (trailer) fail(`a second T line at line ${location.line}`);
      const c = integer(parts[1]);
      const s = integer(parts[2]);
      if (parts.length !== 3 || c === null || s === null) fail(`line ${location.line} is not a trailer "T|count|sum"`);
      trailer = { count: c, sum: s };
    }
  }
  if (headerCount === null) throw new FileRejectedError('MALFORMED', `${input.name}: no H line; this is not a ${SYSTEM_TAG} export`);
  if (!trailer) fail('the T line is missing: the file is truncated');
  if (headerCount !== count) fail(`the header announces ${headerCount} records, the file has ${count} D lines`);
  if (trailer.count !== count) fail(`the trailer counts ${trailer.count} records, the file has ${count} D lines`);
  if (trailer.sum !== sum) fail(`the trailer sums ${trailer.sum} fen, the D lines sum ${sum} fen`);
}

export const unionHardship: Adapter<CsvValue> = {
  code: 'union-hardship',
  agency: 'trade-unions',
  encoding: 'gb18030',
  title: '城市困难职工医疗保障',
  programs: [{ code: PROGRAM, title: '城市困难职工医疗保障' }],
  format: 'Pipe-delimited text (GB18030): H header, D data lines (amounts in fen), T trailer with count and sum',
  read,
  verify,
  map(record, ctx) {
    return mapRow(
      record.value,
      (row) => new Fields(row, ctx).text('recordId'),
      (row) => {
        const f = new Fields(row, ctx);
        const recordId = f.required('recordId');
        const idNumber = f.idNumber('idNo');
        const amountFen = f.fen('amount');
        const approvedOn = f.date('approved');
        const statusCode = f.required('status');
        const status = f.choice('status', STATUSES);
        // Status 1 says paid: without its day the payment cannot be placed in a quarter.
        const paidOn = status === 'PAID' ? f.date('paid') : f.optionalDate('paid');
        const details: UnionHardshipAidDetail = { statusCode };
        const aid: AidFact = {
          kind: 'aid',
          person: { idNumber, name: f.asReceived('name') },
          program: PROGRAM,
          amountFen,
          approvedOn,
          paidOn,
          status,
          voucher: f.text('voucher'),
          settlementRef: f.text('settlementNo'),
          hospitalCode: null,
          details,
        };
        // The hardship-worker program aids registered poor workers (困难职工): its payments are the evidence of POOR_WORKER.
        const poorWorker: StatusFact = {
          kind: 'status',
          person: aid.person,
          category: 'POOR_WORKER',
          validFrom: approvedOn,
          validTo: null,
          derivedKey: `derived:POOR_WORKER:${idNumber}`,
        };
        return { recordId, facts: [aid, poorWorker] };
      },
    );
  },
  sdl: /* GraphQL */ `
    extend type AidRecord {
      """
      What the trade unions' hardship-worker export (城市困难职工医疗保障) states about this payment; null for aid
      of other systems.
      """
      unionHardship: UnionHardshipAidDetail
    }

    """
    A payment of the city hardship-worker medical programme (城市困难职工医疗保障) as the union's export codes it.
    """
    type UnionHardshipAidDetail {
      "The export's status code as received: 1 paid, 9 cancelled."
      statusCode: String
    }
  `,
  resolvers: {
    AidRecord: {
      unionHardship: detailsOf('union-hardship'),
    },
  },
};
