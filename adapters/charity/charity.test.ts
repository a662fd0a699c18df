import { describe, it, expect } from 'vitest';
import { buildSchema, extendSchema, parse, type GraphQLObjectType } from 'graphql';
import type { MapContext, MapOutcome } from '../../src/ingest/adapter.ts';
import { bufferInput } from '../../src/formats/text.ts';

import { charity } from './index.ts';
import { HEADER, idOf, utf8, wrongCheckOf } from './fixtures.ts';

const ctx: MapContext = { system: 'charity', today: '2026-04-01', now: new Date('2026-04-01T02:00:00Z') };

async function ingest(content: Buffer, context: MapContext = ctx): Promise<{ line: number | undefined; outcome: MapOutcome }[]> {
  const out = [];
  for await (const rec of charity.read(bufferInput('ch.csv', content, { chunkSize: 9 }))) {
    out.push({ line: rec.location.line, outcome: charity.map(rec, context) });
  }
  return out;
}

const reasons = (out: { line: number | undefined; outcome: MapOutcome }[]) =>
  out.map(({ line, outcome }) => [line, outcome.ok ? 'OK' : outcome.reason, outcome.recordId]);

const A = idOf('46010219800101123');

describe('charity records', () => {
  it('maps donations to donation facts and grants to aid facts', async () => {
    const file = utf8(
      [
        HEADER,
        `捐赠,CS-0001,"海南某某实业有限公司,三亚分公司",,"50,000.00",2026-01-15,,,大病救助专项`,
        `救助,CS-0001,王大明,${A.slice(0, 9)} ${A.slice(9)},"3,000",2026-03-05,PZ-CS-0001,H46010200001-2026-000123,大病救助专项`,
        `救助,CS-0002," 王大明 ",460102800101123,0.5,2026/3/6,,,`,
      ].join('\n'),
    );
    const out = await ingest(file);
    expect(out).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: 'donation:CS-0001',
          facts: [
            {
              kind: 'donation',
              donationId: 'CS-0001',
              donor: '海南某某实业有限公司,三亚分公司',
              amountFen: 5000000n,
              receivedAt: new Date('2026-01-14T16:00:00Z'),
            },
          ],
        },
      },
      {
        line: 3,
        outcome: {
          ok: true,
          recordId: 'CS-0001',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: A, name: '王大明' },
              program: 'CHARITY_MEDICAL',
              amountFen: 300000n,
              approvedOn: null,
              paidOn: '2026-03-05',
              status: 'PAID',
              voucher: 'PZ-CS-0001',
              settlementRef: 'H46010200001-2026-000123',
              hospitalCode: null,
              details: { project: '大病救助专项', counterpartyName: '王大明' },
            },
          ],
        },
      },
      {
        line: 4,
        outcome: {
          ok: true,
          recordId: 'CS-0002',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: A, name: ' 王大明 ' },
              program: 'CHARITY_MEDICAL',
              amountFen: 50n,
              approvedOn: null,
              paidOn: '2026-03-06',
              status: 'PAID',
              voucher: null,
              settlementRef: null,
              hospitalCode: null,
              details: { project: null, counterpartyName: '王大明' },
            },
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable row with its reason and line', async () => {
    const row = (kind: string, no: string, o: Partial<Record<'id' | 'amount' | 'date', string>>) =>
      [kind, no, '王大明', o.id ?? (kind === '捐赠' ? '' : A), o.amount ?? '100', o.date ?? '2026-03-05', '', '', ''].join(',');
    const file = utf8(
      [
        HEADER,
        row('救助', 'G2', { id: wrongCheckOf('46010219800101123') }),
        row('救助', 'G3', { id: '' }), // a grant names its patient
        row('救助', 'G4', { amount: '"１,０００.００1"' }), // full-width digits, three decimals
        row('捐赠', 'G5', { amount: '-50' }),
        row('捐赠', 'G6', { amount: '' }),
        row('救助', 'G7', { date: '2026-04-02' }),
        row('捐赠', 'G8', { date: '2026年13月1日' }),
        row('退款', 'G9', {}),
        row('', 'G10', {}),
        row('捐赠', '', {}),
        `救助,G12,王大明,${A},100,2026-03-05,,,,`,
        row('捐赠', 'G13', { id: A }), // a donor's number is not read
      ].join('\n'),
    );
    expect(reasons(await ingest(file))).toEqual([
      [2, 'INVALID_ID', 'G2'],
      [3, 'MISSING_FIELD', 'G3'],
      [4, 'BAD_AMOUNT', 'G4'],
      [5, 'BAD_AMOUNT', 'donation:G5'],
      [6, 'MISSING_FIELD', 'donation:G6'],
      [7, 'BAD_DATE', 'G7'],
      [8, 'BAD_DATE', 'donation:G8'],
      [9, 'BAD_VALUE', 'G9'],
      [10, 'MISSING_FIELD', 'G10'],
      [11, 'MISSING_FIELD', null],
      [12, 'UNPARSABLE', null],
      [13, 'OK', 'donation:G13'],
    ]);
  });
});

describe('charity SDL', () => {
  it('extends AidRecord with a described detail type and resolves only its own details', () => {
    const base = buildSchema('scalar Date\ntype AidRecord { id: ID! }\ntype Query { aid: AidRecord }');
    const schema = extendSchema(base, parse(charity.sdl!));
    expect((schema.getType('AidRecord') as GraphQLObjectType).getFields()['charity']!.description).toBeTruthy();
    const detail = schema.getType('CharityAidDetail') as GraphQLObjectType;
    expect(detail.description).toBeTruthy();
    expect(Object.values(detail.getFields()).map((f) => [f.name, Boolean(f.description)])).toEqual([
      ['project', true],
      ['counterpartyName', true],
    ]);
    const resolve = charity.resolvers!['AidRecord']!['charity'] as (p: unknown) => unknown;
    const details = { project: '大病救助专项', counterpartyName: '王大明' };
    expect(resolve({ system: 'charity', details })).toEqual(details);
    expect(resolve({ system: 'red-cross', details })).toBeNull();
  });
});
