/**
 * Reading helpers shared by the text formats (CSV with a header row, line-oriented formats such as NDJSON
 * and pipe-delimited files), and the located records they yield. Everything here streams: memory
 * stays bounded by the longest record, not by the file.
 */
import { Readable } from 'node:stream';
import { toHalfWidth } from '../identity/id-number.ts';
import { decodeStream, type TextEncoding } from '../identity/text.ts';
import { FileRejectedError, type ByteInput, type SourceRecord } from '../ingest/adapter.ts';
import { limits, RAW_BASE64 } from './limits.ts';

/* ----------------------------------------------------------------- inputs */

/** Chunks of an in-memory input: the size a file stream reads, so both go through the readers alike. */
const BUFFER_CHUNK = 64 * 1024;

/**
 * Bytes in memory as an input. They are handed to the reader in file-sized chunks, so a request body and
 * a file on disk take the same path through the readers (and meet the same limits). `chunkSize` makes them
 * smaller, so tests can show that a multi-byte character or a line cut at a chunk boundary survives.
 */
export function bufferInput(name: string, content: Buffer | string, opts: { chunkSize?: number } = {}): ByteInput {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const size = opts.chunkSize ?? BUFFER_CHUNK;
  return {
    name,
    open: () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      return Readable.from(chunks);
    },
  };
}

/**
 * The UTF-8 text of an input as a stream. `pipe()` does not forward an error of the source (a file that
 * vanished): it is forwarded here, or reading would wait forever; `failure()` then tells an I/O fault
 * from a parse error.
 */
export function openText(input: ByteInput): { source: Readable; text: Readable; failure: () => Error | null } {
  const source = input.open();
  const text = decodeStream(source, 'utf8', { fatal: true });
  let failure: Error | null = null;
  source.once('error', (err) => {
    failure = err;
    text.destroy(err);
  });
  return { source, text, failure: () => failure };
}

/* ----------------------------------------------------------------- lines */

interface PhysicalLine {
  line: number;
  /** The line decoded, or null when its bytes are not text in the encoding (or hold a NUL). */
  text: string | null;
  /** Why `text` is null. */
  problem?: string;
  /** The line's bytes, base64, when `text` is null: kept so that nothing of the record is lost. */
  base64?: string;
}

/**
 * Physical lines, numbered from 1, without their terminator (`\n` or `\r\n`). Lines are cut on the byte
 * 0x0A, which is never part of a multi-byte character in UTF-8 or GB18030, and decoded strictly (a chunk's
 * lines at once when they all are text, else each on its own): a line that is not valid text in the
 * encoding, or that holds a NUL, comes out with
 * `text: null` and its bytes, never with U+FFFD in place of what could not be read. A line longer than
 * `limits.maxLineBytes` refuses the file (MALFORMED) as soon as it is seen: memory stays bounded by it.
 */
async function* physicalLines(input: ByteInput, encoding: TextEncoding): AsyncGenerator<PhysicalLine> {
  const source = input.open();
  const decoder = new TextDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf-8', { fatal: true, ignoreBOM: true });
  const max = limits.maxLineBytes;
  const tooLong = (line: number) =>
    new FileRejectedError('MALFORMED', `${input.name}: line ${line} is longer than ${max} bytes`);
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  const decode = (bytes: Buffer): PhysicalLine => {
    line++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    const b = bytes.subarray(0, end);
    if (b.length > max) throw tooLong(line);
    let text: string;
    try {
      text = decoder.decode(b);
    } catch {
      return { line, text: null, problem: `line ${line} is not valid ${encoding === 'gb18030' ? 'GB18030' : 'UTF-8'} text`, base64: b.toString('base64') };
    }
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.includes('\u0000')) return { line, text: null, problem: `line ${line} holds a NUL byte`, base64: b.toString('base64') };
    return { line, text };
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const last = buf.lastIndexOf(0x0a);
      if (last === -1) {
        if (carry.length + buf.length > max + 1) throw tooLong(line + 1);
        carry = Buffer.concat([carry, buf]);
        continue;
      }
      // The complete lines of this chunk (with what was carried), then the rest is carried.
      const region = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, last)]) : buf.subarray(0, last);
      // Fast path: the whole region is valid text without a NUL, and too short to hold an over-long line;
      // cut on "\n" in the decoded text (0x0A is never inside a multi-byte character).
      let text: string | null = null;
      if (region.length <= max) {
        try {
          text = decoder.decode(region);
        } catch {
          text = null;
        }
        if (text !== null && text.includes('\u0000')) text = null;
      }
      if (text !== null) {
        if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        let from = 0;
        for (let nl = text.indexOf('\n'); ; nl = text.indexOf('\n', from)) {
          const end = nl === -1 ? text.length : nl;
          line++;
          yield { line, text: text.charCodeAt(end - 1) === 0x0d ? text.slice(from, end - 1) : text.slice(from, end) };
          if (nl === -1) break;
          from = nl + 1;
        }
      } else {
        // Slow path, line by line: each line decoded (and measured) on its own.
        let start = 0;
        for (let nl = region.indexOf(0x0a); ; nl = region.indexOf(0x0a, start)) {
          yield decode(region.subarray(start, nl === -1 ? region.length : nl));
          if (nl === -1) break;
          start = nl + 1;
        }
      }
      const rest = buf.subarray(last + 1);
      if (rest.length > max + 1) throw tooLong(line + 1);
      // Copied: the chunk's memory may be reused by the stream.
      carry = Buffer.from(rest);
    }
    if (carry.length > 0) yield decode(carry);
  } finally {
    // An early stop by the consumer must not leave the file open.
    source.destroy();
  }
}

/** A record made of a line that could not be read as text: its bytes kept (base64), its value UNPARSABLE. */
function undecodable(file: string, l: PhysicalLine): SourceRecord<Unparsable> {
  return { location: { file, line: l.line, rawEncoding: RAW_BASE64 }, raw: l.base64!, value: unparsable(`${l.problem}; raw holds its bytes in base64`) };
}

/**
 * Every line of a text file as a located record whose raw text and value are the line itself. Blank lines
 * carry no record and are skipped unless `skipBlank` is false; their numbers still count. A line that is not
 * text in the encoding is yielded with its bytes (base64) as raw and an `Unparsable` value.
 */
export async function* readLines(
  input: ByteInput,
  encoding: TextEncoding,
  opts: { skipBlank?: boolean } = {},
): AsyncGenerator<SourceRecord<string | Unparsable>> {
  const skipBlank = opts.skipBlank ?? true;
  for await (const l of physicalLines(input, encoding)) {
    if (l.text === null) {
      yield undecodable(input.name, l);
      continue;
    }
    if (skipBlank && l.text.trim() === '') continue;
    yield { location: { file: input.name, line: l.line }, raw: l.text, value: l.text };
  }
}

/* ----------------------------------------------------------------- CSV */

/** The value of a record that could not be parsed: the mapper quarantines it as UNPARSABLE. */
export interface Unparsable {
  readonly $unparsable: string;
}

/** A CSV data row keyed by its (normalised) header names, or the reason it could not be parsed. */
export type CsvValue = Readonly<Record<string, string>> | Unparsable;

export function isUnparsable(value: unknown): value is Unparsable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Unparsable>).$unparsable === 'string';
}

export function unparsable(message: string): Unparsable {
  return { $unparsable: message };
}

export interface CsvOptions {
  encoding: TextEncoding;
  /** Field delimiter, `,` unless told. */
  delimiter?: string;
  /**
   * The header rows the format defines (names as normalised by `normalizeHeader`). When given, a header
   * row that does not name every column of at least one of them refuses the file as MALFORMED. Extra
   * columns are kept.
   */
  headers?: readonly (readonly string[])[];
}


/** Header names are matched after full-width → ASCII (`（元）` → `(元)`) and without spaces. */
export function normalizeHeader(name: string): string {
  return toHalfWidth(name).replace(/\s+/g, '');
}

type Split = { kind: 'ok'; fields: string[] } | { kind: 'open' } | { kind: 'error'; message: string };

/**
 * RFC 4180 fields of one record's text. Lenient where exporters are sloppy and nothing is ambiguous: a
 * quote inside an unquoted field is literal, blanks after a closing quote are ignored.
 */
function splitCsv(text: string, delimiter: string): Split {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) return { kind: 'open' };
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (text[i] === ' ' || text[i] === '\t') i++;
      fields.push(value);
      if (i >= text.length) return { kind: 'ok', fields };
      if (!text.startsWith(delimiter, i)) {
        return { kind: 'error', message: `unexpected ${JSON.stringify(text[i])} after a closing quote` };
      }
      i += delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(text.slice(i));
        return { kind: 'ok', fields };
      }
      fields.push(text.slice(i, d));
      i = d + delimiter.length;
    }
  }
}

/**
 * The data rows of a CSV file with a header row, each located at the line it starts on (the header is
 * line 1). A row that cannot be parsed (a quote that is never closed, text after a closing quote, a field
 * count that differs from the header's) is still yielded, as `Unparsable`, and reading goes on. A header
 * row that is not one of `opts.headers` refuses the file: throws FileRejectedError('MALFORMED').
 */
export async function* readCsvRecords(input: ByteInput, opts: CsvOptions): AsyncGenerator<SourceRecord<CsvValue>> {
  const delimiter = opts.delimiter ?? ',';
  const lines = physicalLines(input, opts.encoding);
  // Lines read ahead for a multi-line record that turned out broken are read again from here.
  const pending: PhysicalLine[] = [];
  type Text = PhysicalLine & { text: string };
  const next = async (): Promise<PhysicalLine | undefined> => {
    const held = pending.shift();
    if (held) return held;
    const r = await lines.next();
    return r.done ? undefined : r.value;
  };
  let header: string[] | null = null;
  try {
    for (let first = await next(); first; first = await next()) {
      if (first.text === null) {
        // A header that is not text in the file's encoding: not an export of this system (or not in its encoding).
        if (!header) throw new FileRejectedError('MALFORMED', `${input.name}: the header row is not text in ${opts.encoding}: ${first.problem}`);
        yield undecodable(input.name, first);
        continue;
      }
      if (first.text.trim() === '') continue;
      const taken: Text[] = [first as Text];
      let text = first.text;
      let split = splitCsv(text, delimiter);
      while (split.kind === 'open' && taken.length < limits.maxQuotedLines && text.length < limits.maxQuotedChars) {
        const more = await next();
        if (!more) break;
        if (more.text === null) {
          // An unreadable line ends any quoted field: it is a record of its own, read again from here.
          pending.unshift(more);
          break;
        }
        taken.push(more as Text);
        text += '\n' + more.text;
        split = splitCsv(text, delimiter);
      }
      const location = { file: input.name, line: first.line };
      if (split.kind !== 'ok') {
        // Past its own line the failure is a quote opened here that the rest of the file never closes well.
        const message = taken.length > 1 || split.kind === 'open' ? 'a quoted field is never closed' : split.message;
        if (!header) throw new FileRejectedError('MALFORMED', `${input.name}: the header row cannot be parsed: ${message}`);
        pending.unshift(...taken.slice(1));
        yield { location, raw: first.text, value: unparsable(`line ${first.line}: ${message}`) };
        continue;
      }
      if (!header) {
        header = checkHeader(input.name, split.fields.map(normalizeHeader), opts.headers);
        continue;
      }
      const fields = split.fields;
      if (fields.every((f) => f.trim() === '')) continue;
      if (fields.length !== header.length) {
        yield { location, raw: text, value: unparsable(`line ${first.line} has ${fields.length} fields, the header has ${header.length}`) };
        continue;
      }
      const value: Record<string, string> = {};
      for (let c = 0; c < header.length; c++) value[header[c]!] = fields[c]!;
      yield { location, raw: text, value };
    }
    if (!header) throw new FileRejectedError('MALFORMED', `${input.name}: the file has no header row`);
  } finally {
    await lines.return(undefined);
  }
}

function checkHeader(file: string, names: string[], expected: CsvOptions['headers']): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '$unparsable' || (n !== '' && seen.has(n))) {
      throw new FileRejectedError('MALFORMED', `${file}: the header row names column "${n}" twice or reserves it`);
    }
    seen.add(n);
  }
  if (expected && !expected.some((h) => h.every((n) => seen.has(n)))) {
    throw new FileRejectedError(
      'MALFORMED',
      `${file}: unknown header row "${names.join(',')}"; expected ${expected.map((h) => `"${h.join(',')}"`).join(' or ')}`,
    );
  }
  return names;
}
