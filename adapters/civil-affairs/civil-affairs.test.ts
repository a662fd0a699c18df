import { describe, it, expect } from 'vitest';
import { buildSchema, extendSchema, parse, type GraphQLObjectType } from 'graphql';
import { FileRejectedError, type MapContext, type MapOutcome } from '../../src/ingest/adapter.ts';
import { bufferInput } from '../../src/formats/text.ts';

import { civilAffairs } from './index.ts';
import { PAYMENT_HEADER, STATUS_HEADER, gb, idOf, wrongCheckOf } from './fixtures.ts';

const ctx: MapContext = { system: 'civil-affairs', today: '2026-04-01', now: new Date('2026-04-01T02:00:00Z') };

async function ingest(content: Buffer, context: MapContext = ctx): Promise<{ line: number | undefined; outcome: MapOutcome }[]> {
  const out = [];
  // Small chunks: GB18030 characters and lines are cut at chunk boundaries.
  for await (const rec of civilAffairs.read(bufferInput('ca.csv', content, { chunkSize: 7 }))) {
    out.push({ line: rec.location.line, outcome: civilAffairs.map(rec, context) });
  }
  return out;
}

const reasons = (out: { line: number | undefined; outcome: MapOutcome }[]) =>
  out.map(({ line, outcome }) => [line, outcome.ok ? 'OK' : outcome.reason, outcome.recordId]);

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');
const C = idOf('46010220100506124');
const D = idOf('46020019751212345'); // check character X
const fullWidth = (s: string) => s.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('civil-affairs status file', () => {
  it('maps a status row to membership, status and residence facts', async () => {
    expect(D.endsWith('X')).toBe(true);
    const file = gb(
      [
        STATUS_HEADER.replace('(元)', '（元）'),
        `${A},王大明,${A},王大明,本人,低保,2025/1/5,,460102,"36,000.50"`,
        `${A},"王大明","${fullWidth(B)}",符秀英,配偶,低保,2025/01/05,2027/12/31,460102,`,
        `460200751212345,"符 阿妹\n(户主)",${D.toLowerCase()}, 阿依古丽•买买提 ,本人,特困供养,2024/6/1,,469027,0`,
      ].join('\r\n'),
    );
    const out = await ingest(file);
    expect(out).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: `status:${A}:MINIMUM_LIVING:2025-01-05`,
          facts: [
            {
              kind: 'membership',
              householdKey: `civil:${A}`,
              person: { idNumber: A, name: '王大明' },
              relationship: '本人',
              annualIncomeFen: 3600050n,
              asOf: '2025-01-05',
              countyCode: '460102',
            },
            {
              kind: 'status',
              person: { idNumber: A, name: '王大明' },
              category: 'MINIMUM_LIVING',
              validFrom: '2025-01-05',
              validTo: null,
              countyCode: '460102',
              detail: { 救助类别: '低保' },
            },
            { kind: 'residence', person: { idNumber: A, name: '王大明' }, countyCode: '460102', asOf: '2025-01-05' },
          ],
        },
      },
      {
        line: 3,
        outcome: {
          ok: true,
          recordId: `status:${B}:MINIMUM_LIVING:2025-01-05`,
          facts: [
            {
              kind: 'membership',
              householdKey: `civil:${A}`,
              person: { idNumber: B, name: '符秀英' },
              relationship: '配偶',
              annualIncomeFen: null,
              asOf: '2025-01-05',
              countyCode: '460102',
            },
            {
              kind: 'status',
              person: { idNumber: B, name: '符秀英' },
              category: 'MINIMUM_LIVING',
              validFrom: '2025-01-05',
              validTo: '2027-12-31',
              countyCode: '460102',
              detail: { 救助类别: '低保' },
            },
            { kind: 'residence', person: { idNumber: B, name: '符秀英' }, countyCode: '460102', asOf: '2025-01-05' },
          ],
        },
      },
      {
        // The 15-digit householder number and the lower-case x member number are the same person.
        line: 4,
        outcome: {
          ok: true,
          recordId: `status:${D}:EXTREMELY_POOR:2024-06-01`,
          facts: [
            {
              kind: 'membership',
              householdKey: `civil:${D}`,
              person: { idNumber: D, name: ' 阿依古丽•买买提 ' },
              relationship: '本人',
              annualIncomeFen: 0n,
              asOf: '2024-06-01',
              countyCode: '469027',
            },
            {
              kind: 'status',
              person: { idNumber: D, name: ' 阿依古丽•买买提 ' },
              category: 'EXTREMELY_POOR',
              validFrom: '2024-06-01',
              validTo: null,
              countyCode: '469027',
              detail: { 救助类别: '特困供养' },
            },
            { kind: 'residence', person: { idNumber: D, name: ' 阿依古丽•买买提 ' }, countyCode: '469027', asOf: '2024-06-01' },
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable status row with its reason and line', async () => {
    const row = (o: Partial<Record<'h' | 'm' | 'rel' | 'cat' | 'from' | 'to' | 'county' | 'income', string>>) =>
      [o.h ?? A, '王大明', o.m ?? C, '王小明', o.rel ?? '子女', o.cat ?? '低保', o.from ?? '2025/1/5', o.to ?? '', o.county ?? '460102', o.income ?? ''].join(',');
    const file = gb(
      [
        STATUS_HEADER,
        row({ m: wrongCheckOf('46010220100506124') }), // 2
        row({ h: wrongCheckOf('46010219800101123') }), // 3: the householder's number is checked too
        row({ m: '46010220101332124' }), // 4: no 32nd of the 13th month
        row({ rel: '表亲' }), // 5
        row({ rel: '本人' }), // 6: 本人 but not the householder
        row({ cat: '五保' }), // 7
        row({ from: '2025/02/30' }), // 8
        row({ from: '2026/4/2' }), // 9: after today
        row({ to: '2024/12/31' }), // 10: ends before it starts
        row({ county: '' }), // 11
        row({ county: '4601' }), // 12
        row({ income: '-100' }), // 13
        row({ income: '1万' }), // 14
        row({ m: '' }), // 15
        `${A},王大明,${C},"王小明,子女,低保,2025/1/5,,460102,`, // 16: the quote never closes
        `${A},王大明,${C},王小明,子女,低保,2025/1/5,,460102`, // 17: a field short
        row({}), // 18
        '', // 19
      ].join('\n'),
    );
    const out = await ingest(file);
    expect(reasons(out)).toEqual([
      [2, 'INVALID_ID', null],
      [3, 'INVALID_ID', null],
      [4, 'INVALID_ID', null],
      [5, 'BAD_VALUE', null],
      [6, 'BAD_VALUE', null],
      [7, 'BAD_VALUE', null],
      [8, 'BAD_DATE', null],
      [9, 'BAD_DATE', null],
      [10, 'BAD_DATE', null],
      [11, 'MISSING_FIELD', null],
      [12, 'BAD_VALUE', null],
      [13, 'BAD_AMOUNT', null],
      [14, 'BAD_AMOUNT', null],
      [15, 'MISSING_FIELD', null],
      [16, 'UNPARSABLE', null],
      [17, 'UNPARSABLE', null],
      [18, 'OK', `status:${C}:MINIMUM_LIVING:2025-01-05`],
    ]);
    const first = out[0]!.outcome;
    expect(first.ok === false && first.message).toMatch(/成员身份证号.*check character/);
  });
});

describe('civil-affairs payment file', () => {
  it('maps paid and cancelled payments to aid facts', async () => {
    const file = gb(
      [
        PAYMENT_HEADER,
        `LS2026-0001,${A},王大明,"1,200.50",2026/2/1,2026/2/10,PZ-LS-0001,H46010200001-2026-000123,H46010200001,已发放`,
        `LS2026-0002,460102800101123,王大明,８００,2026/2/3,,PZ-LS-0002,,,已撤销`,
      ].join('\n'),
    );
    expect(await ingest(file)).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: 'LS2026-0001',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: A, name: '王大明' },
              program: 'TEMPORARY_ASSISTANCE',
              amountFen: 120050n,
              approvedOn: '2026-02-01',
              paidOn: '2026-02-10',
              status: 'PAID',
              voucher: 'PZ-LS-0001',
              settlementRef: 'H46010200001-2026-000123',
              hospitalCode: 'H46010200001',
              details: { assistanceNo: 'LS2026-0001', approvedOn: '2026-02-01', sourceStatus: '已发放' },
            },
          ],
        },
      },
      {
        line: 3,
        outcome: {
          ok: true,
          recordId: 'LS2026-0002',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: A, name: '王大明' },
              program: 'TEMPORARY_ASSISTANCE',
              amountFen: 80000n,
              approvedOn: '2026-02-03',
              paidOn: null,
              status: 'REVERSED',
              voucher: 'PZ-LS-0002',
              settlementRef: null,
              hospitalCode: null,
              details: { assistanceNo: 'LS2026-0002', approvedOn: '2026-02-03', sourceStatus: '已撤销' },
            },
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable payment row under its assistance number', async () => {
    const row = (no: string, o: Partial<Record<'id' | 'amount' | 'approved' | 'paid' | 'status', string>>) =>
      [no, o.id ?? A, '王大明', o.amount ?? '100', o.approved ?? '2026/2/1', o.paid ?? '2026/2/2', '', '', '', o.status ?? '已发放'].join(',');
    const file = gb(
      [
        PAYMENT_HEADER,
        row('P2', { id: '4601021980010112' }), // 16 digits
        row('P3', { amount: '12.345' }),
        row('P4', { amount: '-5' }),
        row('P5', { amount: '200000000' }), // 2亿: absurd for one payment
        row('P6', { approved: '2026/4/2' }),
        row('P7', { paid: '' }), // paid without a day
        row('P8', { status: '待发放' }),
        row('', {}),
        row('P10', { paid: '', status: '已撤销' }),
        `P11,${A},"王大明"x,100,2026/2/1,2026/2/2,,,,已发放`,
      ].join('\n'),
    );
    expect(reasons(await ingest(file))).toEqual([
      [2, 'INVALID_ID', 'P2'],
      [3, 'BAD_AMOUNT', 'P3'],
      [4, 'BAD_AMOUNT', 'P4'],
      [5, 'BAD_AMOUNT', 'P5'],
      [6, 'BAD_DATE', 'P6'],
      [7, 'MISSING_FIELD', 'P7'],
      [8, 'BAD_VALUE', 'P8'],
      [9, 'MISSING_FIELD', null],
      [10, 'OK', 'P10'],
      [11, 'UNPARSABLE', null],
    ]);
  });

  it('refuses a file whose header is neither kind as MALFORMED', async () => {
    const err = await ingest(gb('救助编号,身份证号,姓名\nLS1,x,y\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileRejectedError);
    expect((err as FileRejectedError).reason).toBe('MALFORMED');
  });
});

describe('civil-affairs SDL', () => {
  it('extends AidRecord with a described detail type and resolves only its own details', () => {
    const base = buildSchema('scalar Date\ntype AidRecord { id: ID! }\ntype Query { aid: AidRecord }');
    const schema = extendSchema(base, parse(civilAffairs.sdl!));
    const field = (schema.getType('AidRecord') as GraphQLObjectType).getFields()['civilAffairs']!;
    expect(field.description).toBeTruthy();
    const detail = schema.getType('CivilAffairsAidDetail') as GraphQLObjectType;
    expect(detail.description).toBeTruthy();
    expect(Object.values(detail.getFields()).map((f) => [f.name, Boolean(f.description)])).toEqual([
      ['assistanceNo', true],
      ['approvedOn', true],
      ['sourceStatus', true],
    ]);
    const resolve = civilAffairs.resolvers!['AidRecord']!['civilAffairs'] as (p: unknown) => unknown;
    expect(resolve({ system: 'civil-affairs', details: { assistanceNo: 'LS1' } })).toEqual({ assistanceNo: 'LS1' });
    expect(resolve({ system: 'veterans', details: { assistanceNo: 'LS1' } })).toBeNull();
  });
});
