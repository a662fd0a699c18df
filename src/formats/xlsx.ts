/**
 * A small XLSX row reader: the zip's central directory through JSZip (the compressed bytes stay in memory,
 * nothing is inflated ahead), each worksheet inflated as a stream and parsed with saxes, rows yielded as they
 * close. exceljs's streaming WorkbookReader was used first; under load it intermittently lost the workbook's
 * sheet names (its worksheets are deferred to temp files when a workbook has no shared strings, and the
 * workbook part could arrive short), which made good files look malformed.
 *
 * Every part (the workbook, its relationships, styles, shared strings, each sheet) is inflated as a stream
 * and parsed as it inflates, within the bounds of src/formats/limits.ts: a zip bomb, a 200 MB shared string,
 * twenty million shared strings or a cell named at column 2^32 are refused (XlsxError), never held.
 *
 * Cells come out as exceljs gave them: text, numbers, booleans, and Dates (UTC midnight of the day) for
 * numbers formatted as dates.
 */
import JSZip from 'jszip';
import { SaxesParser } from 'saxes';
import { PassThrough } from 'node:stream';
import { limits } from './limits.ts';
import { XmlSpanError, XmlSpans } from './xml.ts';

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

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/**
 * The number of entries a zip's end-of-central-directory record announces, read before JSZip builds an
 * object per entry; null when there is no such record (JSZip then says what is wrong).
 */
function announcedEntries(bytes: Buffer): number | null {
  const from = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) return bytes.readUInt16LE(i + 10);
  }
  return null;
}

/**
 * One part of the workbook inflated as a stream of UTF-8 text, strictly decoded, and bounded: at most
 * `limits.maxZipEntryBytes` inflated bytes, at most `limits.maxZipRatio` inflated bytes per compressed byte
 * once past `limits.zipRatioFloorBytes` (a zip bomb is refused as it inflates, not after), and no span
 * between two `<` longer than `limits.maxXmlSpanChars` (src/formats/xml.ts).
 */
async function* partChunks(zip: JSZip, path: string): AsyncGenerator<string> {
  const f = zip.file(path);
  if (!f) return;
  const compressed = (f as unknown as { _data?: { compressedSize?: number } })._data?.compressedSize ?? 0;
  const inflated = f.nodeStream('nodebuffer');
  const stream = new PassThrough();
  inflated.on('error', (e: Error) => stream.destroy(new XlsxError(`${path}: ${e.message}`)));
  inflated.pipe(stream);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const spans = new XmlSpans();
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.maxZipEntryBytes) throw new XlsxError(`${path} inflates to more than ${limits.maxZipEntryBytes} bytes`);
      if (bytes > limits.zipRatioFloorBytes && bytes > limits.maxZipRatio * Math.max(1, compressed)) {
        throw new XlsxError(`${path} inflates more than ${limits.maxZipRatio} times its compressed size: a zip bomb`);
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new XlsxError(`${path} is not UTF-8 text`);
      }
      spans.check(text);
      yield text;
    }
    yield decoder.decode();
  } catch (e) {
    if (e instanceof XmlSpanError) throw new XlsxError(`${path}: ${e.message}`);
    throw e;
  } finally {
    inflated.unpipe(stream);
    (inflated as unknown as { pause?: () => void }).pause?.();
    stream.destroy();
  }
}

interface XmlHandlers {
  open?: (name: string, attrs: Record<string, string>) => void;
  close?: (name: string) => void;
  text?: (t: string) => void;
}

/**
 * Parses a part as it inflates, calling back per tag and text; `after` runs after each chunk (a reader hands
 * on what the chunk completed). Not well-formed XML, or elements nested past `limits.maxDepth`, throw XlsxError.
 */
async function* parsePart(zip: JSZip, path: string, h: XmlHandlers): AsyncGenerator<void> {
  const p = new SaxesParser();
  let failure: Error | null = null;
  let depth = 0;
  p.on('opentag', (t) => {
    if (++depth > limits.maxDepth) failure ??= new XlsxError(`${path}: elements are nested deeper than ${limits.maxDepth} levels`);
    h.open?.(t.name, t.attributes as Record<string, string>);
  });
  p.on('closetag', (t) => {
    depth--;
    h.close?.(t.name);
  });
  if (h.text) p.on('text', h.text);
  p.on('error', (e) => {
    failure ??= new XlsxError(`${path}: ${e.message}`);
  });
  for await (const chunk of partChunks(zip, path)) {
    try {
      p.write(chunk);
    } catch (e) {
      failure ??= e as Error;
    }
    if (failure) throw failure;
    yield;
  }
  p.close();
  if (failure) throw failure;
}

/** A small part parsed whole (through the same bounded stream); false when the part is absent. */
async function parseWholePart(zip: JSZip, path: string, h: XmlHandlers): Promise<boolean> {
  if (!zip.file(path)) return false;
  for await (const _ of parsePart(zip, path, h)) {
    // the handlers collect what is needed
  }
  return true;
}

/**
 * The shared strings, bounded: at most `limits.maxSharedStrings` of them, `limits.maxSharedStringsChars`
 * characters in all, each at most `limits.maxCellChars`. Past any of them the workbook is refused.
 */
async function sharedStringsOf(zip: JSZip): Promise<string[]> {
  const out: string[] = [];
  let total = 0;
  let current: string | null = null;
  let inText = false;
  let depthRph = 0;
  await parseWholePart(zip, 'xl/sharedStrings.xml', {
    open: (name) => {
      const n = localName(name);
      if (n === 'si') {
        if (out.length >= limits.maxSharedStrings) throw new XlsxError(`more than ${limits.maxSharedStrings} shared strings`);
        current = '';
      } else if (n === 'rPh') depthRph++;
      else if (n === 't' && depthRph === 0) inText = true;
    },
    close: (name) => {
      const n = localName(name);
      if (n === 'si') {
        out.push(current ?? '');
        current = null;
      } else if (n === 'rPh') depthRph--;
      else if (n === 't') inText = false;
    },
    text: (t) => {
      if (!inText || current === null) return;
      current += t;
      total += t.length;
      if (current.length > limits.maxCellChars) throw new XlsxError(`shared string ${out.length} is longer than ${limits.maxCellChars} characters`);
      if (total > limits.maxSharedStringsChars) throw new XlsxError(`the shared strings hold more than ${limits.maxSharedStringsChars} characters`);
    },
  });
  return out;
}

/** For each cell style index: whether it formats numbers as dates. */
async function dateStylesOf(zip: JSZip): Promise<boolean[]> {
  const custom = new Map<number, string>();
  const xfs: boolean[] = [];
  let inCellXfs = false;
  const tooMany = () => new XlsxError(`the styles define more than ${limits.maxXlsxStyles} formats or cell styles`);
  await parseWholePart(zip, 'xl/styles.xml', {
    open: (name, a) => {
      const n = localName(name);
      if (n === 'numFmt') {
        if (custom.size >= limits.maxXlsxStyles) throw tooMany();
        custom.set(Number(a.numFmtId), a.formatCode ?? '');
      } else if (n === 'cellXfs') inCellXfs = true;
      else if (n === 'xf' && inCellXfs) {
        if (xfs.length >= limits.maxXlsxStyles) throw tooMany();
        const id = Number(a.numFmtId ?? 0);
        xfs.push(custom.has(id) ? isDateFormatCode(custom.get(id)!) : BUILTIN_DATE_FORMATS.has(id));
      }
    },
    close: (name) => {
      if (localName(name) === 'cellXfs') inCellXfs = false;
    },
  });
  return xfs;
}

/** Sheet names in workbook order with the zip path of each. */
async function sheetsOf(zip: JSZip): Promise<Array<{ name: string; path: string }>> {
  if (!zip.file('xl/workbook.xml') || !zip.file('xl/_rels/workbook.xml.rels')) {
    throw new XlsxError('not a workbook: xl/workbook.xml or its relationships are missing');
  }
  const targets = new Map<string, string>();
  await parseWholePart(zip, 'xl/_rels/workbook.xml.rels', {
    open: (name, a) => {
      if (localName(name) !== 'Relationship' || !a.Id || !a.Target) return;
      if (targets.size >= limits.maxZipEntries) throw new XlsxError(`more than ${limits.maxZipEntries} workbook relationships`);
      targets.set(a.Id, a.Target);
    },
  });
  const sheets: Array<{ name: string; path: string }> = [];
  await parseWholePart(zip, 'xl/workbook.xml', { open: (name, a) => {
    if (localName(name) !== 'sheet') return;
    if (sheets.length >= limits.maxXlsxSheets) throw new XlsxError(`more than ${limits.maxXlsxSheets} sheets`);
    const rid = a['r:id'] ?? Object.entries(a).find(([k]) => localName(k) === 'id' && k !== 'sheetId')?.[1];
    const target = rid ? targets.get(rid) : undefined;
    if (!a.name || !target) return;
    const p = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    sheets.push({ name: a.name, path: p });
  } });
  return sheets;
}

async function* sheetRows(zip: JSZip, path: string, sheet: string, shared: string[], dateStyles: boolean[]): AsyncGenerator<XlsxRow> {
  const ready: XlsxRow[] = [];
  let rowNo = 0;
  let values: XlsxCell[] = [];
  let cell: { col: number; type: string; style: number } | null = null;
  let text = '';
  let collecting = false;
  let nextCol = 0;
  const fail = (message: string): never => {
    throw new XlsxError(`sheet ${sheet}: ${message}`);
  };
  const steps = parsePart(zip, path, {
    open: (name, a) => {
      const n = localName(name);
      if (n === 'row') {
        rowNo = a.r ? Number(a.r) : rowNo + 1;
        if (!Number.isSafeInteger(rowNo) || rowNo < 1 || rowNo > limits.maxXlsxRows) fail(`row number ${a.r ?? rowNo} is not between 1 and ${limits.maxXlsxRows}`);
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
    },
    text: (t) => {
      if (!collecting) return;
      text += t;
      if (text.length > limits.maxCellChars) fail(`cell in row ${rowNo} is longer than ${limits.maxCellChars} characters`);
    },
    close: (name) => {
      const n = localName(name);
      if (n === 'v' || n === 't') collecting = false;
      else if (n === 'c' && cell) {
        // A cell far to the right (XFD, column 2^32) would make every row that long: a cell past the columns
        // any of our sheets uses is passed over when empty (a formatted blank) and refuses the file otherwise.
        if (cell.col >= limits.maxXlsxColumns || cell.col < 0) {
          if (text !== '') fail(`row ${rowNo} has a value in column ${cell.col + 1}, past column ${limits.maxXlsxColumns}`);
          cell = null;
          return;
        }
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
    },
  });
  for await (const _ of steps) {
    while (ready.length) yield ready.shift()!;
  }
  while (ready.length) yield ready.shift()!;
}

/** An XLSX file's bytes, refused (XlsxError) past `limits.maxXlsxFileBytes`: the zip is held compressed. */
export async function xlsxBytes(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limits.maxXlsxFileBytes) throw new XlsxError(`the file is larger than ${limits.maxXlsxFileBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

async function openZip(bytes: Buffer): Promise<JSZip> {
  const entries = announcedEntries(bytes);
  if (entries !== null && entries > limits.maxZipEntries) throw new XlsxError(`the zip has ${entries} entries, more than ${limits.maxZipEntries}`);
  try {
    return await JSZip.loadAsync(bytes);
  } catch (e) {
    throw new XlsxError(`not a zip archive: ${(e as Error).message}`);
  }
}

/**
 * Every row of every sheet, sheet by sheet in workbook order. Throws XlsxError for what is not a workbook,
 * and for a workbook past any of the bounds of src/formats/limits.ts.
 */
export async function* readXlsxRows(bytes: Buffer): AsyncGenerator<XlsxRow> {
  if (bytes.length > limits.maxXlsxFileBytes) throw new XlsxError(`the file is larger than ${limits.maxXlsxFileBytes} bytes`);
  const zip = await openZip(bytes);
  const sheets = await sheetsOf(zip);
  const shared = await sharedStringsOf(zip);
  const dateStyles = await dateStylesOf(zip);
  for (const s of sheets) {
    if (!zip.file(s.path)) throw new XlsxError(`sheet ${s.name}: part ${s.path} is missing`);
    yield* sheetRows(zip, s.path, s.name, shared, dateStyles);
  }
}

/** The sheet names of a workbook, in order. */
export async function xlsxSheetNames(bytes: Buffer): Promise<string[]> {
  return (await sheetsOf(await openZip(bytes))).map((s) => s.name);
}
