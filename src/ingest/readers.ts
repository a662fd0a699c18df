/**
 * Reading helpers shared by the text formats (CSV with a header row, line-oriented formats such as NDJSON
 * and pipe-delimited files), and the field checks their mappers share. Everything here streams: memory
 * stays bounded by the longest record, not by the file.
 */
import { Readable } from 'node:stream';
import { toHalfWidth } from '../identity/id-number.ts';
import { decodeStream, type TextEncoding } from '../identity/text.ts';
import { FileRejectedError, type ByteInput, type SourceRecord } from './adapter.ts';

/* ----------------------------------------------------------------- inputs */

/**
 * Bytes in memory as an input. `chunkSize` splits them into small chunks, so tests can show that a
 * multi-byte character or a line cut at a chunk boundary survives.
 */
export function bufferInput(name: string, content: Buffer | string, opts: { chunkSize?: number } = {}): ByteInput {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const size = opts.chunkSize ?? (buf.length || 1);
  return {
    name,
    open: () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      return Readable.from(chunks);
    },
  };
}

/* ----------------------------------------------------------------- lines */

/** A single line longer than this is not a record of any of our formats: the file is refused. */
const MAX_LINE_CHARS = 1 << 20;

interface PhysicalLine {
  line: number;
  text: string;
}

/** Decoded physical lines, numbered from 1, without their terminator (`\n` or `\r\n`). */
async function* physicalLines(input: ByteInput, encoding: TextEncoding): AsyncGenerator<PhysicalLine> {
  const source = input.open();
  const text = decodeStream(source, encoding);
  // pipe() does not forward a source error (a missing file): without this the iteration would never end.
  source.once('error', (err) => text.destroy(err));
  // StringDecoder keeps a character that straddles two chunks whole.
  text.setEncoding('utf8');
  let carry = '';
  let line = 0;
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      const s = carry + chunk;
      let start = 0;
      for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
        line++;
        yield { line, text: stripCr(s.slice(start, nl)) };
        start = nl + 1;
      }
      carry = s.slice(start);
      if (carry.length > MAX_LINE_CHARS) {
        throw new FileRejectedError('MALFORMED', `${input.name}: line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`);
      }
    }
    if (carry !== '') yield { line: line + 1, text: stripCr(carry) };
  } finally {
    // An early stop by the consumer destroys `text`, but the piped source would stay open.
    source.destroy();
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/**
 * Every line of a text file as a located record whose raw text and value are the line itself. Blank lines
 * carry no record and are skipped unless `skipBlank` is false; their numbers still count.
 */
export async function* readLines(
  input: ByteInput,
  encoding: TextEncoding,
  opts: { skipBlank?: boolean } = {},
): AsyncGenerator<SourceRecord<string>> {
  const skipBlank = opts.skipBlank ?? true;
  for await (const { line, text } of physicalLines(input, encoding)) {
    if (skipBlank && text.trim() === '') continue;
    yield { location: { file: input.name, line }, raw: text, value: text };
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

/**
 * A quoted field may hold line breaks, but a quote left open would swallow the rest of the file: past these
 * bounds the record is taken as broken, and reading resumes on the line after it started.
 */
const MAX_RECORD_LINES = 100;
const MAX_RECORD_CHARS = 256 * 1024;

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
  const next = async (): Promise<PhysicalLine | undefined> => {
    const held = pending.shift();
    if (held) return held;
    const r = await lines.next();
    return r.done ? undefined : r.value;
  };
  let header: string[] | null = null;
  try {
    for (let first = await next(); first; first = await next()) {
      if (first.text.trim() === '') continue;
      const taken = [first];
      let text = first.text;
      let split = splitCsv(text, delimiter);
      while (split.kind === 'open' && taken.length < MAX_RECORD_LINES && text.length < MAX_RECORD_CHARS) {
        const more = await next();
        if (!more) break;
        taken.push(more);
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

/* ----------------------------------------------------------------- SDL fragments */

/** The parent an `AidRecord` field resolver receives: the stored aid record with its system's `details`. */
export interface AidParent {
  system: string;
  details?: unknown;
}

/** Resolver of an adapter's `AidRecord` detail field: the stored details of that system's records, else null. */
export function detailsOf(system: string): (parent: AidParent) => unknown {
  return (parent) => (parent.system === system ? (parent.details ?? null) : null);
}
