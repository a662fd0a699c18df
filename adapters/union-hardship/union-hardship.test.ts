import { describe, it, expect } from 'vitest';
import { buildSchema, extendSchema, parse, type GraphQLObjectType } from 'graphql';
import type { MapContext, MapOutcome } from '../../src/ingest/adapter.ts';
import { bufferInput } from '../../src/formats/text.ts';

import { unionHardship } from './index.ts';
import { gb, idOf, wrongCheckOf } from './fixtures.ts';

const ctx: MapContext = { system: 'union-hardship', today: '2026-04-01', now: new Date('2026-04-01T02:00:00Z') };

async function ingest(content: Buffer, context: MapContext = ctx): Promise<{ line: number | undefined; outcome: MapOutcome }[]> {
  const out = [];
  for await (const rec of unionHardship.read(bufferInput('uh.txt', content, { chunkSize: 5 }))) {
    out.push({ line: rec.location.line, outcome: unionHardship.map(rec, context) });
  }
  return out;
}

const reasons = (out: { line: number | undefined; outcome: MapOutcome }[]) =>
  out.map(({ line, outcome }) => [line, outcome.ok ? 'OK' : outcome.reason, outcome.recordId]);

async function verifyError(text: string): Promise<unknown> {
  return unionHardship.verify!(bufferInput('uh.txt', gb(text))).then(
    () => 'accepted',
    (e: unknown) => e,
  );
}

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');

describe('union-hardship records', () => {
  it('maps D lines to aid facts, skipping H and T', async () => {
    const file = gb(
      [
        'H|UNION-HARDSHIP|20260401|2',
        `D|KN2026-0001|${A}|王大明|１２００５０|20260201|20260210|PZ-KN-0001|H46010200001-2026-000123|1`,
        `D|KN2026-0002|460102820304122|\u3000符秀英\u3000|50000|20260203||PZ-KN-0002||9`,
        'T|2|170050',
      ].join('\n'),
    );
    await expect(unionHardship.verify!(bufferInput('uh.txt', file))).resolves.toBeUndefined();
    expect(await ingest(file)).toEqual([
      {
        line: 2,
        outcome: {
          ok: true,
          recordId: 'KN2026-0001',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: A, name: '王大明' },
              program: 'POOR_WORKER_MEDICAL',
              amountFen: 120050n,
              approvedOn: '2026-02-01',
              paidOn: '2026-02-10',
              status: 'PAID',
              voucher: 'PZ-KN-0001',
              settlementRef: 'H46010200001-2026-000123',
              hospitalCode: null,
              details: { statusCode: '1' },
            },
            { kind: 'status', person: { idNumber: A, name: '王大明' }, category: 'POOR_WORKER', validFrom: '2026-02-01', validTo: null, derivedKey: `derived:POOR_WORKER:${A}` },
          ],
        },
      },
      {
        line: 3,
        outcome: {
          ok: true,
          recordId: 'KN2026-0002',
          facts: [
            {
              kind: 'aid',
              person: { idNumber: B, name: '\u3000符秀英\u3000' },
              program: 'POOR_WORKER_MEDICAL',
              amountFen: 50000n,
              approvedOn: '2026-02-03',
              paidOn: null,
              status: 'REVERSED',
              voucher: 'PZ-KN-0002',
              settlementRef: null,
              hospitalCode: null,
              details: { statusCode: '9' },
            },
            { kind: 'status', person: { idNumber: B, name: '\u3000符秀英\u3000' }, category: 'POOR_WORKER', validFrom: '2026-02-03', validTo: null, derivedKey: `derived:POOR_WORKER:${B}` },
          ],
        },
      },
    ]);
  });

  it('quarantines each unusable line with its reason and line number', async () => {
    const d = (no: string, o: Partial<Record<'id' | 'amount' | 'approved' | 'paid' | 'status', string>>) =>
      ['D', no, o.id ?? A, '王大明', o.amount ?? '100', o.approved ?? '20260201', o.paid ?? '20260202', '', '', o.status ?? '1'].join('|');
    const file = gb(
      [
        'H|UNION-HARDSHIP|20260401|12',
        d('K2', { id: wrongCheckOf('46010219800101123') }),
        d('K3', { id: '46010219800230123' }), // 30 February
        d('K4', { amount: '12.50' }), // fen are whole
        d('K5', { amount: '-100' }),
        d('K6', { amount: '' }),
        d('K7', { approved: '2026-13-01' }),
        d('K8', { approved: '20260402' }), // after today
        d('K9', { paid: '' }), // status 1 without its payment day
        d('K10', { status: '2' }),
        d('', {}),
        'D|K12|only|four',
        'X|not a line of this format',
        d('K14', { paid: '', status: '9' }),
        'T|12|0',
      ].join('\n'),
    );
    expect(reasons(await ingest(file))).toEqual([
      [2, 'INVALID_ID', 'K2'],
      [3, 'INVALID_ID', 'K3'],
      [4, 'BAD_AMOUNT', 'K4'],
      [5, 'BAD_AMOUNT', 'K5'],
      [6, 'MISSING_FIELD', 'K6'],
      [7, 'BAD_DATE', 'K7'],
      [8, 'BAD_DATE', 'K8'],
      [9, 'MISSING_FIELD', 'K9'],
      [10, 'BAD_VALUE', 'K10'],
      [11, 'MISSING_FIELD', null],
      [12, 'UNPARSABLE', null],
      [13, 'UNPARSABLE', null],
      [14, 'OK', 'K14'],
    ]);
  });
});

describe('union-hardship verify', () => {
  const d1 = `D|K1|${A}|王大明|100|20260201|20260202|||1`;
  const d2 = `D|K2|${A}|王大明|250|20260201|20260202|||1`;

  it('accepts a file whose header and trailer agree with its D lines, counting unparsable amounts as 0', async () => {
    expect(await verifyError(['H|UNION-HARDSHIP|20260401|2', d1, d2, 'T|2|350', ''].join('\n'))).toBe('accepted');
    const bad = `D|K3|${A}|王大明|1.5|20260201|20260202|||1`;
    expect(await verifyError(['H|UNION-HARDSHIP|20260401|3', d1, d2, bad, 'T|3|350'].join('\n'))).toBe('accepted');
    expect(await verifyError(['H|UNION-HARDSHIP|20260401|0', 'T|0|0'].join('\n'))).toBe('accepted');
  });

  const cases: [string, string, 'INTEGRITY' | 'MALFORMED', RegExp][] = [
    ['trailer count', ['H|UNION-HARDSHIP|20260401|2', d1, d2, 'T|3|350'].join('\n'), 'INTEGRITY', /trailer counts 3/],
    ['trailer sum', ['H|UNION-HARDSHIP|20260401|2', d1, d2, 'T|2|351'].join('\n'), 'INTEGRITY', /sums 351 fen.*350 fen/],
    ['header count', ['H|UNION-HARDSHIP|20260401|1', d1, d2, 'T|2|350'].join('\n'), 'INTEGRITY', /announces 1/],
    ['missing trailer (truncated)', ['H|UNION-HARDSHIP|20260401|2', d1, d2].join('\n'), 'INTEGRITY', /T line is missing/],
    ['unreadable trailer', ['H|UNION-HARDSHIP|20260401|2', d1, d2, 'T|2|三百五'].join('\n'), 'INTEGRITY', /not a trailer/],
    ['data after the trailer', ['H|UNION-HARDSHIP|20260401|2', d1, 'T|1|100', d2].join('\n'), 'INTEGRITY', /follows the trailer/],
    ['a second trailer', ['H|UNION-HARDSHIP|20260401|1', d1, 'T|1|100', 'T|1|100'].join('\n'), 'INTEGRITY', /second T/],
    ['header after data', [d1, 'H|UNION-HARDSHIP|20260401|1', 'T|1|100'].join('\n'), 'INTEGRITY', /header is missing at the top/],
    ['a second header', ['H|UNION-HARDSHIP|20260401|1', 'H|UNION-HARDSHIP|20260401|1', d1, 'T|1|100'].join('\n'), 'INTEGRITY', /second H/],
    ['no H line at all', [d1, d2, 'T|2|350'].join('\n'), 'MALFORMED', /no H line/],
    ['another system', ['H|UNION-MUTUAL|20260401|1', d1, 'T|1|100'].join('\n'), 'MALFORMED', /not a header/],
    ['empty file', '', 'MALFORMED', /no H line/],
  ];
  for (const [what, text, reason, message] of cases) {
    it(`refuses ${what} as ${reason}`, async () => {
      const err = await verifyError(text);
      expect(err).toMatchObject({ name: 'FileRejectedError', reason });
      expect((err as Error).message).toMatch(message);
    });
  }
});

describe('union-hardship SDL', () => {
  it('extends AidRecord with a described detail type and resolves only its own details', () => {
    const base = buildSchema('scalar Date\ntype AidRecord { id: ID! }\ntype Query { aid: AidRecord }');
    const schema = extendSchema(base, parse(unionHardship.sdl!));
    expect((schema.getType('AidRecord') as GraphQLObjectType).getFields()['unionHardship']!.description).toBeTruthy();
    const detail = schema.getType('UnionHardshipAidDetail') as GraphQLObjectType;
    expect(detail.description).toBeTruthy();
    expect(Object.values(detail.getFields()).map((f) => [f.name, Boolean(f.description)])).toEqual([['statusCode', true]]);
    const resolve = unionHardship.resolvers!['AidRecord']!['unionHardship'] as (p: unknown) => unknown;
    expect(resolve({ system: 'union-hardship', details: { statusCode: '1' } })).toEqual({ statusCode: '1' });
    expect(resolve({ system: 'charity', details: { statusCode: '1' } })).toBeNull();
  });
});
