/**
 * A hostile-input corpus, generated (nothing large is committed): the files of issue 14 that exhausted
 * memory, crashed the process, stored a 200 MB value or lost bytes, each with what must come of it instead
 * (a quarantined record with its reason, or the file refused whole with its code).
 *
 * Two runs: at the default limits with inputs large enough to cross the real bounds (a few MB each), and
 * with `CAPPED_LIMITS`, where small inputs prove the bounds a 200 MB or 1 GiB input would meet (each bound
 * is a count or a length checked as the input streams, so where it trips does not depend on the size).
 */
import JSZip from 'jszip';
import iconv from 'iconv-lite';
import { idNumber, settlementFile } from './builders.ts';
import { batchJson, womanRecord } from '../../adapters/women-children/fixtures.ts';
import { documentJson, donation, grant } from '../../adapters/red-cross/fixtures.ts';
import { claimXml, exportXml } from '../../adapters/union-mutual-aid/fixtures.ts';
import { claimItem } from '../../adapters/union-women/fixtures.ts';
import type { IngestLimits } from '../../src/formats/limits.ts';

export type Expectation =
  | { rejected: 'MALFORMED' }
  /** Records read, how many quarantined and with which reasons (sorted); `raw` checks one quarantined record's raw. */
  | { records: number; quarantined: number; reasons: string[]; rawBase64?: Buffer };

export interface HostileCase {
  /** File name, under `<system>/` of the corpus directory. */
  name: string;
  system: string;
  content: Buffer;
  expect: Expectation;
  /** The issue-14 item it proves. */
  what: string;
}

/** Limits for the capped run: small enough that small inputs cross them. */
export const CAPPED_LIMITS: Partial<IngestLimits> = {
  maxLineBytes: 64 * 1024,
  maxSharedStrings: 1000,
  maxSharedStringsChars: 100_000,
  maxZipEntryBytes: 1 << 20,
  maxXmlSpanChars: 64 * 1024,
  maxRecordChars: 64 * 1024,
};

/** The 1-based column `n` as letters (1 → A, 16384 → XFD). */
export function columnName(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

const AID_HEADER = ['记录ID', '身份证号', '姓名', '帮扶项目', '金额(元)', '发放日期', '凭证号', '备注'];
const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** Rows 1–2 of a 帮扶记录 sheet (title, header) and one good data row (row 3). */
function aidSheetHead(): string {
  const header = AID_HEADER.map((h, i) => inline(`${columnName(i + 1)}2`, h)).join('');
  const data = ['BF-1', idNumber(7), '王大明', '住院救助', '1200.00', '2026-02-10', 'PZ-1', ''].map((v, i) => inline(`${columnName(i + 1)}3`, v)).join('');
  return `<row r="1">${inline('A1', '琼中县农村低收入人口监测台账')}</row><row r="2">${header}</row><row r="3">${data}</row>`;
}

/** A workbook with one sheet 帮扶记录 whose <sheetData> holds `rows` (XML or a Buffer of it), and optional shared strings. */
export async function aidWorkbook(rows: string | Buffer, opts: { shared?: string | Buffer } = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  zip.file(
    'xl/workbook.xml',
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="帮扶记录" sheetId="1" r:id="rId1"/></sheets></workbook>',
  );
  zip.file(
    'xl/_rels/workbook.xml.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
  );
  const open = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
  const close = '</sheetData></worksheet>';
  zip.file('xl/worksheets/sheet1.xml', typeof rows === 'string' ? open + aidSheetHead() + rows + close : Buffer.concat([Buffer.from(open + aidSheetHead()), rows, Buffer.from(close)]));
  if (opts.shared !== undefined) zip.file('xl/sharedStrings.xml', opts.shared);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** A shared-strings part of `count` strings. */
export function sharedStrings(count: number, text: (i: number) => string = (i) => `名${i}`): Buffer {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'];
  for (let i = 0; i < count; i++) parts.push(`<si><t>${text(i)}</t></si>`);
  parts.push('</sst>');
  return Buffer.from(parts.join(''));
}

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function settlementLines(ids: string[]): string[] {
  return settlementFile(ids.map((id, i) => ({ id, person: idNumber(100 + i) }))).toString('utf8').trim().split('\n');
}

const CIVIL_PAYMENT_HEADER = '救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态';

/** Cases that cross the default limits. */
export async function defaultCorpus(): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);

  // 1. A cell named near column 2^32, and XFD1048576: refused, never a row of 2^32 cells.
  add({ name: 'col-2-32.xlsx', system: 'rural-revitalization', what: '1: a cell near column 2^32', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook(`<row r="4">${inline(`${columnName(2 ** 32 - 1)}4`, 'x')}</row>`) });
  const xfd: string[] = [];
  for (let r = 4; r < 20_004; r++) xfd.push(`<row r="${r}"><c r="XFD${r}" s="0"/></row>`);
  xfd.push(`<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`);
  add({ name: 'xfd1048576.xlsx', system: 'rural-revitalization', what: '1: 20,000 rows naming XFD, then XFD1048576 with a value', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook(xfd.join('')) });
  // The same empty far cells without the value: passed over, the workbook's one good record read.
  add({ name: 'xfd-blank.xlsx', system: 'rural-revitalization', what: '1: formatted blank cells at XFD are passed over', expect: { records: 1, quarantined: 0, reasons: [] }, content: await aidWorkbook(xfd.slice(0, -1).join('')) });

  // 2. A 100,000-deep array in each JSON document format.
  const deep = deepArray(100_000);
  add({ name: 'deep.json', system: 'women-children', what: '2: women-children 100,000-deep array', expect: { rejected: 'MALFORMED' }, content: Buffer.from(`{"batch":"FL-1","records":[${JSON.stringify(womanRecord())},${deep}]}`) });
  add({ name: 'deep.json', system: 'red-cross', what: '2: red-cross 100,000-deep array', expect: { rejected: 'MALFORMED' }, content: Buffer.from(`{"donations":[${deep}],"grants":[]}`) });
  add({ name: 'deep-pages.json', system: 'union-women', what: '2: union-women pages file, 100,000-deep', expect: { rejected: 'MALFORMED' }, content: Buffer.from(`[{"items":[${JSON.stringify(claimItem())},{"x":${deep}}],"nextCursor":null}]`) });

  // 3. Memory bounds at their real size: a 4 MB shared string, a 16 MB whitespace run in a sheet, a 24 MB
  // sheet of empty rows (a zip bomb: a thousand to one), a 3 MB XML attribute, a 3 MB line.
  add({ name: 'big-shared-string.xlsx', system: 'rural-revitalization', what: '3: a 4 MB shared string', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook('<row r="4"><c r="A4" t="s"><v>0</v></c></row>', { shared: sharedStrings(1, () => '字'.repeat(4 << 20)) }) });
  add({ name: 'whitespace-bomb.xlsx', system: 'rural-revitalization', what: '3: whitespace zip bomb (16 MB of blanks between two tags)', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook(Buffer.alloc(16 << 20, 0x20)) });
  add({ name: 'rows-bomb.xlsx', system: 'rural-revitalization', what: '3: zip bomb of 24 MB of empty rows (ratio past 250)', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook(Buffer.from('<row/>'.repeat(4 << 20))) });
  add({
    name: 'many-shared.xlsx',
    system: 'rural-revitalization',
    what: '3: a moderately sized real case, 200,000 shared strings, read',
    expect: { records: 2, quarantined: 0, reasons: [] },
    content: await aidWorkbook(`<row r="4">${['BF-2', idNumber(8), '李四', '住院救助', '300.00', '2026-02-11', 'PZ-2', ''].map((v, i) => (i === 2 ? `<c r="C4" t="s"><v>199999</v></c>` : inline(`${columnName(i + 1)}4`, v))).join('')}</row>`, { shared: sharedStrings(200_000) }),
  });
  add({
    name: 'big-attribute.xml',
    system: 'union-mutual-aid',
    what: '3: a 3 MB XML attribute',
    expect: { rejected: 'MALFORMED' },
    content: Buffer.from(exportXml([claimXml(), claimXml({ id: 'MA2', member: { idNo: idNumber(9), name: 'x'.repeat(3 << 20) } })])),
  });
  const lines = settlementLines(['S-1', 'S-2']);
  add({ name: 'long-line.ndjson', system: 'medical-insurance', what: '3: a 3 MB line', expect: { rejected: 'MALFORMED' }, content: Buffer.from([lines[0], `{"setl_id":"S-L","psn_name":"${'x'.repeat(3 << 20)}"}`, lines[1]].join('\n')) });

  // 4. One NDJSON line nested 100,000 deep; a NUL byte; a NUL escape in a name.
  add({ name: 'deep-line.ndjson', system: 'medical-insurance', what: '4: one line nested 100,000 deep', expect: { records: 3, quarantined: 1, reasons: ['UNPARSABLE'] }, content: Buffer.from([lines[0], `{"setl_id":"S-D","x":${deep}}`, lines[1]].join('\n')) });
  const nulLine = Buffer.concat([Buffer.from('{"setl_id":"S-N","psn_name":"王'), Buffer.from([0]), Buffer.from('"}')]);
  add({
    name: 'nul.ndjson',
    system: 'medical-insurance',
    what: '4: a NUL byte in a line',
    expect: { records: 3, quarantined: 1, reasons: ['UNPARSABLE'], rawBase64: nulLine },
    content: Buffer.concat([Buffer.from(lines[0] + '\n'), nulLine, Buffer.from('\n' + lines[1])]),
  });
  const nulEscape = settlementLines(['S-E'])[0]!.replace('"psn_name":"某某"', '"psn_name":"某\\u0000某"');
  add({ name: 'nul-escape.ndjson', system: 'medical-insurance', what: '4: a \\u0000 escape in a name', expect: { records: 3, quarantined: 1, reasons: ['BAD_VALUE'] }, content: Buffer.from([lines[0], nulEscape, lines[1]].join('\n')) });

  // 5. Bytes that are not valid GB18030 / UTF-8: quarantined with their bytes.
  const badGb = Buffer.concat([iconv.encode(`CA-2,${idNumber(11)},`, 'gb18030'), Buffer.from([0x81, 0x20, 0xff]), iconv.encode(',1000.00,2026/2/1,2026/2/5,,,,已发放', 'gb18030')]);
  add({
    name: 'bad-gb18030.csv',
    system: 'civil-affairs',
    what: '5: invalid GB18030 bytes in a row',
    expect: { records: 2, quarantined: 1, reasons: ['UNPARSABLE'], rawBase64: badGb },
    content: Buffer.concat([iconv.encode(`${CIVIL_PAYMENT_HEADER}\nCA-1,${idNumber(10)},王大明,1000.00,2026/2/1,2026/2/5,,,,已发放\n`, 'gb18030'), badGb, Buffer.from('\n')]),
  });
  // A character cut short (e7 8e of 王, e7 8e 8b) before ASCII: not UTF-8.
  const badUtf8 = Buffer.concat([Buffer.from(lines[1]!).subarray(0, 20), Buffer.from([0xe7, 0x8e]), Buffer.from(lines[1]!).subarray(20)]);
  add({ name: 'bad-utf8.ndjson', system: 'medical-insurance', what: '5: invalid UTF-8 bytes in a line', expect: { records: 2, quarantined: 1, reasons: ['UNPARSABLE'], rawBase64: badUtf8 }, content: Buffer.concat([Buffer.from(lines[0] + '\n'), badUtf8]) });

  // 6. Files of another format or another system.
  add({ name: 'payments.csv', system: 'medical-insurance', what: '6: a CSV file sent to an NDJSON system', expect: { rejected: 'MALFORMED' }, content: Buffer.from(`${CIVIL_PAYMENT_HEADER}\nCA-1,${idNumber(10)},王大明,1000.00,2026/2/1,2026/2/5,,,,已发放\n`) });
  add({ name: 'claims.xml', system: 'health-emergency', what: '6: an XML file sent to an NDJSON system', expect: { rejected: 'MALFORMED' }, content: Buffer.from(exportXml([claimXml()])) });
  add({ name: 'settlements.ndjson', system: 'health-emergency', what: '6: medical-insurance NDJSON sent to health-emergency', expect: { rejected: 'MALFORMED' }, content: Buffer.from(lines.join('\n')) });
  add({ name: 'red-cross-doc.json', system: 'women-children', what: '6: a Red Cross document sent to women-children', expect: { rejected: 'MALFORMED' }, content: Buffer.from(documentJson([donation()], [grant()])) });
  add({ name: 'women-doc.json', system: 'red-cross', what: '6: a women-children document sent to red-cross', expect: { rejected: 'MALFORMED' }, content: Buffer.from(batchJson([womanRecord()])) });

  // 7. Field lengths: a 101-character name, a 2,000-character field.
  add({
    name: 'long-fields.json',
    system: 'women-children',
    what: '7: a 101-character name and a 2,000-character voucher',
    expect: { records: 3, quarantined: 2, reasons: ['BAD_VALUE', 'BAD_VALUE'] },
    content: Buffer.from(batchJson([womanRecord(), womanRecord({ recordNo: 'FL-N' }, { name: '李'.repeat(101) }), womanRecord({ recordNo: 'FL-V', voucherNo: 'V'.repeat(2000) })])),
  });
  return cases;
}

/** Cases that cross `CAPPED_LIMITS`: small inputs standing for the 200 MB, 20-million and 1 GiB ones. */
export async function cappedCorpus(): Promise<HostileCase[]> {
  const lines = settlementLines(['S-1', 'S-2']);
  return [
    { name: 'shared-count.xlsx', system: 'rural-revitalization', what: '3: more shared strings than the cap (20 million at the default cap of 2 million)', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook('', { shared: sharedStrings(1001) }) },
    { name: 'shared-chars.xlsx', system: 'rural-revitalization', what: '3: shared strings longer in all than the cap', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook('', { shared: sharedStrings(500, () => '字'.repeat(300)) }) },
    { name: 'entry-bytes.xlsx', system: 'rural-revitalization', what: '3: a sheet inflating past the entry cap (a 1 GiB bomb at the default cap)', expect: { rejected: 'MALFORMED' }, content: await aidWorkbook(Buffer.from('<row/>'.repeat(300_000))) },
    { name: 'attribute.xml', system: 'union-mutual-aid', what: '3: an attribute past the span cap (50 MB at the default cap of 1 MiB)', expect: { rejected: 'MALFORMED' }, content: Buffer.from(exportXml([claimXml({ member: { idNo: idNumber(9), name: 'x'.repeat(100_000) } })])) },
    { name: 'line.ndjson', system: 'medical-insurance', what: '3: a line past the line cap (50 MB at the default cap of 1 MiB)', expect: { rejected: 'MALFORMED' }, content: Buffer.from([lines[0], `{"setl_id":"S-L","psn_name":"${'x'.repeat(100_000)}"}`, lines[1]].join('\n')) },
    { name: 'line.csv', system: 'charity', what: '3: a CSV line past the line cap', expect: { rejected: 'MALFORMED' }, content: Buffer.from(`类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目\n捐赠,DN-1,${'某'.repeat(40_000)},,20000,2026-02-01,,,\n`) },
    { name: 'string.json', system: 'red-cross', what: '3: a JSON string past the record cap (200 MB at the default cap of 1 MiB)', expect: { rejected: 'MALFORMED' }, content: Buffer.from(documentJson([donation({ donor: 'x'.repeat(100_000) })], [])) },
  ];
}
