import { describe, it, expect } from 'vitest';
import { buildSchema, extendSchema, parse, type GraphQLObjectType } from 'graphql';
import type { MapContext, MapOutcome } from '../../src/ingest/adapter.ts';
import { bufferInput } from '../../src/formats/text.ts';

import { veterans } from './index.ts';
import { HEADER, ROSTER_HEADER, idOf, rosterFixture, withBom, wrongCheckOf } from './fixtures.ts';

const ctx: MapContext = { system: 'veterans', today: '2026-04-01', now: new Date('2026-04-01T02:00:00Z') };

async function ingest(content: Buffer, context: MapContext = ctx): Promise<{ line: number | undefined; outcome: MapOutcome }[]> {
  const out = [];
  for await (const rec of veterans.read(bufferInput('vet.csv', content, { chunkSize: 4 }))) {
    out.push({ line: rec.location.line, outcome: veterans.map(rec, context) });
  }
  return out;
}

const reasons = (out: { line: number | undefined; outcome: MapOutcome }[]) =>
  out.map(({ line, outcome }) => [line, outcome.ok ? 'OK' : outcome.reason, outcome.recordId]);

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');
const D = idOf('46020019751212345');

describe('veterans records', () => {
  it('maps rows to aid facts: thousands separators, Chinese dates, voucher or composite record id', async () => {
    const file = withBom(
      [
        HEADER,
        `1,王大明,${A},YD4601020001,医疗帮扶,"1,234.50",2026年3月5日,2026年3月10日,pz-ty 0001,H46010200001-2026-000123`,
        `2, 符秀英 ,"4601 0219 8203 0412 2${B.slice(-1)}",,临时帮扶,"12,800",2026年3月6日,,,`,
        `3,"阿依古丽·买买提","${D.toLowerCase()}",YD-469027-9,"医疗帮扶,大病","２,０００.5",2026年1月2日,2026年1月3日,,`,
      ].join('\n'),
    );
    const aid = (o: Record<string, unknown>) => ({ kind: 'aid', program: 'VETERAN_ASSISTANCE', hospitalCode: null, ...o });
    const veteran = (person: { idNumber: string; name: string }, validFrom: string, preferentialCardNo: string | null) => ({
      kind: 'status',
      person,
      category: 'VETERAN',
      validFrom,
      validTo: null,
      detail: { preferentialCardNo },
      derivedKey: `derived:VETERAN:${person.idNumber}`,
    });
    expect(await ingest(file)).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: 'PZTY0001',
          // The payment's own key, so that a delivery of it without the voucher is known as the same record.
          paymentKey: `${A}|2026-03-05|123450`,
          facts: [
            aid({
              person: { idNumber: A, name: '王大明' },
              amountFen: 123450n,
              approvedOn: '2026-03-05',
              paidOn: '2026-03-10',
              status: 'PAID',
              voucher: 'pz-ty 0001',
              settlementRef: 'H46010200001-2026-000123',
              details: { preferentialCardNo: 'YD4601020001', assistanceType: '医疗帮扶' },
            }),
            veteran({ idNumber: A, name: '王大明' }, '2026-03-05', 'YD4601020001'),
          ],
        },
      },
      {
        line: 3,
        outcome: {
          ok: true,
          recordId: `${B}|2026-03-06|1280000`,
          paymentKey: `${B}|2026-03-06|1280000`,
          facts: [
            aid({
              person: { idNumber: B, name: ' 符秀英 ' },
              amountFen: 1280000n,
              approvedOn: '2026-03-06',
              paidOn: null,
              status: 'APPROVED',
              voucher: null,
              settlementRef: null,
              details: { preferentialCardNo: null, assistanceType: '临时帮扶' },
            }),
            veteran({ idNumber: B, name: ' 符秀英 ' }, '2026-03-06', null),
          ],
        },
      },
      {
        line: 4,
        outcome: {
          ok: true,
          recordId: `${D}|2026-01-02|200050`,
          paymentKey: `${D}|2026-01-02|200050`,
          facts: [
            aid({
              person: { idNumber: D, name: '阿依古丽·买买提' },
              amountFen: 200050n,
              approvedOn: '2026-01-02',
              paidOn: '2026-01-03',
              status: 'PAID',
              voucher: null,
              settlementRef: null,
              details: { preferentialCardNo: 'YD-469027-9', assistanceType: '医疗帮扶,大病' },
            }),
            veteran({ idNumber: D, name: '阿依古丽·买买提' }, '2026-01-02', 'YD-469027-9'),
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable row with its reason and line', async () => {
    const row = (no: string, o: Partial<Record<'id' | 'amount' | 'approved' | 'paid' | 'voucher', string>>) =>
      [no, '王大明', o.id ?? A, '', '医疗帮扶', o.amount ?? '100', o.approved ?? '2026年3月5日', o.paid ?? '2026年3月10日', o.voucher ?? `PZ-${no}`, ''].join(',');
    const file = withBom(
      [
        HEADER,
        row('2', { id: wrongCheckOf('46010219800101123') }),
        row('3', { id: '' }),
        row('4', { amount: '"1,234.567"' }),
        row('5', { amount: '-1' }),
        row('6', { approved: '2026年2月30日' }),
        row('7', { approved: '2026年4月2日' }), // after today
        row('8', { paid: '2026年4月2日' }),
        row('9', { approved: '' }),
        row('10', { amount: '1,234.50' }), // separator not quoted: one field too many
        row('11', { voucher: '' }),
      ].join('\n'),
    );
    expect(reasons(await ingest(file))).toEqual([
      [2, 'INVALID_ID', 'PZ2'],
      [3, 'MISSING_FIELD', 'PZ3'],
      [4, 'BAD_AMOUNT', 'PZ4'],
      [5, 'BAD_AMOUNT', 'PZ5'],
      [6, 'BAD_DATE', 'PZ6'],
      [7, 'BAD_DATE', 'PZ7'],
      [8, 'BAD_DATE', 'PZ8'],
      [9, 'MISSING_FIELD', 'PZ9'],
      [10, 'UNPARSABLE', null],
      [11, 'OK', `${A}|2026-03-05|10000`],
    ]);
  });

  it('gives a re-delivered payment without voucher the same record id', async () => {
    const line = `1,王大明,${A},,医疗帮扶,"1,000",2026年3月5日,,,`;
    const again = `7,王大明, ${A.slice(0, 6)} ${A.slice(6)} ,,医疗帮扶,1000.00,2026年03月05日,2026年3月9日,,`;
    const [first, second] = await ingest(withBom([HEADER, line, again].join('\n')));
    expect(first!.outcome.recordId).toBe(`${A}|2026-03-05|100000`);
    expect(second!.outcome.recordId).toBe(first!.outcome.recordId);
  });
});

describe('the veterans roster (困难退役军人名册)', () => {
  it('is told apart by its header: each row a VETERAN status from 认定日期 to 终止日期 and a residence', async () => {
    const out = await ingest(withBom([ROSTER_HEADER, `${A},王大明,YD4601020001,2024年5月1日,,460106`, `${B}, 符秀英 ,,2023年1月1日,2025年12月31日,469005`].join('\n')));
    expect(out.map((o) => o.outcome)).toEqual([
      {
        ok: true,
        recordId: `roster:${A}:2024-05-01`,
        facts: [
          {
            kind: 'status',
            person: { idNumber: A, name: '王大明' },
            category: 'VETERAN',
            validFrom: '2024-05-01',
            validTo: null,
            countyCode: '460106',
            detail: { preferentialCardNo: 'YD4601020001', source: '困难退役军人名册' },
          },
          { kind: 'residence', person: { idNumber: A, name: '王大明' }, countyCode: '460106', asOf: '2024-05-01' },
        ],
      },
      {
        ok: true,
        recordId: `roster:${B}:2023-01-01`,
        facts: [
          {
            kind: 'status',
            person: { idNumber: B, name: ' 符秀英 ' },
            category: 'VETERAN',
            validFrom: '2023-01-01',
            validTo: '2025-12-31',
            countyCode: '469005',
            detail: { preferentialCardNo: null, source: '困难退役军人名册' },
          },
          { kind: 'residence', person: { idNumber: B, name: ' 符秀英 ' }, countyCode: '469005', asOf: '2023-01-01' },
        ],
      },
    ]);
  });

  it('a row re-sent with another 终止日期 or county is the same record; an end before the start is BAD_DATE', async () => {
    const [a, b, c] = await ingest(
      withBom([ROSTER_HEADER, `${A},王大明,,2024年5月1日,,460106`, `${A},王大明,,2024年5月1日,2026年1月31日,460108`, `${A},王大明,,2024年5月1日,2024年4月30日,460106`].join('\n')),
    );
    expect(b!.outcome.recordId).toBe(a!.outcome.recordId);
    expect(c!.outcome).toMatchObject({ ok: false, reason: 'BAD_DATE' });
  });

  it('quarantines exactly what its contract fixture declares', async () => {
    const out = await ingest(rosterFixture.content, { ...ctx, today: '2026-11-01', now: new Date('2026-11-01T00:00:00+08:00') });
    expect(out).toHaveLength(rosterFixture.records);
    expect(reasons(out).map((r) => r[1])).toEqual(['OK', 'OK', 'INVALID_ID', 'BAD_DATE', 'BAD_DATE', 'MISSING_FIELD', 'BAD_VALUE', 'UNPARSABLE']);
  });
});

describe('veterans SDL', () => {
  it('extends AidRecord with a described detail type and resolves only its own details', () => {
    const base = buildSchema('scalar Date\ntype AidRecord { id: ID! }\ntype Query { aid: AidRecord }');
    const schema = extendSchema(base, parse(veterans.sdl!));
    expect((schema.getType('AidRecord') as GraphQLObjectType).getFields()['veterans']!.description).toBeTruthy();
    const detail = schema.getType('VeteransAidDetail') as GraphQLObjectType;
    expect(detail.description).toBeTruthy();
    expect(Object.values(detail.getFields()).map((f) => [f.name, Boolean(f.description)])).toEqual([
      ['preferentialCardNo', true],
      ['assistanceType', true],
    ]);
    const resolve = veterans.resolvers!['AidRecord']!['veterans'] as (p: unknown) => unknown;
    const details = { preferentialCardNo: 'YD1', assistanceType: '医疗帮扶' };
    expect(resolve({ system: 'veterans', details })).toEqual(details);
    expect(resolve({ system: 'charity', details })).toBeNull();
  });
});
