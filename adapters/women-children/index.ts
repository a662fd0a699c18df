/**
 * `women-children` — 困难妇女儿童救助 (Women's Federation), sources.md §9: one JSON document per batch,
 * `{"batch":…,"records":[…]}`, streamed record by record so a large batch is never loaded whole.
 *
 * A child without an own identity number is known by its guardian's number, its name and its birth date:
 * that triple is the provisional person's key, so the pipeline can match the child to a member of the
 * guardian's household recorded elsewhere, or merge it once the child's own number arrives.
 */
import type { Adapter, ByteInput, MapContext, MapOutcome, PersonRef, SourceRecord } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { findTopLevelValue, verifyJsonDocument, walkJson, type JsonShape } from '../../src/formats/json.ts';
import { mapObject, refuse, type Fields } from '../../src/ingest/fields.ts';
import { birthDateOf } from '../../src/identity/id-number.ts';
import { normalizeName } from '../../src/identity/text.ts';

const PROGRAMS = { 两癌救助: 'WOMEN_TWO_CANCERS', 儿童大病救助: 'CHILD_SERIOUS_ILLNESS' } as const;
const SHAPE: JsonShape = { root: 'object', arrays: [['records']], required: [['records']] };

export interface BatchRecord {
  /** The batch the record came in (the document's `batch`), null when the document names none. */
  batch: string | null;
  record: unknown;
}

export function childKey(guardianIdNumber: string, normalizedName: string, birthDate: string): string {
  return `child:${guardianIdNumber}|${normalizedName}|${birthDate}`;
}

function batchOf(v: unknown): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim() || null : null;
}

async function* readBatch(input: ByteInput): AsyncGenerator<SourceRecord<BatchRecord>> {
  let batch: string | null | undefined;
  for await (const hit of walkJson(input, SHAPE, [['batch'], ['records', '*']])) {
    if (hit.path[0] === 'batch') {
      batch = batchOf(hit.value);
      continue;
    }
    // `batch` normally leads the document; when it trails the records, one more pass finds it first.
    if (batch === undefined) batch = batchOf(await findTopLevelValue(input, SHAPE, 'batch'));
    yield { location: { file: input.name, path: `records[${hit.path[1]}]` }, raw: JSON.stringify(hit.value) ?? 'null', value: { batch, record: hit.value } };
  }
}

function childPerson(b: Fields): { person: PersonRef; guardianIdNumber: string | null } {
  const name = b.asReceived('name');
  const own = b.optionalIdNumber('idNumber');
  if (own === null) {
    const guardianIdNumber = b.idNumber('guardianIdNumber');
    const birthDate = b.date('birthDate');
    const normalized = normalizeName(name);
    if (normalized === null) refuse('MISSING_FIELD', 'beneficiary.name is missing for a child without an own identity number');
    return { person: { provisionalKey: childKey(guardianIdNumber, normalized, birthDate), name, birthDate, guardianIdNumber }, guardianIdNumber };
  }
  // With an own number and the guardian too, the key ties this child to an earlier provisional one.
  const guardianIdNumber = b.optionalIdNumber('guardianIdNumber');
  const birthDate = b.optionalDate('birthDate') ?? birthDateOf(own);
  const normalized = normalizeName(name);
  if (guardianIdNumber === null || normalized === null) return { person: { idNumber: own, name }, guardianIdNumber };
  return {
    person: { idNumber: own, provisionalKey: childKey(guardianIdNumber, normalized, birthDate), name, birthDate, guardianIdNumber },
    guardianIdNumber,
  };
}

function mapGrant(rec: SourceRecord<BatchRecord>, ctx: MapContext): MapOutcome {
  return mapObject(rec.value.record, rec.location.path ?? 'record', ctx, (r, known) => {
    const recordId = known(r.required('recordNo'));
    const b = r.object('beneficiary');
    const type = b.required('type');
    if (type !== 'WOMAN' && type !== 'CHILD') refuse('BAD_VALUE', `beneficiary.type "${type}" is neither WOMAN nor CHILD`);
    const project = r.required('project');
    const program = PROGRAMS[project as keyof typeof PROGRAMS];
    if (!program) refuse('BAD_VALUE', `project "${project}" is neither 两癌救助 nor 儿童大病救助`);
    const { person, guardianIdNumber } =
      type === 'CHILD' ? childPerson(b) : { person: { idNumber: b.idNumber('idNumber'), name: b.asReceived('name') }, guardianIdNumber: null };
    const amountFen = r.yuan('amount');
    const grantDate = r.date('grantDate');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person,
          program,
          amountFen,
          approvedOn: null,
          paidOn: grantDate,
          status: 'PAID',
          voucher: r.text('voucherNo'),
          settlementRef: r.text('settlementId'),
          hospitalCode: null,
          details: { batch: rec.value.batch, beneficiaryType: type, guardianIdNumber },
        },
        { kind: 'status', person, category: 'WOMAN_CHILD_HARDSHIP', validFrom: grantDate, validTo: null },
      ],
    };
  });
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The Women's Federation grant (困难妇女儿童救助) behind this aid: its batch and beneficiary; null for aid of
    other systems.
    """
    womenChildren: WomenChildrenGrantDetail
  }

  """A grant of the Women's Federation to a woman in hardship or a seriously ill child (困难妇女儿童救助)."""
  type WomenChildrenGrantDetail {
    """The delivery batch (批次) the grant came in, e.g. FL-2026-Q1-03."""
    batch: String
    """WOMAN (妇女) or CHILD (儿童)."""
    beneficiaryType: String!
    """
    The guardian's identity number (监护人身份证号) of a child, masked (460102********123X) except for the
    platform; null for a woman.
    """
    guardianIdNumber: String
  }
`;

export const womenChildren: Adapter<BatchRecord> = {
  code: 'women-children',
  agency: 'womens-federation',
  title: '困难妇女儿童救助',
  programs: [
    { code: 'WOMEN_TWO_CANCERS', title: '两癌救助' },
    { code: 'CHILD_SERIOUS_ILLNESS', title: '儿童大病救助' },
  ],
  format: 'JSON document per batch: {"batch", "records": [...]}; children without an own number known through their guardian',
  verify: (input) => verifyJsonDocument(input, SHAPE),
  read: readBatch,
  map: mapGrant,
  sdl,
  resolvers: {
    AidRecord: {
      womenChildren: detailsOf('women-children'),
    },
    WomenChildrenGrantDetail: {
      // Masked for whoever may not see it whole by src/access/guard.ts (MASKS).
      guardianIdNumber: (d: { guardianIdNumber?: unknown }) => (typeof d.guardianIdNumber === 'string' ? d.guardianIdNumber : null),
    },
  },
};
