import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import type { JsonLine } from '../../src/formats/json.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { healthEmergency } from './index.ts';
import { caseLine } from './fixtures.ts';

const ctx: MapContext = { system: 'health-emergency', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const input = (text: string, name = 'he.ndjson'): ByteInput => bufferInput(name, text, { chunkSize: 9 });

async function records(text: string): Promise<SourceRecord<JsonLine>[]> {
  const out: SourceRecord<JsonLine>[] = [];
  for await (const r of healthEmergency.read(input(text))) out.push(r);
  return out;
}
async function mapAll(text: string): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => healthEmergency.map(r, ctx));
}
async function one(overrides: Record<string, unknown> = {}, patient: Record<string, unknown> = {}): Promise<MapOutcome> {
  return (await mapAll(JSON.stringify(caseLine(overrides, patient))))[0]!;
}

describe('health-emergency adapter', () => {
  it('maps an identified, paid case: person carries the case key, dates are CST days of the timestamps', async () => {
    expect(await one({ approvedAt: '2026-01-19T16:30:00Z', paidAt: '2026-01-24T15:59:59Z' })).toEqual({
      ok: true,
      recordId: 'JJ2026-000123',
      facts: [
        {
          kind: 'aid',
          person: { idNumber: id('46010219800101123'), provisionalKey: 'health-emergency:case:JJ2026-000123', name: '王小明' },
          program: 'DISEASE_EMERGENCY',
          amountFen: 350_000n,
          approvedOn: '2026-01-20',
          paidOn: '2026-01-24',
          status: 'PAID',
          voucher: 'YJ2026-0001',
          settlementRef: 'H46010200001-2026-000123',
          hospitalCode: 'H46010200001',
          details: { caseNo: 'JJ2026-000123', unidentified: false, approxAge: null, admittedAt: '2026-01-03T02:10:00+08:00' },
        },
      ],
    });
  });

  it('keeps an unidentified patient as a provisional person keyed by case number, never quarantined', async () => {
    const out = await one({ caseNo: 'JJ2026-000200', admittedAt: '2026-01-02T20:00:00Z' }, { idNo: null, name: null, unidentified: true, approxAge: 45 });
    expect(out).toMatchObject({
      ok: true,
      recordId: 'JJ2026-000200',
      facts: [
        {
          person: { provisionalKey: 'health-emergency:case:JJ2026-000200', name: null },
          details: { caseNo: 'JJ2026-000200', unidentified: true, approxAge: 45, admittedAt: '2026-01-03T04:00:00+08:00' },
        },
      ],
    });
    expect(out.ok && out.facts[0]!.kind === 'aid' && 'idNumber' in out.facts[0]!.person).toBe(false);
    // idNo null without the flag is unidentified too.
    const noFlag = await one({}, { idNo: null, unidentified: false });
    expect(noFlag.ok && noFlag.facts[0]!.kind === 'aid' && noFlag.facts[0]!.person).toEqual({ provisionalKey: 'health-emergency:case:JJ2026-000123', name: '王小明' });
  });

  it('approved but not yet paid is APPROVED without a payment day', async () => {
    expect(await one({ paidAt: null })).toMatchObject({ ok: true, facts: [{ status: 'APPROVED', paidOn: null, approvedOn: '2026-01-20' }] });
  });

  it('normalises identity numbers as received', async () => {
    const withX = '46010219850315108X';
    for (const [raw, expected] of [
      [fullWidth(id('46010219800101123')), id('46010219800101123')],
      ['460102800101123', id('46010219800101123')],
      [withX.toLowerCase(), withX],
    ] as const) {
      const out = await one({}, { idNo: raw });
      expect(out.ok && out.facts[0]!.kind === 'aid' && out.facts[0]!.person.idNumber).toBe(expected);
    }
  });

  it('quarantines a present but invalid idNo, even on an unidentified case', async () => {
    const bad = id('46010219800101123').slice(0, 17) + (checkCharacter('46010219800101123') === '0' ? '1' : '0');
    expect(await one({}, { idNo: bad })).toMatchObject({ ok: false, recordId: 'JJ2026-000123', reason: 'INVALID_ID' });
    expect(await one({}, { idNo: '4601021980', unidentified: true })).toMatchObject({ ok: false, reason: 'INVALID_ID' });
  });

  it('quarantines bad fields with their reason codes', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{ caseNo: ' ' }, {}, 'MISSING_FIELD'],
      [{ patient: null }, {}, 'MISSING_FIELD'],
      [{ amountFen: null }, {}, 'MISSING_FIELD'],
      [{ amountFen: '3500.00' }, {}, 'BAD_AMOUNT'],
      [{ amountFen: 12.5 }, {}, 'BAD_AMOUNT'],
      [{ amountFen: -1 }, {}, 'BAD_AMOUNT'],
      [{ amountFen: 20_000_000_000 }, {}, 'BAD_AMOUNT'],
      [{ approvedAt: null }, {}, 'MISSING_FIELD'],
      [{ approvedAt: '2026-01-20' }, {}, 'BAD_DATE'],
      [{ paidAt: '2026-04-02T10:00:00+08:00' }, {}, 'BAD_DATE'],
      [{ admittedAt: '2026-13-03T02:10:00+08:00' }, {}, 'BAD_DATE'],
      [{}, { unidentified: 'yes' }, 'BAD_VALUE'],
    ];
    for (const [o, p, reason] of cases) expect(await one(o, p), JSON.stringify([o, p])).toMatchObject({ ok: false, reason });
  });

  it('quarantines a line that is not JSON as UNPARSABLE and reads on', async () => {
    const recs = await records([JSON.stringify(caseLine()), '{"caseNo":', JSON.stringify(caseLine({ caseNo: 'B' }))].join('\n'));
    expect(recs.map((r) => [r.location.line, healthEmergency.map(r, ctx).ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(healthEmergency.map(recs[1]!, ctx)).toMatchObject({ reason: 'UNPARSABLE', recordId: null });
  });

  it('shows the case number through AidRecord.healthEmergency, only for its own records', () => {
    const resolve = healthEmergency.resolvers!.AidRecord!.healthEmergency as (p: unknown) => unknown;
    const details = { caseNo: 'JJ2026-000124', unidentified: true, approxAge: 60, admittedAt: null };
    expect(resolve({ system: 'health-emergency', details })).toEqual(details);
    expect(resolve({ system: 'civil-affairs', details })).toBeNull();
    expect(healthEmergency.sdl).toMatch(/extend type AidRecord \{[\s\S]*healthEmergency: EmergencyCaseDetail/);
  });
});

describe('healthEmergency SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, healthEmergency.sdl!], resolvers: healthEmergency.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(healthEmergency.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('healthEmergency on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/health-emergency.export') };
    const drain = async () => {
      if (healthEmergency.verify) await healthEmergency.verify(gone);
      for await (const _ of healthEmergency.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
