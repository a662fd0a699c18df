/**
 * sources.md's common rules, checked once for every adapter (src/ingest/common-rules.ts): an aid or grant of
 * zero yuan is quarantined BAD_AMOUNT, a date in the future BAD_DATE — whatever the format it came in.
 */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { adapterFor } from '../../adapters/index.ts';
import type { ByteInput, Fact, MapContext } from '../../src/ingest/adapter.ts';
import { commonRuleViolation, mapRecord } from '../../src/ingest/common-rules.ts';
import { idOf } from '../../adapters/contract-fixture.ts';

const ctx: MapContext = { system: '', now: new Date('2026-11-01T12:00:00+08:00'), today: '2026-11-01' };
const A = idOf('46010219800101123');
const W = idOf('46010219780808222');

async function reasons(system: string, name: string, content: Buffer): Promise<Array<string>> {
  const adapter = adapterFor(system)!;
  const input: ByteInput = { name, open: () => Readable.from([content]) };
  if (adapter.verify) await adapter.verify(input);
  const out: string[] = [];
  for await (const rec of adapter.read(input)) {
    const m = mapRecord(adapter, rec, { ...ctx, system });
    out.push(m.ok ? 'OK' : m.reason);
  }
  return out;
}

/** One payment of `yuan` paid on `day`, in each format that carries aid; the first of each is a valid control. */
const formats: Record<string, (yuan: string, day: string) => [string, Buffer]> = {
  'civil-affairs': (y, d) => [
    'c.csv',
    iconv.encode(`救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态\nLS-1,${A},某某,${y},2026/2/1,${d.replace(/-/g, '/')},,,,已发放\n`, 'gb18030'),
  ],
  veterans: (y, d) => ['v.csv', Buffer.from(`\uFEFF序号,姓名,公民身份号码,优待证号,帮扶类型,帮扶金额,审批时间,发放时间,凭证号,结算单号\n1,某某,${A},,医疗,"${y}",2026年2月1日,${d.slice(0, 4)}年${Number(d.slice(5, 7))}月${Number(d.slice(8))}日,PZ1,\n`)],
  'disabled-rehab': (y, d) => ['d.csv', Buffer.from(`残疾人证号,姓名,残疾类别,残疾等级,救助项目,救助金额(元),救助日期,凭证号,结算单号,县区代码\n${A}41,某某,肢体,一级,康复,${y},${d},,,460105\n`)],
  charity: (y, d) => ['ch.csv', Buffer.from(`类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目\n救助,CS-1,某某,${A},${y},${d},,,\n`)],
  'red-cross': (y, d) => [
    'rc.json',
    Buffer.from(JSON.stringify({ donations: [], grants: [{ grantId: 'G1', patientIdNo: A, patientName: '某某', amount: y, grantedAt: `${d}T10:00:00+08:00`, settlementId: null, voucherNo: null }] })),
  ],
  'women-children': (y, d) => [
    'wc.json',
    Buffer.from(
      JSON.stringify({
        batch: 'B1',
        records: [{ recordNo: 'W1', beneficiary: { type: 'WOMAN', idNumber: W, name: '某某', birthDate: null, guardianIdNumber: null, guardianName: null }, project: '两癌救助', amount: y, grantDate: d, voucherNo: null, settlementId: null }],
      }),
    ),
  ],
  'health-emergency': (y, d) => [
    'he.ndjson',
    Buffer.from(
      JSON.stringify({
        caseNo: 'JJ-1',
        patient: { idNo: A, name: '某某', unidentified: false, approxAge: null },
        hospitalCode: 'H46010200001',
        settlementId: null,
        admittedAt: '2026-01-03T02:10:00+08:00',
        amountFen: Math.round(Number(y) * 100),
        approvedAt: '2026-01-20T10:00:00+08:00',
        paidAt: `${d}T10:00:00+08:00`,
        voucherNo: null,
      }) + '\n',
    ),
  ],
  'union-hardship': (y, d) => {
    const fen = Math.round(Number(y) * 100);
    return ['uh.txt', iconv.encode(`H|UNION-HARDSHIP|20260401|1\nD|KN-1|${A}|某某|${fen}|20260201|${d.replace(/-/g, '')}|||1\nT|1|${fen}\n`, 'gb18030')];
  },
  'union-women': (y, d) => [
    'uw.json',
    Buffer.from(
      JSON.stringify([
        { items: [{ claimId: 'NG-1', insured: { idCard: W, name: '某某' }, illness: '乳腺癌', payout: y, payoutDate: d, voucher: null, settlementNo: null, updatedAt: '2026-03-02T09:00:00+08:00' }], nextCursor: null },
      ]),
    ),
  ],
  'union-mutual-aid': (y, d) => [
    'um.xml',
    Buffer.from(
      `<MutualAidExport org="海南省总工会" exportedAt="2026-04-01T08:00:00+08:00"><Claim id="MA1"><Member cardNo="HNGH0012345" idNo="${A}" name="某某" employer="某厂"/>` +
        `<Benefit amount="${y}" approved="2026-02-01" paid="${d}" voucher="PZ1"/><Status>PAID</Status></Claim></MutualAidExport>`,
    ),
  ],
};

describe('the common rules of every format', () => {
  it.each(Object.keys(formats))('%s: a payment of zero yuan is BAD_AMOUNT, one paid in the future BAD_DATE', async (system) => {
    const make = formats[system]!;
    expect(await reasons(system, ...make('1000.00', '2026-02-10'))).toEqual(['OK']);
    expect(await reasons(system, ...make('0.00', '2026-02-10'))).toEqual(['BAD_AMOUNT']);
    expect(await reasons(system, ...make('0', '2026-02-10'))).toEqual(['BAD_AMOUNT']);
    expect(await reasons(system, ...make('1000.00', '2026-11-02'))).toEqual(['BAD_DATE']);
  });

  it('a donation of zero yuan is BAD_AMOUNT', async () => {
    const doc = (amount: string) => Buffer.from(JSON.stringify({ donations: [{ donationId: 'D1', donor: '某公司', amount, receivedAt: '2026-02-01T10:00:00+08:00' }], grants: [] }));
    expect(await reasons('red-cross', 'd.json', doc('10.00'))).toEqual(['OK']);
    expect(await reasons('red-cross', 'd.json', doc('0.00'))).toEqual(['BAD_AMOUNT']);
    const csv = (amount: string) => Buffer.from(`类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目\n捐赠,CS-1,某公司,,${amount},2026-02-01,,,\n`);
    expect(await reasons('charity', 'c.csv', csv('10'))).toEqual(['OK']);
    expect(await reasons('charity', 'c.csv', csv('0'))).toEqual(['BAD_AMOUNT']);
  });

  it('checks every dated fact, whichever adapter mapped it; a status may end in the future', () => {
    const person = { idNumber: A };
    const cases: Array<[Fact, string | null]> = [
      [{ kind: 'aid', person, program: 'X', amountFen: 1n, approvedOn: '2026-11-02', paidOn: null, status: 'APPROVED', voucher: null, settlementRef: null, hospitalCode: null }, 'BAD_DATE'],
      [{ kind: 'aid', person, program: 'X', amountFen: 0n, approvedOn: '2026-01-02', paidOn: null, status: 'APPROVED', voucher: null, settlementRef: null, hospitalCode: null }, 'BAD_AMOUNT'],
      [{ kind: 'aid', person, program: 'X', amountFen: 1n, approvedOn: '2026-11-01', paidOn: '2026-11-01', status: 'PAID', voucher: null, settlementRef: null, hospitalCode: null }, null],
      [{ kind: 'status', person, category: 'VETERAN', validFrom: '2026-11-02', validTo: null }, 'BAD_DATE'],
      [{ kind: 'status', person, category: 'VETERAN', validFrom: '2026-01-01', validTo: '2030-12-31' }, null],
      [{ kind: 'residence', person, countyCode: '460105', asOf: '2027-01-01' }, 'BAD_DATE'],
      [{ kind: 'membership', householdKey: 'civil:x', person, relationship: null, asOf: '2027-01-01' }, 'BAD_DATE'],
      [{ kind: 'donation', donationId: 'D', donor: null, amountFen: 5n, receivedAt: new Date('2026-11-01T13:00:00+08:00') }, 'BAD_DATE'],
      [{ kind: 'refund', refundId: 'R', originalSettlementId: 'S', at: new Date('2026-12-01T00:00:00+08:00') }, 'BAD_DATE'],
    ];
    for (const [fact, want] of cases) expect({ fact: fact.kind, reason: commonRuleViolation([fact], ctx)?.reason ?? null }).toEqual({ fact: fact.kind, reason: want });
  });
});
