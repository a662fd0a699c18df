import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError } from '../../src/ingest/adapter.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { unionMutualAid, type ClaimValue } from './index.ts';
import { claimXml, exportXml, MEMBER_ID } from './fixtures.ts';

const ctx: MapContext = { system: 'union-mutual-aid', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
/** Small chunks: claims, and the bytes of one character, straddle chunk boundaries. */
const input = (text: string | Buffer, name = 'ma.xml'): ByteInput => bufferInput(name, text, { chunkSize: 7 });

async function records(text: string | Buffer): Promise<SourceRecord<ClaimValue>[]> {
  const out: SourceRecord<ClaimValue>[] = [];
  for await (const r of unionMutualAid.read(input(text))) out.push(r);
  return out;
}
async function mapAll(text: string | Buffer): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => unionMutualAid.map(r, ctx));
}
async function rejection(text: string | Buffer): Promise<string> {
  try {
    await unionMutualAid.verify!(input(text));
    return 'accepted';
  } catch (e) {
    return e instanceof FileRejectedError ? e.reason : String(e);
  }
}

describe('union-mutual-aid adapter', () => {
  it('maps a paid claim to aid with card number and employer', async () => {
    const [out] = await mapAll(exportXml([claimXml()]));
    expect(out).toEqual({
      ok: true,
      recordId: 'MA2026000123',
      facts: [
        {
          kind: 'aid',
          person: { idNumber: MEMBER_ID, name: '王小明' },
          program: 'WORKER_MUTUAL_AID',
          amountFen: 120_000n,
          approvedOn: '2026-02-01',
          paidOn: '2026-02-10',
          status: 'PAID',
          voucher: 'PZ2026000123',
          settlementRef: 'H46010200001-2026-000123',
          hospitalCode: 'H46010200001',
          details: { cardNo: 'HNGH0012345', employer: '海南橡胶集团' },
        },
      ],
    });
  });

  it('locates each claim by its XPath and keeps its XML text', async () => {
    const recs = await records(exportXml([claimXml({ id: 'A' }), claimXml({ id: 'B', member: { idNo: MEMBER_ID, name: 'R&D <王>', cardNo: 'C1', employer: '"X"' } })]));
    expect(recs.map((r) => r.location)).toEqual([
      { file: 'ma.xml', element: '/MutualAidExport/Claim[1]' },
      { file: 'ma.xml', element: '/MutualAidExport/Claim[2]' },
    ]);
    expect(recs[1]!.raw).toContain('<Claim id="B">');
    expect(recs[1]!.raw).toContain('name="R&amp;D &lt;王&gt;"');
    expect(recs[1]!.raw).toContain('<Status>PAID</Status>');
    expect(recs[1]!.raw.endsWith('</Claim>')).toBe(true);
    expect(recs[1]!.value.member).toEqual({ idNo: MEMBER_ID, name: 'R&D <王>', cardNo: 'C1', employer: '"X"' });
  });

  it('maps APPROVED and REVOKED to APPROVED and REVERSED', async () => {
    const outs = await mapAll(
      exportXml([
        claimXml({ id: 'A', status: 'APPROVED', benefit: { amount: '800', approved: '2026-02-01', paid: '' }, settlement: null }),
        claimXml({ id: 'R', status: ' REVOKED ' }),
      ]),
    );
    expect(outs[0]).toMatchObject({ ok: true, facts: [{ status: 'APPROVED', paidOn: null, amountFen: 80_000n, settlementRef: null, hospitalCode: null, voucher: null }] });
    expect(outs[1]).toMatchObject({ ok: true, facts: [{ status: 'REVERSED', paidOn: '2026-02-10' }] });
  });

  it('normalises identity numbers and keeps middle-dot names as received', async () => {
    const withX = '46010219850315108X';
    const outs = await mapAll(
      exportXml([
        claimXml({ id: '1', member: { idNo: fullWidth(MEMBER_ID), name: '买买提・艾力' } }),
        claimXml({ id: '2', member: { idNo: '460102800101123' } }),
        claimXml({ id: '3', member: { idNo: withX.toLowerCase() } }),
      ]),
    );
    expect(outs.map((o) => o.ok && o.facts[0]!.kind === 'aid' && o.facts[0]!.person)).toEqual([
      { idNumber: MEMBER_ID, name: '买买提・艾力' },
      { idNumber: id('46010219800101123'), name: null },
      { idNumber: withX, name: null },
    ]);
  });

  it('quarantines bad claims with their reason codes', async () => {
    const b = (over: Record<string, string>) => ({ amount: '1200.00', approved: '2026-02-01', paid: '2026-02-10', voucher: 'V', ...over });
    const outs = await mapAll(
      exportXml([
        claimXml({ id: 'a', member: { idNo: MEMBER_ID.slice(0, 17) + (MEMBER_ID[17] === '0' ? '1' : '0') } }),
        claimXml({ id: 'b', member: null }),
        claimXml({ id: 'c', benefit: b({ amount: '-5' }) }),
        claimXml({ id: 'd', benefit: b({ amount: '' }) }),
        claimXml({ id: 'e', benefit: b({ paid: '2026-02-31' }) }),
        claimXml({ id: 'f', benefit: b({ approved: '2026-04-02' }) }),
        claimXml({ id: 'g', benefit: b({ paid: '' }) }),
        claimXml({ id: 'h', status: 'CANCELLED' }),
        claimXml({ id: 'i', status: null }),
        claimXml({ id: null }),
      ]),
    );
    expect(outs.map((o) => (o.ok ? 'ok' : `${o.recordId}:${o.reason}`))).toEqual([
      'a:INVALID_ID',
      'b:MISSING_FIELD',
      'c:BAD_AMOUNT',
      'd:MISSING_FIELD',
      'e:BAD_DATE',
      'f:BAD_DATE',
      'g:MISSING_FIELD',
      'h:BAD_VALUE',
      'i:MISSING_FIELD',
      'null:MISSING_FIELD',
    ]);
  });

  it('refuses a truncated or otherwise broken document whole (MALFORMED)', async () => {
    const good = exportXml([claimXml({ id: 'A' }), claimXml({ id: 'B' })]);
    expect(await rejection(good)).toBe('accepted');
    expect(await rejection('\ufeff' + good)).toBe('accepted');
    expect(await rejection(good.slice(0, good.lastIndexOf('</Claim>')))).toBe('MALFORMED');
    expect(await rejection(good.slice(0, good.indexOf('</MutualAidExport>')))).toBe('MALFORMED');
    expect(await rejection(good.replace('<Status>PAID</Status>', '<Status>PAID</Stat>'))).toBe('MALFORMED');
    expect(await rejection(good.replace('海南橡胶集团', 'A & B'))).toBe('MALFORMED');
    expect(await rejection('')).toBe('MALFORMED');
    expect(await rejection('<OtherExport/>')).toBe('MALFORMED');
    // read() refuses it too, should it be called without verify().
    await expect(records(good.slice(0, good.lastIndexOf('</Claim>')))).rejects.toBeInstanceOf(FileRejectedError);
  });

  it('shows the union card number through AidRecord.unionMutualAid', () => {
    const resolve = unionMutualAid.resolvers!.AidRecord!.unionMutualAid as (p: unknown) => unknown;
    expect(resolve({ system: 'union-mutual-aid', details: { cardNo: 'HNGH0012345', employer: 'E' } })).toEqual({ cardNo: 'HNGH0012345', employer: 'E' });
    expect(resolve({ system: 'union-women', details: { cardNo: 'x' } })).toBeNull();
  });
});

describe('unionMutualAid SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, unionMutualAid.sdl!], resolvers: unionMutualAid.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(unionMutualAid.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('unionMutualAid on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/union-mutual-aid.export') };
    const drain = async () => {
      if (unionMutualAid.verify) await unionMutualAid.verify(gone);
      for await (const _ of unionMutualAid.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
