/**
 * A small XLSX row reader: the zip's central directory through JSZip (the compressed bytes stay in memory,
 * nothing is inflated ahead), each worksheet inflated as a stream and parsed with saxes, rows yielded as they
 * close. exceljs's streaming WorkbookReader was used first; under load it intermittently lost the workbook's
 * sheet names (its worksheets are deferred to temp files when a workbook has no shared strings, and the
 * workbook part could arrive short), which made good files look malformed.
 *
 * Cells come out as exceljs gave them: text, numbers, booleans, and Dates (UTC midnight of the day) for
 * numbers formatted as dates.
 */
import JSZip from 'jszip';
import { SaxesParser } from 'saxes';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type XlsxCell = string | number | boolean | Date | null;

export interface XlsxRow {
  sheet: string;
  /** 1-based row number as the sheet states it. */
  row: number;
  /** Cells by 0-based column; missing cells are null. */
  values: XlsxCell[];
}

export class XlsxError extends Error {
  override name = 'XlsxError';
}

/** Built-in number formats that are dates or times (ECMA-376 18.8.30). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

function isDateFormatCode(code: string): boolean {
  // Quoted text, escapes and [colour]/[condition] sections say nothing about dates.
  const bare = code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[[^\]]*\]/g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%\s]*$/.test(bare);
}

function excelSerialToDate(serial: number): Date {
  // The 1900 date system with Lotus's phantom 1900-02-29 (serial 60).
  const base = serial < 61 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  return new Date(base + Math.round(serial * 86400000));
}

function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of ref) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

/** Parses a whole (small) XML part, calling `on` for each opening tag and `text` for text inside `textIn` tags. */
function parseXml(xml: string, on: (name: string, attrs: Record<string, string>) => void, close?: (name: string) => void, text?: (t: string) => void): void {
  const p = new SaxesParser();
  p.on('opentag', (t) => on(t.name, t.attributes as Record<string, string>));
  if (close) p.on('closetag', (t) => close(t.name));
  if (text) p.on('text', text);
  p.on('error', (e) => {
    throw new XlsxError(e.message);
  });
  p.write(xml).close();
}

async function partText(zip: JSZip, path: string): Promise<string | null> {
  const f = zip.file(path);
  return f ? f.async('string') : null;
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

async function sharedStringsOf(zip: JSZip): Promise<string[]> {
  const xml = await partText(zip, 'xl/sharedStrings.xml');
  if (xml === null) return [];
  const out: string[] = [];
  let current: string | null = null;
  let inText = false;
  let depthRph = 0;
  parseXml(
    xml,
    (name) => {
      const n = localName(name);
      if (n === 'si') current = '';
      else if (n === 'rPh') depthRph++;
      else if (n === 't' && depthRph === 0) inText = true;
    },
    (name) => {
      const n = localName(name);
      if (n === 'si') {
        out.push(current ?? '');
        current = null;
      } else if (n === 'rPh') depthRph--;
      else if (n === 't') inText = false;
    },
    (t) => {
      if (inText && current !== null) current += t;
    },
  );
  return out;
}

/** For each cell style index: whether it formats numbers as dates. */
async function dateStylesOf(zip: JSZip): Promise<boolean[]> {
  const xml = await partText(zip, 'xl/styles.xml');
  if (xml === null) return [];
  const custom = new Map<number, string>();
  const xfs: boolean[] = [];
  let inCellXfs = false;
  parseXml(
    xml,
    (name, a) => {
      const n = localName(name);
      if (n === 'numFmt') custom.set(Number(a.numFmtId), a.formatCode ?? '');
      else if (n === 'cellXfs') inCellXfs = true;
      else if (n === 'xf' && inCellXfs) {
        const id = Number(a.numFmtId ?? 0);
        xfs.push(custom.has(id) ? isDateFormatCode(custom.get(id)!) : BUILTIN_DATE_FORMATS.has(id));
      }
    },
    (name) => {
      if (localName(name) === 'cellXfs') inCellXfs = false;
    },
  );
  return xfs;
}

/** Sheet names in workbook order with the zip path of each. */
async function sheetsOf(zip: JSZip): Promise<Array<{ name: string; path: string }>> {
  const wb = await partText(zip, 'xl/workbook.xml');
  const rels = await partText(zip, 'xl/_rels/workbook.xml.rels');
  if (wb === null || rels === null) throw new XlsxError('not a workbook: xl/workbook.xml or its relationships are missing');
  const targets = new Map<string, string>();
  parseXml(rels, (name, a) => {
    if (localName(name) === 'Relationship' && a.Id && a.Target) targets.set(a.Id, a.Target);
  });
  const sheets: Array<{ name: string; path: string }> = [];
  parseXml(wb, (name, a) => {
    if (localName(name) !== 'sheet') return;
    const rid = a['r:id'] ?? Object.entries(a).find(([k]) => localName(k) === 'id' && k !== 'sheetId')?.[1];
    const target = rid ? targets.get(rid) : undefined;
    if (!a.name || !target) return;
    const p = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    sheets.push({ name: a.name, path: p });
  });
  return sheets;
}

async function* sheetRows(stream: Readable, sheet: string, shared: string[], dateStyles: boolean[]): AsyncGenerator<XlsxRow> {
  const parser = new SaxesParser();
  const ready: XlsxRow[] = [];
  let failure: Error | null = null;
  let rowNo = 0;
  let values: XlsxCell[] = [];
  let cell: { col: number; type: string; style: number } | null = null;
  let text = '';
  let collecting = false;
  let nextCol = 0;
  parser.on('opentag', (t) => {
    const n = localName(t.name);
    const a = t.attributes as Record<string, string>;
    if (n === 'row') {
      rowNo = a.r ? Number(a.r) : rowNo + 1;
      values = [];
      nextCol = 0;
    } else if (n === 'c') {
      const col = a.r ? columnIndex(a.r) : nextCol;
      nextCol = col + 1;
      cell = { col, type: a.t ?? 'n', style: Number(a.s ?? 0) };
      text = '';
    } else if ((n === 'v' || n === 't') && cell) {
      collecting = true;
    }
  });
  parser.on('text', (t) => {
    if (collecting) text += t;
  });
  parser.on('closetag', (t) => {
    const n = localName(t.name);
    if (n === 'v' || n === 't') collecting = false;
    else if (n === 'c' && cell) {
      let v: XlsxCell = null;
      switch (cell.type) {
        case 's':
          v = text === '' ? null : (shared[Number(text)] ?? null);
          break;
        case 'inlineStr':
        case 'str':
          v = text;
          break;
        case 'b':
          v = text === '1';
          break;
        case 'e':
          v = text;
          break;
        case 'd':
          v = text === '' ? null : new Date(text);
          break;
        default:
          if (text !== '') {
            const num = Number(text);
            v = dateStyles[cell.style] ? excelSerialToDate(num) : num;
          }
      }
      values[cell.col] = v;
      cell = null;
    } else if (n === 'row') {
      for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
      ready.push({ sheet, row: rowNo, values });
    }
  });
  parser.on('error', (e) => {
    failure = new XlsxError(`sheet ${sheet}: ${e.message}`);
  });
  // A chunk may end inside a multi-byte character: the decoder carries it over to the next one.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) {
    parser.write(decoder.write(chunk as Buffer));
    if (failure) throw failure;
    while (ready.length) yield ready.shift()!;
  }
  parser.write(decoder.end());
  parser.close();
  if (failure) throw failure;
  while (ready.length) yield ready.shift()!;
}

/** Every row of every sheet, sheet by sheet in workbook order. Throws XlsxError for what is not a workbook. */
export async function* readXlsxRows(bytes: Buffer): AsyncGenerator<XlsxRow> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (e) {
    throw new XlsxError(`not a zip archive: ${(e as Error).message}`);
  }
  const [sheets, shared, dateStyles] = await Promise.all([sheetsOf(zip), sharedStringsOf(zip), dateStylesOf(zip)]);
  for (const s of sheets) {
    const f = zip.file(s.path);
    if (!f) throw new XlsxError(`sheet ${s.name}: part ${s.path} is missing`);
    // JSZip's stream is an old-style one: piped into a node stream it can be iterated, errors passed on.
    const inflated = f.nodeStream('nodebuffer');
    const stream = new PassThrough();
    inflated.on('error', (e: Error) => stream.destroy(new XlsxError(`sheet ${s.name}: ${e.message}`)));
    inflated.pipe(stream);
    yield* sheetRows(stream, s.name, shared, dateStyles);
  }
}

/** The sheet names of a workbook, in order. */
export async function xlsxSheetNames(bytes: Buffer): Promise<string[]> {
  return (await sheetsOf(await JSZip.loadAsync(bytes))).map((s) => s.name);
}
