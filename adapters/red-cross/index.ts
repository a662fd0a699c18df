/**
 * `red-cross` — 红十字医疗救助筹款绿色通道 (Red Cross Society), sources.md §11: one JSON document with the
 * donations that flowed into the Red Cross fund and the grants that flowed out of it to patients, streamed
 * item by item.
 */
import type { Adapter, ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { detailsOf } from '../../src/ingest/adapter.ts';
import { verifyJsonDocument, walkJson, type JsonShape } from '../../src/formats/json.ts';
import { mapObject } from '../../src/ingest/fields.ts';
import { cstDate, formatCstDateTime } from '../../src/identity/dates.ts';

const PROGRAM = 'RED_CROSS_MEDICAL';
const SHAPE: JsonShape = { root: 'object', arrays: [['donations'], ['grants']], required: [['donations', 'grants']] };

export interface RedCrossItem {
  kind: 'donation' | 'grant';
  item: unknown;
}

async function* readDocument(input: ByteInput): AsyncGenerator<SourceRecord<RedCrossItem>> {
  for await (const hit of walkJson(input, SHAPE, [['donations', '*'], ['grants', '*']])) {
    const list = hit.path[0] as 'donations' | 'grants';
    yield {
      location: { file: input.name, path: `${list}[${hit.path[1]}]` },
      raw: JSON.stringify(hit.value) ?? 'null',
      value: { kind: list === 'donations' ? 'donation' : 'grant', item: hit.value },
    };
  }
}

function mapDonation(item: unknown, where: string, ctx: MapContext): MapOutcome {
  return mapObject(item, where, ctx, (f, known) => {
    const donationId = f.required('donationId');
    const recordId = known(`donation:${donationId}`);
    return {
      recordId,
      facts: [{ kind: 'donation', donationId, donor: f.text('donor'), amountFen: f.yuan('amount'), receivedAt: f.instant('receivedAt') }],
    };
  });
}

function mapGrant(item: unknown, where: string, ctx: MapContext): MapOutcome {
  return mapObject(item, where, ctx, (f, known) => {
    const recordId = known(f.required('grantId'));
    const idNumber = f.idNumber('patientIdNo');
    const amountFen = f.yuan('amount');
    const grantedAt = f.instant('grantedAt');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: f.asReceived('patientName') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn: cstDate(grantedAt),
          status: 'PAID',
          voucher: f.text('voucherNo'),
          settlementRef: f.text('settlementId'),
          hospitalCode: null,
          details: { grantedAt: formatCstDateTime(grantedAt) },
        },
      ],
    };
  });
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The Red Cross green-channel grant (红十字医疗救助) behind this aid; null for aid of other systems.
    """
    redCross: RedCrossGrantDetail
  }

  """A grant of the Red Cross medical assistance fundraising green channel (红十字医疗救助筹款绿色通道)."""
  type RedCrossGrantDetail {
    """When the Red Cross granted the aid (拨付时间); the payment day is its day in China Standard Time."""
    grantedAt: DateTime!
  }
`;

export const redCross: Adapter<RedCrossItem> = {
  code: 'red-cross',
  agency: 'red-cross',
  title: '红十字医疗救助筹款绿色通道',
  programs: [{ code: PROGRAM, title: '红十字医疗救助' }],
  format: 'JSON document: {"donations": [...] into the Red Cross fund, "grants": [...] out of it to patients}',
  socialChannel: true,
  verify: (input) => verifyJsonDocument(input, SHAPE),
  read: readDocument,
  map: (rec, ctx) =>
    rec.value.kind === 'donation' ? mapDonation(rec.value.item, rec.location.path ?? 'donation', ctx) : mapGrant(rec.value.item, rec.location.path ?? 'grant', ctx),
  sdl,
  resolvers: {
    AidRecord: {
      redCross: detailsOf('red-cross'),
    },
  },
};
