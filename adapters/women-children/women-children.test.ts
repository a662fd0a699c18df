import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError } from '../../src/ingest/adapter.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { womenChildren, type BatchRecord } from './index.ts';
import { batchJson, CHILD_ID, childRecord, GUARDIAN_ID, WOMAN_ID, womanRecord } from './fixtures.ts';

const ctx: MapContext = { system: 'women-children', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
/** Small chunks, so records straddle chunk boundaries as in a large batch. */
const input = (text: string | Buffer, name = 'wc.json'): ByteInput => bufferInput(name, text, { chunkSize: 16 });

async function records(text: string | Buffer): Promise<SourceRecord<BatchRecord>[]> {
  const out: SourceRecord<BatchRecord>[] = [];
  for await (const r of womenChildren.read(input(text))) out.push(r);
  return out;
}
async function mapAll(text: string | Buffer): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => womenChildren.map(r, ctx));
}
const one = async (rec: Record<string, unknown>) => (await mapAll(batchJson([rec])))[0]!;

describe('women-children adapter', () => {
  it('maps a woman’s grant to PAID aid and a WOMAN_CHILD_HARDSHIP status', async () => {
    const person = { idNumber: WOMAN_ID, name: '李秀英' };
    expect(await one(womanRecord())).toEqual({
      ok: true,
      recordId: 'FL-2026-0001',
      facts: [
        {
          kind: 'aid',
          person,
          program: 'WOMEN_TWO_CANCERS',
          amountFen: 800_000n,
          approvedOn: null,
          paidOn: '2026-02-14',
          status: 'PAID',
          voucher: 'FL-PZ-0001',
          settlementRef: 'H46010200001-2026-000555',
          hospitalCode: null,
          details: { batch: 'FL-2026-Q1-03', beneficiaryType: 'WOMAN', guardianIdNumber: null },
        },
        { kind: 'status', person, category: 'WOMAN_CHILD_HARDSHIP', validFrom: '2026-02-14', validTo: null },
      ],
    });
  });

  it('keeps a child without an own number as a provisional person keyed by guardian, normalised name and birth date', async () => {
    const out = await one(childRecord({}, { name: ' 王 小宝\u3000', guardianIdNumber: fullWidth(GUARDIAN_ID) }));
    const person = { provisionalKey: `child:${GUARDIAN_ID}|王小宝|2019-05-01`, name: ' 王 小宝\u3000', birthDate: '2019-05-01', guardianIdNumber: GUARDIAN_ID };
    expect(out).toEqual({
      ok: true,
      recordId: 'FL-2026-0002',
      facts: [
        {
          kind: 'aid',
          person,
          program: 'CHILD_SERIOUS_ILLNESS',
          amountFen: 2_000_000n,
          approvedOn: null,
          paidOn: '2026-02-20',
          status: 'PAID',
          voucher: null,
          settlementRef: null,
          hospitalCode: null,
          details: { batch: 'FL-2026-Q1-03', beneficiaryType: 'CHILD', guardianIdNumber: GUARDIAN_ID },
        },
        { kind: 'status', person, category: 'WOMAN_CHILD_HARDSHIP', validFrom: '2026-02-20', validTo: null },
      ],
    });
  });

  it('gives a child with an own number and a guardian the same provisional key, so the earlier provisional child merges', async () => {
    const provisional = await one(childRecord({}, { name: '迪丽·娜扎' }));
    const identified = await one(childRecord({ recordNo: 'FL-2026-0010' }, { idNumber: CHILD_ID, name: '迪丽•娜扎', birthDate: null }));
    const personOf = (o: MapOutcome) => (o.ok && o.facts[0]!.kind === 'aid' ? o.facts[0]!.person : null);
    expect(personOf(identified)).toEqual({
      idNumber: CHILD_ID,
      provisionalKey: `child:${GUARDIAN_ID}|迪丽·娜扎|2019-05-01`,
      name: '迪丽•娜扎',
      birthDate: '2019-05-01',
      guardianIdNumber: GUARDIAN_ID,
    });
    expect(personOf(identified)!.provisionalKey).toBe(personOf(provisional)!.provisionalKey);
    // Without guardian information the child is simply the real person.
    const alone = await one(childRecord({}, { idNumber: CHILD_ID, guardianIdNumber: null }));
    expect(personOf(alone)).toEqual({ idNumber: CHILD_ID, name: '王小宝' });
  });

  it('normalises identity numbers as received', async () => {
    const withX = '46010219850315108X';
    const outs = await Promise.all([
      one(womanRecord({}, { idNumber: fullWidth(WOMAN_ID) })),
      one(womanRecord({}, { idNumber: '460102780808222' })),
      one(womanRecord({}, { idNumber: withX.toLowerCase() })),
    ]);
    expect(outs.map((o) => o.ok && o.facts[0]!.kind === 'aid' && o.facts[0]!.person.idNumber)).toEqual([WOMAN_ID, id('46010219780808222'), withX]);
  });

  it('quarantines bad records with their reason codes', async () => {
    const badGuardian = GUARDIAN_ID.slice(0, 17) + (GUARDIAN_ID[17] === '0' ? '1' : '0');
    const cases: Array<[Record<string, unknown>, string]> = [
      [childRecord({}, { guardianIdNumber: null }), 'MISSING_FIELD'],
      [childRecord({}, { guardianIdNumber: badGuardian }), 'INVALID_ID'],
      [childRecord({}, { idNumber: CHILD_ID, guardianIdNumber: badGuardian }), 'INVALID_ID'],
      [childRecord({}, { birthDate: null }), 'MISSING_FIELD'],
      [childRecord({}, { birthDate: '2019-02-29' }), 'BAD_DATE'],
      [childRecord({}, { birthDate: '2027-01-01' }), 'BAD_DATE'],
      [childRecord({}, { name: '  ' }), 'MISSING_FIELD'],
      [childRecord({}, { idNumber: '4690052019050122' }), 'INVALID_ID'],
      [womanRecord({}, { idNumber: null }), 'MISSING_FIELD'],
      [womanRecord({}, { idNumber: WOMAN_ID.slice(0, 17) + (WOMAN_ID[17] === '0' ? '1' : '0') }), 'INVALID_ID'],
      [womanRecord({}, { type: 'MAN' }), 'BAD_VALUE'],
      [womanRecord({ beneficiary: null }), 'MISSING_FIELD'],
      [womanRecord({ project: '两癌筛查' }), 'BAD_VALUE'],
      [womanRecord({ amount: '8000.001' }), 'BAD_AMOUNT'],
      [womanRecord({ amount: -8000 }), 'BAD_AMOUNT'],
      [womanRecord({ grantDate: '2026-04-02' }), 'BAD_DATE'],
      [womanRecord({ grantDate: null }), 'MISSING_FIELD'],
      [womanRecord({ recordNo: null }), 'MISSING_FIELD'],
    ];
    for (const [rec, reason] of cases) expect(await one(rec), JSON.stringify(rec)).toMatchObject({ ok: false, reason });
    expect(await one(womanRecord({ amount: 'x' }))).toMatchObject({ recordId: 'FL-2026-0001' });
  });

  it('streams records with their path, finding the batch even when it trails the records', async () => {
    const text = JSON.stringify({ records: [womanRecord(), 'junk', childRecord()], batch: 'FL-2026-Q1-04' });
    const recs = await records(text);
    expect(recs.map((r) => [r.location.path, r.value.batch])).toEqual([
      ['records[0]', 'FL-2026-Q1-04'],
      ['records[1]', 'FL-2026-Q1-04'],
      ['records[2]', 'FL-2026-Q1-04'],
    ]);
    expect(recs[1]!.raw).toBe('"junk"');
    expect(womenChildren.map(recs[1]!, ctx)).toMatchObject({ ok: false, recordId: null, reason: 'UNPARSABLE' });
    expect((await records(batchJson([womanRecord()], null)))[0]!.value.batch).toBeNull();
  });

  it('refuses a batch that is not well-formed JSON or not a batch (MALFORMED)', async () => {
    const reason = async (text: string) => {
      try {
        await womenChildren.verify!(input(text));
        return 'accepted';
      } catch (e) {
        return e instanceof FileRejectedError ? e.reason : String(e);
      }
    };
    const good = batchJson([womanRecord(), childRecord()]);
    expect(await reason(good)).toBe('accepted');
    expect(await reason(good.slice(0, good.length - 10))).toBe('MALFORMED');
    expect(await reason(good + ',')).toBe('MALFORMED');
    expect(await reason('[]')).toBe('MALFORMED');
    expect(await reason('{"batch":"x","records":{"0":{}}}')).toBe('MALFORMED');
    // sources.md §9: a document without a records array is not a women's federation export (a Red Cross one).
    expect(await reason('{"donations":[],"grants":[]}')).toBe('MALFORMED');
    expect(await reason('{"batch":"x"}')).toBe('MALFORMED');
    expect(await reason('{"batch":"x","records":[]}')).toBe('accepted');
    await expect(records(good.slice(0, good.length - 10))).rejects.toMatchObject({ reason: 'MALFORMED' });
  });

  // The number is masked for whoever may not see it by src/access/guard.ts (test/integration/privacy.test.ts).
  it('shows batch, type and the guardian’s number through AidRecord.womenChildren', () => {
    const r = womenChildren.resolvers!;
    const details = { batch: 'FL-2026-Q1-03', beneficiaryType: 'CHILD', guardianIdNumber: GUARDIAN_ID };
    expect((r.AidRecord!.womenChildren as (p: unknown) => unknown)({ system: 'women-children', details })).toEqual(details);
    expect((r.AidRecord!.womenChildren as (p: unknown) => unknown)({ system: 'red-cross', details })).toBeNull();
    expect((r.WomenChildrenGrantDetail!.guardianIdNumber as (p: unknown) => unknown)(details)).toBe(GUARDIAN_ID);
  });
});

describe('womenChildren SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, womenChildren.sdl!], resolvers: womenChildren.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(womenChildren.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('womenChildren on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/women-children.export') };
    const drain = async () => {
      if (womenChildren.verify) await womenChildren.verify(gone);
      for await (const _ of womenChildren.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
