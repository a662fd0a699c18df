import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError } from '../../src/ingest/adapter.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { redCross, type RedCrossItem } from './index.ts';
import { documentJson, donation, grant, PATIENT_ID } from './fixtures.ts';

const ctx: MapContext = { system: 'red-cross', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const input = (text: string | Buffer, name = 'rc.json'): ByteInput => bufferInput(name, text, { chunkSize: 11 });

async function records(text: string | Buffer): Promise<SourceRecord<RedCrossItem>[]> {
  const out: SourceRecord<RedCrossItem>[] = [];
  for await (const r of redCross.read(input(text))) out.push(r);
  return out;
}
async function mapAll(text: string | Buffer): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => redCross.map(r, ctx));
}
const oneGrant = async (overrides: Record<string, unknown>) => (await mapAll(documentJson([], [grant(overrides)])))[0]!;
const oneDonation = async (overrides: Record<string, unknown>) => (await mapAll(documentJson([donation(overrides)], [])))[0]!;

describe('red-cross adapter', () => {
  it('maps a donation to a donation fact', async () => {
    expect(await oneDonation({})).toEqual({
      ok: true,
      recordId: 'donation:HZ-D-2026-0001',
      facts: [{ kind: 'donation', donationId: 'HZ-D-2026-0001', donor: '海口某爱心企业', amountFen: 10_000_000n, receivedAt: new Date('2026-01-05T02:00:00Z') }],
    });
  });

  it('maps a grant to PAID aid on the CST day of grantedAt', async () => {
    expect(await oneGrant({ grantedAt: '2026-02-03T16:30:00Z' })).toEqual({
      ok: true,
      recordId: 'HZ-G-2026-0001',
      facts: [
        {
          kind: 'aid',
          person: { idNumber: PATIENT_ID, name: '吴大海' },
          program: 'RED_CROSS_MEDICAL',
          amountFen: 600_000n,
          approvedOn: null,
          paidOn: '2026-02-04',
          status: 'PAID',
          voucher: 'HZ-PZ-0001',
          settlementRef: 'H46010200001-2026-000777',
          hospitalCode: null,
          details: { grantedAt: '2026-02-04T00:30:00+08:00' },
        },
      ],
    });
  });

  it('locates donations and grants by their array path, whichever comes first', async () => {
    const text = JSON.stringify({ grants: [grant(), grant({ grantId: 'G2' })], note: { donations: [1] }, donations: [donation()] });
    const recs = await records(text);
    expect(recs.map((r) => [r.location.path, r.value.kind])).toEqual([
      ['grants[0]', 'grant'],
      ['grants[1]', 'grant'],
      ['donations[0]', 'donation'],
    ]);
    expect(JSON.parse(recs[2]!.raw)).toEqual(donation());
  });

  it('normalises identity numbers and keeps middle-dot names as received', async () => {
    const withX = '46010219850315108X';
    const outs = await Promise.all([
      oneGrant({ patientIdNo: fullWidth(PATIENT_ID), patientName: '阿卜杜·热合曼' }),
      oneGrant({ patientIdNo: '460002650707333' }),
      oneGrant({ patientIdNo: withX.toLowerCase() }),
    ]);
    expect(outs.map((o) => o.ok && o.facts[0]!.kind === 'aid' && o.facts[0]!.person)).toEqual([
      { idNumber: PATIENT_ID, name: '阿卜杜·热合曼' },
      { idNumber: id('46000219650707333'), name: '吴大海' },
      { idNumber: withX, name: '吴大海' },
    ]);
  });

  it('quarantines bad donations and grants with their reason codes', async () => {
    const donations: Array<[Record<string, unknown>, string]> = [
      [{ donationId: '' }, 'MISSING_FIELD'],
      [{ amount: '1e5' }, 'BAD_AMOUNT'],
      [{ amount: null }, 'MISSING_FIELD'],
      [{ receivedAt: '2026-05-01T00:00:00+08:00' }, 'BAD_DATE'],
      [{ receivedAt: null }, 'MISSING_FIELD'],
    ];
    for (const [o, reason] of donations) expect(await oneDonation(o), JSON.stringify(o)).toMatchObject({ ok: false, reason });
    expect(await oneDonation({ amount: 'x' })).toMatchObject({ recordId: 'donation:HZ-D-2026-0001' });
    const grants: Array<[Record<string, unknown>, string]> = [
      [{ grantId: null }, 'MISSING_FIELD'],
      [{ patientIdNo: null }, 'MISSING_FIELD'],
      [{ patientIdNo: '46000219650732333X' }, 'INVALID_ID'],
      [{ amount: '6000.5.0' }, 'BAD_AMOUNT'],
      [{ amount: '-6000' }, 'BAD_AMOUNT'],
      [{ grantedAt: '2026-02-03T15:30:00' }, 'BAD_DATE'],
      [{ grantedAt: null }, 'MISSING_FIELD'],
    ];
    for (const [o, reason] of grants) expect(await oneGrant(o), JSON.stringify(o)).toMatchObject({ ok: false, reason });
  });

  it('refuses a document that is not well-formed or not of this shape (MALFORMED)', async () => {
    const reason = async (text: string) => {
      try {
        await redCross.verify!(input(text));
        return 'accepted';
      } catch (e) {
        return e instanceof FileRejectedError ? e.reason : String(e);
      }
    };
    const good = documentJson([donation()], [grant()]);
    expect(await reason(good)).toBe('accepted');
    // sources.md §11: a document with neither donations nor grants is not a Red Cross export.
    expect(await reason('{}')).toBe('MALFORMED');
    expect(await reason('{"batch":"FL-2026-Q1-03","records":[]}')).toBe('MALFORMED');
    expect(await reason('{"grants":[]}')).toBe('accepted');
    expect(await reason(good.slice(0, -3))).toBe('MALFORMED');
    expect(await reason('{"donations":{},"grants":[]}')).toBe('MALFORMED');
    expect(await reason('"donations"')).toBe('MALFORMED');
    expect(await reason('')).toBe('MALFORMED');
  });

  it('shows grantedAt through AidRecord.redCross', () => {
    const resolve = redCross.resolvers!.AidRecord!.redCross as (p: unknown) => unknown;
    expect(resolve({ system: 'red-cross', details: { grantedAt: '2026-02-03T15:30:00+08:00' } })).toEqual({ grantedAt: '2026-02-03T15:30:00+08:00' });
    expect(resolve({ system: 'charity', details: {} })).toBeNull();
  });
});

describe('redCross SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, redCross.sdl!], resolvers: redCross.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(redCross.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('redCross on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/red-cross.export') };
    const drain = async () => {
      if (redCross.verify) await redCross.verify(gone);
      for await (const _ of redCross.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
