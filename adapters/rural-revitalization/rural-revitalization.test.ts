import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError } from '../../src/ingest/adapter.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { ruralRevitalization, settlementIdInRemark, type RuralRow } from './index.ts';
import { AID_HEADER, aidRow, CHILD, excelDate, HEAD, monitoredRow, MONITORED_HEADER, ruralWorkbook, type WorkbookSpec } from './fixtures.ts';

const ctx: MapContext = { system: 'rural-revitalization', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const input = (buf: Buffer, name = 'qz.xlsx'): ByteInput => bufferInput(name, buf, { chunkSize: 1000 });

async function records(spec: WorkbookSpec | Buffer): Promise<SourceRecord<RuralRow>[]> {
  const buf = Buffer.isBuffer(spec) ? spec : await ruralWorkbook(spec);
  const out: SourceRecord<RuralRow>[] = [];
  for await (const r of ruralRevitalization.read(input(buf))) out.push(r);
  return out;
}
async function mapAll(spec: WorkbookSpec | Buffer): Promise<MapOutcome[]> {
  return (await records(spec)).map((r) => ruralRevitalization.map(r, ctx));
}

describe('rural-revitalization adapter', () => {
  it('reads both sheets from row 3 on, skipping the title, the header, other sheets and empty rows', async () => {
    const recs = await records({ extraSheet: true, monitored: [monitoredRow(), [null, null, null], monitoredRow({ 身份证号: CHILD })], aid: [aidRow()] });
    expect(recs.map((r) => r.location)).toEqual([
      { file: 'qz.xlsx', sheet: '监测对象', row: 3 },
      { file: 'qz.xlsx', sheet: '监测对象', row: 5 },
      { file: 'qz.xlsx', sheet: '帮扶记录', row: 3 },
    ]);
    expect(JSON.parse(recs[2]!.raw)).toEqual(['BF-2026-0001', HEAD, '王大山', '住院救助', 1500, '2026-02-10T00:00:00.000Z', 'PZ-QZ-0001', '住院救助 结算单号:H46010200001-2026-000123']);
  });

  it('maps a monitored member to membership, status and residence facts', async () => {
    const [out] = await mapAll({ monitored: [monitoredRow()] });
    const person = { idNumber: HEAD, name: '王大山' };
    expect(out).toEqual({
      ok: true,
      recordId: `monitor:QZ-0001:${HEAD}:2025-03-01`,
      facts: [
        { kind: 'membership', householdKey: 'rural:QZ-0001', person, relationship: '户主', perCapitaIncomeFen: 680_050n, asOf: '2025-03-01', countyCode: '469030' },
        { kind: 'status', person, category: 'RURAL_MONITORED', validFrom: '2025-03-01', validTo: null, countyCode: '469030', detail: { 监测类型: '脱贫不稳定户' } },
        { kind: 'residence', person, countyCode: '469030', asOf: '2025-03-01' },
      ],
    });
  });

  it('reads dates from Excel date cells, serial numbers and YYYY-MM-DD text alike', async () => {
    const outs = await mapAll({
      monitored: [
        monitoredRow({ 纳入日期: excelDate(2025, 3, 1), 风险消除日期: excelDate(2026, 1, 15) }),
        monitoredRow({ 纳入日期: 45717, 风险消除日期: '2026-01-15' }),
        monitoredRow({ 纳入日期: '2025-03-01', 风险消除日期: ' 2026-01-15 ' }),
      ],
    });
    for (const o of outs) expect(o.ok && o.facts[1]).toMatchObject({ kind: 'status', validFrom: '2025-03-01', validTo: '2026-01-15' });
  });

  it('reads amounts from numeric cells and text, without floating point', async () => {
    const outs = await mapAll({ aid: [aidRow({ '金额(元)': 1234.56 }), aidRow({ '金额(元)': '1,234.56' }), aidRow({ '金额(元)': 0.1 })] });
    expect(outs.map((o) => o.ok && o.facts[0]!.kind === 'aid' && o.facts[0]!.amountFen)).toEqual([123_456n, 123_456n, 10n]);
    const [income] = await mapAll({ monitored: [monitoredRow({ '家庭人均纯收入(元)': '' })] });
    expect(income!.ok && income!.facts[0]).toMatchObject({ kind: 'membership', perCapitaIncomeFen: null });
  });

  it('normalises identity numbers and keeps middle-dot names as received', async () => {
    const withX = '46010219850315108X';
    const outs = await mapAll({
      monitored: [
        monitoredRow({ 身份证号: fullWidth(HEAD), 姓名: '黎•阿英' }),
        monitoredRow({ 身份证号: '469030700101001' }),
        monitoredRow({ 身份证号: withX.toLowerCase() }),
        monitoredRow({ 身份证号: { richText: [{ text: HEAD.slice(0, 9) }, { text: HEAD.slice(9) }] } }),
      ],
    });
    expect(outs.map((o) => o.ok && o.facts[0]!.kind === 'membership' && o.facts[0]!.person.idNumber)).toEqual([HEAD, id('46903019700101001'), withX, HEAD]);
    expect(outs[0]!.ok && outs[0]!.facts[0]!.kind === 'membership' && outs[0]!.facts[0]!.person.name).toBe('黎•阿英');
  });

  it('maps a support record to PAID aid with the settlement id read from 备注', async () => {
    const [out] = await mapAll({ aid: [aidRow({ 备注: '住院救助 结算单号：H46010200001-2026-000123 已核' })] });
    expect(out).toEqual({
      ok: true,
      recordId: 'BF-2026-0001',
      facts: [
        {
          kind: 'aid',
          person: { idNumber: HEAD, name: '王大山' },
          program: 'RURAL_MEDICAL_SUPPORT',
          amountFen: 150_000n,
          approvedOn: null,
          paidOn: '2026-02-10',
          status: 'PAID',
          voucher: 'PZ-QZ-0001',
          settlementRef: 'H46010200001-2026-000123',
          hospitalCode: null,
          details: { project: '住院救助', remark: '住院救助 结算单号：H46010200001-2026-000123 已核' },
        },
      ],
    });
    expect(settlementIdInRemark('结算单号:H46010200001-2026-000777')).toBe('H46010200001-2026-000777');
    expect(settlementIdInRemark('门诊慢特病补助')).toBeNull();
    expect(settlementIdInRemark(null)).toBeNull();
  });

  it('quarantines bad rows with their reason codes and locations', async () => {
    const recs = await records({
      monitored: [
        monitoredRow({ 身份证号: '469030197001010011' }),
        monitoredRow({ 监测类型: '一般农户' }),
        monitoredRow({ 纳入日期: '2026-05-01' }),
        monitoredRow({ 风险消除日期: '2025-01-01' }),
        monitoredRow({ 户编号: null }),
        monitoredRow({ '家庭人均纯收入(元)': '-100' }),
        monitoredRow({ '县(市、区)代码': '4690' }),
      ],
      aid: [aidRow({ '金额(元)': 'abc' }), aidRow({ 发放日期: '2026/13/01' }), aidRow({ 发放日期: null }), aidRow({ 身份证号: '' }), aidRow({ '金额(元)': 200_000_000 })],
    });
    const outs = recs.map((r) => {
      const o = ruralRevitalization.map(r, ctx);
      return [r.location.sheet, r.location.row, o.ok ? 'ok' : o.reason];
    });
    expect(outs).toEqual([
      ['监测对象', 3, 'INVALID_ID'],
      ['监测对象', 4, 'BAD_VALUE'],
      ['监测对象', 5, 'BAD_DATE'],
      ['监测对象', 6, 'BAD_DATE'],
      ['监测对象', 7, 'MISSING_FIELD'],
      ['监测对象', 8, 'BAD_AMOUNT'],
      ['监测对象', 9, 'BAD_VALUE'],
      ['帮扶记录', 3, 'BAD_AMOUNT'],
      ['帮扶记录', 4, 'BAD_DATE'],
      ['帮扶记录', 5, 'MISSING_FIELD'],
      ['帮扶记录', 6, 'MISSING_FIELD'],
      ['帮扶记录', 7, 'BAD_AMOUNT'],
    ]);
    expect(ruralRevitalization.map(recs[1]!, ctx)).toMatchObject({ recordId: `monitor:QZ-0001:${HEAD}:2025-03-01` });
  });

  it('matches headers despite full-width brackets and column order', async () => {
    const header = [...AID_HEADER].reverse().map((h) => h.replace('(', '（').replace(')', '）'));
    const row = [...aidRow()].reverse();
    const [out] = await mapAll({ aid: [row], aidHeader: header });
    expect(out).toMatchObject({ ok: true, recordId: 'BF-2026-0001', facts: [{ amountFen: 150_000n }] });
  });

  it('refuses a workbook that is not one, lacks a column, or has neither sheet (MALFORMED)', async () => {
    const reasons = async (b: Buffer) => {
      try {
        await records(b);
        return 'read';
      } catch (e) {
        return e instanceof FileRejectedError ? e.reason : String(e);
      }
    };
    const good = await ruralWorkbook({ monitored: [monitoredRow()] });
    expect(await reasons(Buffer.from('户编号,身份证号\n'))).toBe('MALFORMED');
    expect(await reasons(good.subarray(0, good.length - 200))).toBe('MALFORMED');
    expect(await reasons(await ruralWorkbook({ monitored: [monitoredRow()], monitoredHeader: MONITORED_HEADER.filter((h) => h !== '纳入日期') }))).toBe('MALFORMED');
    expect(await reasons(await ruralWorkbook({ extraSheet: true }))).toBe('MALFORMED');
  });

  it('shows 帮扶项目 and 备注 through AidRecord.ruralRevitalization', () => {
    const resolve = ruralRevitalization.resolvers!.AidRecord!.ruralRevitalization as (p: unknown) => unknown;
    expect(resolve({ system: 'rural-revitalization', details: { project: '住院救助', remark: 'x' } })).toEqual({ project: '住院救助', remark: 'x' });
    expect(resolve({ system: 'veterans', details: {} })).toBeNull();
    expect(ruralRevitalization.binary).toBe(true);
  });
});

describe('ruralRevitalization SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, ruralRevitalization.sdl!], resolvers: ruralRevitalization.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(ruralRevitalization.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('ruralRevitalization on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/rural-revitalization.export') };
    const drain = async () => {
      if (ruralRevitalization.verify) await ruralRevitalization.verify(gone);
      for await (const _ of ruralRevitalization.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
