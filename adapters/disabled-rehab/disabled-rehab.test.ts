import { describe, it, expect } from 'vitest';
import { buildSchema, extendSchema, parse, type GraphQLObjectType } from 'graphql';
import type { MapContext, MapOutcome } from '../../src/ingest/adapter.ts';
import { bufferInput } from '../../src/formats/text.ts';

import { disabledRehab } from './index.ts';
import { HEADER, ROSTER_HEADER, idOf, rosterFixture, utf8, wrongCheckOf } from './fixtures.ts';

const ctx: MapContext = { system: 'disabled-rehab', today: '2026-04-01', now: new Date('2026-04-01T02:00:00Z') };

async function ingest(content: Buffer, context: MapContext = ctx): Promise<{ line: number | undefined; outcome: MapOutcome }[]> {
  const out = [];
  for await (const rec of disabledRehab.read(bufferInput('dr.csv', content, { chunkSize: 6 }))) {
    out.push({ line: rec.location.line, outcome: disabledRehab.map(rec, context) });
  }
  return out;
}

const reasons = (out: { line: number | undefined; outcome: MapOutcome }[]) =>
  out.map(({ line, outcome }) => [line, outcome.ok ? 'OK' : outcome.reason, outcome.recordId]);

const A = idOf('46010219800101123');
const D = idOf('46020019751212345');

describe('disabled-rehab records', () => {
  it('maps a row to aid, DISABLED status and residence facts', async () => {
    const file = utf8(
      [
        HEADER.replace('(元)', '（元）'),
        `${A}42,王大明,肢体,二级,肢体康复训练,"1,500.00",2026-03-05,PZ-CL-0001,H46010200001-2026-000123,460102`,
        `"${D.toLowerCase()}74",阿依古丽•买买提,多重残疾,四级,"辅具适配
（轮椅）",800.5,2026年3月7日,,,`,
      ].join('\r\n'),
    );
    const person = { idNumber: A, name: '王大明' };
    const disability = { category: 4, categoryName: '肢体', level: 2 };
    const person2 = { idNumber: D, name: '阿依古丽•买买提' };
    const disability2 = { category: 7, categoryName: '多重', level: 4 };
    expect(await ingest(file)).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: 'PZCL0001',
          facts: [
            {
              kind: 'aid',
              person,
              program: 'DISABLED_REHAB',
              amountFen: 150000n,
              approvedOn: null,
              paidOn: '2026-03-05',
              status: 'PAID',
              voucher: 'PZ-CL-0001',
              settlementRef: 'H46010200001-2026-000123',
              hospitalCode: null,
              details: { ...disability, project: '肢体康复训练' },
            },
            { kind: 'status', person, category: 'DISABLED', validFrom: '2026-03-05', validTo: null, countyCode: '460102', detail: disability, derivedKey: `derived:DISABLED:${A}:4:2` },
            { kind: 'residence', person, countyCode: '460102', asOf: '2026-03-05' },
          ],
        },
      },
      {
        // No county code: no residence fact. No voucher: the record is known by certificate, day and amount.
        line: 3,
        outcome: {
          ok: true,
          recordId: `${D}74|2026-03-07|80050`,
          facts: [
            {
              kind: 'aid',
              person: person2,
              program: 'DISABLED_REHAB',
              amountFen: 80050n,
              approvedOn: null,
              paidOn: '2026-03-07',
              status: 'PAID',
              voucher: null,
              settlementRef: null,
              hospitalCode: null,
              details: { ...disability2, project: '辅具适配\n（轮椅）' },
            },
            { kind: 'status', person: person2, category: 'DISABLED', validFrom: '2026-03-07', validTo: null, countyCode: null, detail: disability2, derivedKey: `derived:DISABLED:${D}:7:4` },
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable row with its reason and line', async () => {
    const row = (v: string, o: Partial<Record<'cert' | 'cat' | 'level' | 'amount' | 'date' | 'county', string>>) =>
      [o.cert ?? `${A}42`, '王大明', o.cat ?? '肢体', o.level ?? '二级', '康复', o.amount ?? '100', o.date ?? '2026-03-05', v, '', o.county ?? '460102'].join(',');
    const file = utf8(
      [
        HEADER,
        row('V2', { cert: `${wrongCheckOf('46010219800101123')}42` }),
        row('V3', { cert: A }), // 18 characters: no category and level digits
        row('V4', { cert: `460102800101123` + '42' }), // a 15-digit number does not make a certificate
        row('V5', { cat: '肢体', cert: `${A}12` }), // the certificate says 视力
        row('V6', { level: '三级' }), // the certificate says level 2
        row('V7', { cert: `${A}92` }), // category digit 9 does not exist
        row('V8', { cat: '内脏' }),
        row('V9', { level: '5级' }),
        row('V10', { amount: '1.234' }),
        row('V11', { amount: '-3' }),
        row('V12', { date: '2026-04-02' }),
        row('V13', { date: '2026-02-29' }),
        row('V14', { date: '' }),
        row('V15', { county: '46010' }),
        row('V16', { cert: '' }),
        `${A}42,王大明,肢体,二级,康复,100,2026-03-05,V17,"",460102,extra`,
        row('', {}),
      ].join('\n'),
    );
    expect(reasons(await ingest(file))).toEqual([
      [2, 'INVALID_ID', 'V2'],
      [3, 'INVALID_ID', 'V3'],
      [4, 'INVALID_ID', 'V4'],
      [5, 'CERT_MISMATCH', 'V5'],
      [6, 'CERT_MISMATCH', 'V6'],
      [7, 'CERT_MISMATCH', 'V7'],
      [8, 'BAD_VALUE', 'V8'],
      [9, 'BAD_VALUE', 'V9'],
      [10, 'BAD_AMOUNT', 'V10'],
      [11, 'BAD_AMOUNT', 'V11'],
      [12, 'BAD_DATE', 'V12'],
      [13, 'BAD_DATE', 'V13'],
      [14, 'MISSING_FIELD', 'V14'],
      [15, 'BAD_VALUE', 'V15'],
      [16, 'MISSING_FIELD', 'V16'],
      [17, 'UNPARSABLE', null],
      [18, 'OK', `${A}42|2026-03-05|10000`],
    ]);
  });
});

describe('disabled-rehab SDL', () => {
  it('extends AidRecord with a described detail type and resolves only its own details', () => {
    const base = buildSchema('scalar Date\ntype AidRecord { id: ID! }\ntype Query { aid: AidRecord }');
    const schema = extendSchema(base, parse(disabledRehab.sdl!));
    expect((schema.getType('AidRecord') as GraphQLObjectType).getFields()['disabledRehab']!.description).toBeTruthy();
    const detail = schema.getType('DisabledRehabAidDetail') as GraphQLObjectType;
    expect(detail.description).toBeTruthy();
    expect(Object.values(detail.getFields()).map((f) => [f.name, Boolean(f.description)])).toEqual([
      ['category', true],
      ['categoryName', true],
      ['level', true],
      ['project', true],
    ]);
    const resolve = disabledRehab.resolvers!['AidRecord']!['disabledRehab'] as (p: unknown) => unknown;
    const details = { category: 4, categoryName: '肢体', level: 2, project: null };
    expect(resolve({ system: 'disabled-rehab', details })).toEqual(details);
    expect(resolve({ system: 'veterans', details })).toBeNull();
  });
});

describe('the roster of certificate holders (持证残疾人名册)', () => {
  it('is told apart by its header: each row a DISABLED status with category and level, from 发证日期 to 有效期至, and a residence', async () => {
    const out = await ingest(utf8([ROSTER_HEADER, `${A}42,王大明,肢体,二级,2022-06-01,2032-05-31,460102`].join('\n')));
    const person = { idNumber: A, name: '王大明' };
    expect(out.map((o) => o.outcome)).toEqual([
      {
        ok: true,
        recordId: `roster:${A}42:2022-06-01`,
        facts: [
          { kind: 'status', person, category: 'DISABLED', validFrom: '2022-06-01', validTo: '2032-05-31', countyCode: '460102', detail: { category: 4, categoryName: '肢体', level: 2 } },
          { kind: 'residence', person, countyCode: '460102', asOf: '2022-06-01' },
        ],
      },
    ]);
  });

  it('applies the certificate check of the payments (CERT_MISMATCH), and every other reason its fixture declares', async () => {
    const out = await ingest(rosterFixture.content, { ...ctx, today: '2026-11-01', now: new Date('2026-11-01T00:00:00+08:00') });
    expect(out).toHaveLength(rosterFixture.records);
    expect(reasons(out).map((r) => r[1])).toEqual(['OK', 'OK', 'INVALID_ID', 'CERT_MISMATCH', 'BAD_DATE', 'MISSING_FIELD', 'BAD_VALUE', 'UNPARSABLE']);
  });
});
