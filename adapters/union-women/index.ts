/**
 * `union-women` — 女职工安康互助 (Women Workers' Committee of the Trade Unions), sources.md §6. Claims come
 * from a live API (pull.ts) or as those pages saved to a file: a JSON array of `{items, nextCursor}` pages.
 * Either way each item is one claim, mapped by the same function.
 */
import type { Adapter, ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { verifyJsonDocument, walkJson, type JsonShape } from '../../src/formats/json.ts';
import { mapObject } from '../../src/ingest/fields.ts';
import { formatCstDateTime } from '../../src/identity/dates.ts';
import { itemRecord } from '../../src/ingest/pull-http.ts';
import { claimsApi } from './pull.ts';

const PROGRAM = 'FEMALE_WORKER_MUTUAL_AID';

const SHAPE: JsonShape = { root: 'array', objects: [['*']], arrays: [['*', 'items']] };

async function* readSavedPages(input: ByteInput): AsyncGenerator<SourceRecord<unknown>> {
  for await (const hit of walkJson(input, SHAPE, [['*', 'items', '*']])) {
    yield itemRecord(input.name, `pages[${hit.path[0]}].items[${hit.path[2]}]`, hit.value);
  }
}

/** Maps one claim item, whether read from a saved page or pulled. */
export function mapClaim(rec: SourceRecord<unknown>, ctx: MapContext): MapOutcome {
  return mapObject(rec.value, `item ${rec.location.path ?? ''}`.trim(), ctx, (f, known) => {
    const recordId = known(f.required('claimId'));
    const insured = f.object('insured');
    const idNumber = insured.idNumber('idCard');
    const amountFen = f.yuan('payout');
    const paidOn = f.date('payoutDate');
    const updatedAt = f.optionalInstant('updatedAt');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: insured.asReceived('name') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn,
          status: 'PAID',
          voucher: f.text('voucher'),
          settlementRef: f.text('settlementNo'),
          hospitalCode: null,
          details: { illness: f.text('illness'), updatedAt: updatedAt ? formatCstDateTime(updatedAt) : null },
        },
      ],
    };
  });
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
  pull: claimsApi,
};
