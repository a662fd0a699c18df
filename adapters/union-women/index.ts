/**
 * `union-women` — 女职工安康互助 (Women Workers' Committee of the Trade Unions), sources.md §6. Claims come
 * from a live API (pull.ts) or as those pages saved to a file: a JSON array of `{items, nextCursor}` pages.
 * Either way each item is one claim, mapped by the same function.
 */
import type { Adapter, ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { verifyJsonDocument, walkJson, type JsonShape } from '../../src/ingest/json-readers.ts';
import { nameAsReceived, objectOf, optionalInstant, optionalText, quarantine, requiredDay, requiredIdNumber, requiredText, requiredYuan } from '../../src/ingest/fields.ts';
import { detailsOf } from '../../src/ingest/readers.ts';
import { refuse } from '../../src/ingest/fields.ts';
import { formatCstDateTime } from '../../src/identity/dates.ts';
import { claimRecord } from './pull.ts';

const PROGRAM = 'FEMALE_WORKER_MUTUAL_AID';

const SHAPE: JsonShape = { root: 'array', objects: [['*']], arrays: [['*', 'items']] };

async function* readSavedPages(input: ByteInput): AsyncGenerator<SourceRecord<unknown>> {
  for await (const hit of walkJson(input, SHAPE, [['*', 'items', '*']])) {
    yield claimRecord(input.name, `pages[${hit.path[0]}].items[${hit.path[2]}]`, hit.value);
  }
}

/** Maps one claim item, whether read from a saved page or pulled. */
export function mapClaim(rec: SourceRecord<unknown>, ctx: MapContext): MapOutcome {
  let recordId: string | null = null;
  try {
    const item = objectOf(rec.value, `item ${rec.location.path ?? ''}`.trim());
    recordId = requiredText(item.claimId, 'claimId');
    if (item.insured == null) refuse('MISSING_FIELD', 'insured is missing');
    const insured = objectOf(item.insured, 'insured', 'BAD_VALUE');
    const idNumber = requiredIdNumber(insured.idCard, 'insured.idCard', ctx.today);
    const amountFen = requiredYuan(item.payout, 'payout');
    const paidOn = requiredDay(item.payoutDate, 'payoutDate', ctx.today);
    const updatedAt = optionalInstant(item.updatedAt, 'updatedAt', ctx.now);
    return {
      ok: true,
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: nameAsReceived(insured.name, 'insured.name') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn,
          status: 'PAID',
          voucher: optionalText(item.voucher, 'voucher'),
          settlementRef: optionalText(item.settlementNo, 'settlementNo'),
          hospitalCode: null,
          details: { illness: optionalText(item.illness, 'illness'), updatedAt: updatedAt ? formatCstDateTime(updatedAt) : null },
        },
      ],
    };
  } catch (e) {
    return quarantine(recordId, e);
  }
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The female workers' mutual-aid claim (女职工安康互助) behind this aid; null for aid of other systems.
    """
    unionWomen: FemaleWorkerClaimDetail
  }

  """A claim of the trade unions' female workers' health mutual aid (女职工安康互助保障)."""
  type FemaleWorkerClaimDetail {
    """The insured illness (保障病种) the payout is for, e.g. 乳腺癌."""
    illness: String
    """When the claims system last changed the claim (更新时间); pulls resume from the latest one stored."""
    updatedAt: DateTime
  }
`;

export const unionWomen: Adapter<unknown> = {
  code: 'union-women',
  agency: 'trade-unions',
  title: '女职工安康互助',
  programs: [{ code: PROGRAM, title: '女职工安康互助' }],
  format: 'JSON HTTP API pulled page by page (GET /api/v1/claims?since&cursor), or its pages saved as a JSON array',
  verify: (input) => verifyJsonDocument(input, SHAPE),
  read: readSavedPages,
  map: mapClaim,
  sdl,
  resolvers: {
    AidRecord: {
      unionWomen: detailsOf('union-women'),
    },
  },
};
