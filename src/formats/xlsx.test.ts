import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readXlsxRows, XlsxError, xlsxSheetNames } from './xlsx.ts';

async function rowsOf(buf: Buffer) {
  const out = [];
  for await (const r of readXlsxRows(buf)) out.push(r);
  return out;
}

describe('the XLSX row reader', () => {
  it('reads shared strings, rich text, numbers, booleans, formulas and date-formatted numbers, sheet by sheet', async () => {
    const wb = new ExcelJS.Workbook();
    const a = wb.addWorksheet('监测对象');
    a.addRow(['标题']);
    a.addRow(['姓名', '金额', '日期', '是否', '公式']);
    const r = a.addRow([{ richText: [{ text: '阿依' }, { text: '·木拉提' }] }, 1234.5, new Date(Date.UTC(2026, 2, 5)), true, { formula: 'B3*2', result: 2469 }]);
    r.getCell(3).numFmt = 'yyyy-mm-dd';
    a.addRow([]);
    a.getCell('C5').value = '稀疏';
    const b = wb.addWorksheet('帮扶记录');
    b.addRow(['王大明', '住院救助 结算单号:H46010200001-2026-000123']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    expect(await xlsxSheetNames(buf)).toEqual(['监测对象', '帮扶记录']);
    const rows = await rowsOf(buf);
    expect(rows.map((x) => [x.sheet, x.row])).toEqual([
      ['监测对象', 1],
      ['监测对象', 2],
      ['监测对象', 3],
      ['监测对象', 5],
      ['帮扶记录', 1],
    ]);
    expect(rows[2]!.values).toEqual(['阿依·木拉提', 1234.5, new Date(Date.UTC(2026, 2, 5)), true, 2469]);
    expect(rows[3]!.values).toEqual([null, null, '稀疏']);
    expect(rows[4]!.values).toEqual(['王大明', '住院救助 结算单号:H46010200001-2026-000123']);
  });

  it('refuses what is not a workbook', async () => {
    await expect(rowsOf(Buffer.from('not a zip'))).rejects.toBeInstanceOf(XlsxError);
  });
});
