/**
 * `health-emergency` — 疾病应急救助 (Health Commission): NDJSON, one emergency case per line (sources.md §3).
 * The fund pays hospitals for patients who cannot pay, including patients nobody could identify: those are
 * provisional persons keyed by their case number, never dropped, and become real once a later delivery of
 * the same case carries an identity number.
 */
import type { Adapter, MapContext, MapOutcome, PersonRef, SourceRecord } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { readJsonLines, verifyJsonLines, type JsonLine } from '../../src/formats/json.ts';
import { mapJsonLine } from '../../src/ingest/fields.ts';
import { cstDate, formatCstDateTime } from '../../src/identity/dates.ts';

const PROGRAM = 'DISEASE_EMERGENCY';

/** What only this system knows about a case, stored in the aid record's `details`. */
export interface EmergencyCaseDetails extends Record<string, unknown> {
  caseNo: string;
  unidentified: boolean;
  approxAge: number | null;
  admittedAt: string | null;
}

export function provisionalKeyOf(caseNo: string): string {
  return `health-emergency:case:${caseNo}`;
}

function mapCase(rec: SourceRecord<JsonLine>, ctx: MapContext): MapOutcome {
  return mapJsonLine(rec, ctx, (f, known) => {
    const caseNo = known(f.required('caseNo'));
    const patient = f.object('patient');
    const flaggedUnidentified = patient.optionalBoolean('unidentified');
    // A number that is there must be a real one, even on a case flagged unidentified: it is not guessed at.
    const idNumber = patient.optionalIdNumber('idNo');
    const unidentified = flaggedUnidentified === true || idNumber === null;
    const provisionalKey = provisionalKeyOf(caseNo);
    const name = patient.asReceived('name');
    const person: PersonRef = unidentified ? { provisionalKey, name } : { idNumber, provisionalKey, name };

    const amountFen = f.fen('amountFen');
    const approvedAt = f.instant('approvedAt');
    const paidAt = f.optionalInstant('paidAt');
    const admittedAt = f.optionalInstant('admittedAt');
    const age = patient.value('approxAge');
    const approxAge = typeof age === 'number' && Number.isInteger(age) && age >= 0 ? age : null;
    const details: EmergencyCaseDetails = {
      caseNo,
      unidentified,
      approxAge,
      admittedAt: admittedAt ? formatCstDateTime(admittedAt) : null,
    };
    return {
      recordId: caseNo,
      facts: [
        {
          kind: 'aid',
          person,
          program: PROGRAM,
          amountFen,
          approvedOn: cstDate(approvedAt),
          paidOn: paidAt ? cstDate(paidAt) : null,
          status: paidAt ? 'PAID' : 'APPROVED',
          voucher: f.text('voucherNo'),
          settlementRef: f.text('settlementId'),
          hospitalCode: f.text('hospitalCode'),
          details,
        },
      ],
    };
  });
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The emergency case (疾病应急救助病例) behind this aid, when it was paid by the disease emergency fund;
    null for aid of other systems.
    """
    healthEmergency: EmergencyCaseDetail
  }

  """An emergency-care case of the disease emergency assistance fund (疾病应急救助)."""
  type EmergencyCaseDetail {
    """
    Case number (病例编号), e.g. JJ2026-000123. For an unidentified patient (身份不明患者) it is the only handle:
    the patient is a provisional person until a delivery of this case brings an identity number.
    """
    caseNo: String!
    """Whether the patient was unidentified (身份不明) when the case was exported."""
    unidentified: Boolean!
    """Approximate age (估计年龄) the hospital recorded for a patient it could not identify."""
    approxAge: Int
    """When the patient was admitted for emergency care (入院时间)."""
    admittedAt: DateTime
  }
`;

export const healthEmergency: Adapter<JsonLine> = {
  code: 'health-emergency',
  agency: 'health',
  title: '疾病应急救助',
  programs: [{ code: PROGRAM, title: '疾病应急救助' }],
  format: 'NDJSON (UTF-8), one emergency case per line; unidentified patients kept by case number',
  verify: (input) => verifyJsonLines(input, ['caseNo']),
  read: readJsonLines,
  map: mapCase,
  sdl,
  resolvers: {
    AidRecord: {
      healthEmergency: detailsOf('health-emergency'),
    },
  },
};
