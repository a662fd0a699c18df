import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import type { JsonLine } from '../../src/formats/json.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { medicalInsurance } from './index.ts';
import { settlementLine } from './fixtures.ts';

const ctx: MapContext = { system: 'medical-insurance', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const input = (text: string | Buffer, name = 'mi.ndjson'): ByteInput => bufferInput(name, text, { chunkSize: 9 });

async function records(text: string): Promise<SourceRecord<JsonLine>[]> {
  const out: SourceRecord<JsonLine>[] = [];
  for await (const r of medicalInsurance.read(input(text))) out.push(r);
  return out;
}

async function mapAll(text: string): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => medicalInsurance.map(r, ctx));
}

async function one(overrides: Record<string, unknown>): Promise<MapOutcome> {
  const [out] = await mapAll(JSON.stringify(settlementLine(overrides)));
  return out!;
}

describe('medical-insurance adapter', () => {
  it('maps a settlement line to a settlement fact in fen, with B computed', async () => {
    const out = await one({});
    expect(out).toEqual({
      ok: true,
      recordId: 'H46010200001-2026-000001',
      facts: [
        {
          kind: 'settlement',
          person: { idNumber: id('46010219800101123'), name: '王小明' },
          settlementId: 'H46010200001-2026-000001',
          insuredPersonNo: '46000000000000000001',
          hospitalCode: 'H46010200001',
          hospitalName: '海南省人民医院',
          admittedOn: '2026-01-03',
          dischargedOn: '2026-01-12',
          diagnosisCode: 'C50.9',
          totalFen: 5_200_000n,
          policyScopeFen: 4_800_000n,
          basicFen: 3_000_000n,
          criticalFen: 800_000n,
          supplementFen: 0n,
          assistanceFen: 400_000n,
          burdenFen: 1_000_000n,
          settledAt: new Date('2026-01-12T08:20:00Z'),
        },
      ],
    });
  });

  it('normalises full-width, 15-digit, spaced and lower-case-x identity numbers', async () => {
    const withX = '46010219850315108X';
    expect(checkCharacter(withX.slice(0, 17))).toBe('X');
    const cases: Array<[string, string]> = [
      [fullWidth(id('46010219800101123')), id('46010219800101123')],
      ['460102800101123', id('46010219800101123')],
      [' 460102 19800101 123' + checkCharacter('46010219800101123') + ' ', id('46010219800101123')],
      [withX.toLowerCase(), withX],
    ];
    for (const [raw, expected] of cases) {
      const out = await one({ certno: raw });
      expect(out.ok && out.facts[0]!.kind === 'settlement' && out.facts[0]!.person.idNumber).toBe(expected);
    }
  });

  it('keeps a middle-dot name as received', async () => {
    const out = await one({ psn_name: ' 阿依•木拉提\u3000' });
    expect(out.ok && out.facts[0]!.kind === 'settlement' && out.facts[0]!.person.name).toBe(' 阿依•木拉提\u3000');
  });

  it('accepts numeric yuan and empty fund payments, never through floating point', async () => {
    const out = await one({ medfee_sumamt: 1234.56, hifp_pay: 1000.1, hifmi_pay: '', hifob_pay: null, maf_pay: '100', psn_part_amt: 134.46, inscp_scp_amt: '0.07' });
    expect(out.ok).toBe(true);
    const s = out.ok ? out.facts[0]! : null;
    expect(s).toMatchObject({ totalFen: 123_456n, basicFen: 100_010n, criticalFen: 0n, supplementFen: 0n, assistanceFen: 10_000n, burdenFen: 13_446n, policyScopeFen: 7n });
  });

  it('accepts a personal burden within 0.01 yuan of B and keeps the computed B', async () => {
    const out = await one({ psn_part_amt: '9999.99' });
    expect(out.ok && out.facts[0]).toMatchObject({ burdenFen: 1_000_000n });
  });

  it('quarantines a burden that differs by more than 0.01 yuan (BURDEN_MISMATCH)', async () => {
    expect(await one({ psn_part_amt: '10000.02' })).toMatchObject({ ok: false, recordId: 'H46010200001-2026-000001', reason: 'BURDEN_MISMATCH' });
    expect(await one({ psn_part_amt: '0', maf_pay: '20000.00' })).toMatchObject({ ok: false, reason: 'BURDEN_MISMATCH' });
  });

  it('maps a refund line to a refund fact, and needs init_setl_id', async () => {
    const refund = { setl_id: 'R-1', refd_setl_flag: '1', init_setl_id: 'H46010200001-2026-000001', setl_time: '2026-02-01T10:00:00+08:00', medfee_sumamt: '-52000.00' };
    expect(await mapAll(JSON.stringify(refund))).toEqual([
      { ok: true, recordId: 'R-1', facts: [{ kind: 'refund', refundId: 'R-1', originalSettlementId: 'H46010200001-2026-000001', at: new Date('2026-02-01T02:00:00Z') }] },
    ]);
    const [noOrigin] = await mapAll(JSON.stringify({ setl_id: 'R-2', refd_setl_flag: '1' }));
    expect(noOrigin).toMatchObject({ ok: false, recordId: 'R-2', reason: 'MISSING_FIELD' });
  });

  it('quarantines each kind of bad line with its reason code', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ certno: id('46010219800101123').slice(0, 17) + '0' }, 'INVALID_ID'],
      [{ certno: '460102198002301234' }, 'INVALID_ID'],
      [{ certno: '' }, 'MISSING_FIELD'],
      [{ setl_id: null }, 'MISSING_FIELD'],
      [{ medfee_sumamt: undefined }, 'MISSING_FIELD'],
      [{ medfee_sumamt: '12.345' }, 'BAD_AMOUNT'],
      [{ hifp_pay: '-10.00' }, 'BAD_AMOUNT'],
      [{ medfee_sumamt: '200000000.00', psn_part_amt: '199958000.00' }, 'BAD_AMOUNT'],
      [{ begndate: '2026-02-30' }, 'BAD_DATE'],
      [{ enddate: '2026-05-01' }, 'BAD_DATE'],
      [{ enddate: '2026-01-01' }, 'BAD_DATE'],
      [{ setl_time: '2026-01-12 16:20:00' }, 'BAD_DATE'],
      [{ refd_setl_flag: 'Y' }, 'BAD_VALUE'],
    ];
    for (const [overrides, reason] of cases) expect(await one(overrides), JSON.stringify(overrides)).toMatchObject({ ok: false, reason });
  });

  it('keeps going after a line that is not JSON, which is quarantined UNPARSABLE with its line', async () => {
    const text = [JSON.stringify(settlementLine()), 'not json {', '', '[1,2]', JSON.stringify(settlementLine({ setl_id: 'X2' }))].join('\r\n');
    const recs = await records('\ufeff' + text);
    expect(recs.map((r) => r.location)).toEqual([
      { file: 'mi.ndjson', line: 1 },
      { file: 'mi.ndjson', line: 2 },
      { file: 'mi.ndjson', line: 4 },
      { file: 'mi.ndjson', line: 5 },
    ]);
    expect(recs[1]!.raw).toBe('not json {');
    const outs = recs.map((r) => medicalInsurance.map(r, ctx));
    expect(outs.map((o) => (o.ok ? o.recordId : o.reason))).toEqual(['H46010200001-2026-000001', 'UNPARSABLE', 'UNPARSABLE', 'X2']);
    expect(outs[1]).toMatchObject({ recordId: null, message: expect.stringContaining('line 2') });
  });

  it('shows the insurance breakdown of a settlement row in yuan', () => {
    const r = medicalInsurance.resolvers!;
    const row = { diagnosisCode: 'C50.9', policyScopeFen: 4_800_000n, basicFen: '3000000', criticalFen: 800_000, supplementFen: 0n, assistanceFen: 400_005n, hospitalName: '海南省人民医院' };
    const detail = (r.Settlement!.medicalInsurance as (p: unknown) => unknown)(row);
    const field = (name: string) => (r.SettlementInsuranceDetail![name] as (p: unknown) => unknown)(detail);
    expect([field('policyScope'), field('basicInsurance'), field('criticalIllnessInsurance'), field('largeAmountSupplement'), field('medicalAssistance')]).toEqual([
      '48000.00',
      '30000.00',
      '8000.00',
      '0.00',
      '4000.05',
    ]);
    expect(field('diagnosisCode')).toBe('C50.9');
    expect(medicalInsurance.sdl).toContain('extend type Settlement');
  });
});

describe('medicalInsurance SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, medicalInsurance.sdl!], resolvers: medicalInsurance.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(medicalInsurance.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('medicalInsurance on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/medical-insurance.export') };
    const drain = async () => {
      if (medicalInsurance.verify) await medicalInsurance.verify(gone);
      for await (const _ of medicalInsurance.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
