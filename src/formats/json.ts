/**
 * Streaming readers for the JSON formats: NDJSON (one record per line) and whole JSON documents whose
 * records sit in arrays (`records[i]`, `pages[n].items[i]`). Both keep memory bounded by one record.
 *
 * The two differ on damage: a bad NDJSON line is one record's problem (it is yielded, and its mapper
 * quarantines it as UNPARSABLE), while a JSON document that does not parse as a whole is a truncated or
 * corrupt delivery and is refused with `FileRejectedError('MALFORMED')`.
 *
 * The mappers read their fields through src/ingest/fields.ts.
 */
import streamJson from 'stream-json';
import { FileRejectedError, type ByteInput, type SourceRecord } from '../ingest/adapter.ts';
import { isUnparsable, openText, readLines } from './text.ts';
import { limits } from './limits.ts';

/* ----------------------------------------------------------------- NDJSON */

/** One NDJSON line: its parsed value, or why it did not parse (the mapper turns that into UNPARSABLE). */
export type JsonLine = { parsed: true; data: unknown } | { parsed: false; error: string };

/**
 * Whether JSON text nests deeper than `max` (arrays and objects, outside strings). Checked before parsing:
 * a line nested 100,000 deep would otherwise overflow the stack of whatever walks the parsed value.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  // Most lines open a handful of containers: counting the openers (a native search) settles them.
  let openers = 0;
  for (const ch of ['{', '[']) {
    for (let i = text.indexOf(ch); i !== -1 && openers <= max; i = text.indexOf(ch, i + 1)) openers++;
  }
  if (openers <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON text parsed, or why it cannot be used: not JSON, or nested past `limits.maxDepth`. */
export function parseJsonBounded(text: string): { ok: true; data: unknown } | { ok: false; error: string } {
  if (jsonDeeperThan(text, limits.maxDepth)) return { ok: false, error: `nested deeper than ${limits.maxDepth} levels` };
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
}

/**
 * Reads UTF-8 NDJSON (BOM tolerated, CRLF tolerated). Blank lines are not records. Each record's location
 * is its 1-based line; `raw` is the line as received (its bytes in base64 when they are not UTF-8 text or
 * hold a NUL). A line that is not JSON, is nested too deep or is not text is yielded unparsed.
 */
export async function* readJsonLines(input: ByteInput): AsyncGenerator<SourceRecord<JsonLine>> {
  for await (const rec of readLines(input, 'utf8')) {
    let value: JsonLine;
    if (isUnparsable(rec.value)) value = { parsed: false, error: rec.value.$unparsable };
    else {
      const r = parseJsonBounded(rec.value);
      value = r.ok ? { parsed: true, data: r.data } : { parsed: false, error: `line ${rec.location.line} is ${r.error}` };
    }
    yield { location: rec.location, raw: rec.raw, value };
  }
}

/**
 * The check that a file is an NDJSON export of the system at all: unless it has no records, at least one
 * line must be a JSON object with one of `keys` (the format's record id). A CSV or XML file, or another
 * system's NDJSON, sent to the wrong system is refused whole (MALFORMED) rather than filed line by line as
 * quarantined records of the wrong system. Reads only up to the first such line.
 */
export async function verifyJsonLines(input: ByteInput, keys: readonly string[]): Promise<void> {
  let lines = 0;
  for await (const rec of readJsonLines(input)) {
    lines++;
    const v = rec.value;
    if (v.parsed && v.data !== null && typeof v.data === 'object' && !Array.isArray(v.data) && keys.some((k) => Object.hasOwn(v.data as object, k))) return;
  }
  if (lines > 0) {
    throw new FileRejectedError('MALFORMED', `${input.name}: no line is a JSON object with ${keys.join(' or ')}: not an NDJSON export of this system`);
  }
}

/* ----------------------------------------------------------------- JSON documents */

/** A step of a path inside a JSON document: an object key or an array index. */
export type JsonPathStep = string | number;
/** A path pattern: keys match themselves, `'*'` matches any array index. */
export type JsonPathPattern = readonly (string | '*')[];

export interface JsonShape {
  /** What the document's top level must be. */
  root: 'object' | 'array';
  /** Paths that, when present, must hold arrays (a `records` that is an object is a malformed batch). */
  arrays?: readonly JsonPathPattern[];
  /** Paths that, when present, must hold objects (each page of a saved pull). */
  objects?: readonly JsonPathPattern[];
  /**
   * Top-level keys the document must have: each group, one of its keys at least. A document without them is
   * not an export of the system (another system's document sent to it) and is refused as MALFORMED.
   */
  required?: readonly (readonly string[])[];
}

export interface JsonHit {
  path: readonly JsonPathStep[];
  value: unknown;
}

type Token = { name: string; value?: string };

interface Frame {
  kind: 'object' | 'array';
  path: JsonPathStep[];
  key: string | null;
  index: number;
}

function matches(path: readonly JsonPathStep[], pattern: JsonPathPattern): boolean {
  if (path.length !== pattern.length) return false;
  for (let i = 0; i < path.length; i++) {
    const p = pattern[i]!;
    const s = path[i]!;
    if (p === '*' ? typeof s !== 'number' : p !== s) return false;
  }
  return true;
}

/** `records[3]`, `pages[2].items[5]` */
export function formatJsonPath(path: readonly JsonPathStep[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** Builds one selected value from the token stream, without holding anything else of the document. */
class ValueBuilder {
  private readonly stack: { container: unknown[] | Record<string, unknown>; key: string }[] = [];
  result: unknown = undefined;
  done = false;

  /** Containers open in the value being built. */
  get depth(): number {
    return this.stack.length;
  }

  push(t: Token): void {
    switch (t.name) {
      case 'startObject':
        return this.open({});
      case 'startArray':
        return this.open([]);
      case 'endObject':
      case 'endArray': {
        const top = this.stack.pop()!;
        if (this.stack.length === 0) this.finish(top.container);
        return;
      }
      case 'keyValue':
        this.stack[this.stack.length - 1]!.key = t.value!;
        return;
      case 'stringValue':
        return this.add(t.value!);
      case 'numberValue':
        return this.add(Number(t.value!));
      case 'nullValue':
        return this.add(null);
      case 'trueValue':
        return this.add(true);
      case 'falseValue':
        return this.add(false);
    }
  }

  private open(container: unknown[] | Record<string, unknown>): void {
    if (this.stack.length > 0) this.attach(container);
    this.stack.push({ container, key: '' });
  }

  private add(v: unknown): void {
    if (this.stack.length === 0) this.finish(v);
    else this.attach(v);
  }

  private finish(v: unknown): void {
    this.result = v;
    this.done = true;
  }

  private attach(v: unknown): void {
    const top = this.stack[this.stack.length - 1]!;
    if (Array.isArray(top.container)) top.container.push(v);
    // defineProperty, as JSON.parse does: a key "__proto__" in a source file must stay plain data.
    else Object.defineProperty(top.container, top.key, { value: v, enumerable: true, writable: true, configurable: true });
  }
}

/**
 * Streams a UTF-8 JSON document and yields every value whose path matches one of `select`, in document
 * order, each built whole (and nothing else is kept). The whole document is parsed as it goes: a syntax
 * error, a truncated end or a wrong shape throws `FileRejectedError('MALFORMED')`, possibly after hits were
 * yielded — so run `verifyJsonDocument` first when nothing may be applied from a broken file.
 *
 * Memory is bounded whatever the document (src/formats/limits.ts): strings, keys and numbers arrive from the
 * tokenizer in pieces and are assembled here only up to `maxRecordChars`; a selected value is built only
 * up to that many characters; nesting stops at `maxDepth`; bytes that are not UTF-8 stop the walk. Past
 * any of them the document is refused (MALFORMED): a document is one delivery, and a part of it that cannot
 * be read is not split off from the rest.
 */
export async function* walkJson(input: ByteInput, shape: JsonShape, select: readonly JsonPathPattern[]): AsyncGenerator<JsonHit> {
  const { source, text, failure } = openText(input);
  const tokens = text.pipe(streamJson.parser({ packValues: false, streamValues: true }));
  text.once('error', (err) => tokens.destroy(err));
  const stack: Frame[] = [];
  let builder: ValueBuilder | null = null;
  let builderPath: JsonPathStep[] = [];
  let builderChars = 0;
  let sawRoot = false;
  const seenTop = new Set<string>();
  const maxChars = limits.maxRecordChars;
  const maxDepth = limits.maxDepth;
  // A string, key or number being assembled from its pieces.
  let piece: string | null = null;

  const malformed = (message: string) => new FileRejectedError('MALFORMED', `${input.name}: ${message}`);

  /** One whole token: returns a hit when it completes a selected value. */
  const take = (t: Token): JsonHit | null => {
    if (!builder) {
      if (t.name === 'keyValue') {
        const top = stack[stack.length - 1]!;
        top.key = t.value!;
        if (stack.length === 1) seenTop.add(t.value!);
        return null;
      }
      if (t.name === 'endObject' || t.name === 'endArray') {
        stack.pop();
        closeValue(stack);
        return null;
      }
      // Any other token begins a value.
      const path = valuePath(stack);
      if (!sawRoot) {
        sawRoot = true;
        const kind = t.name === 'startObject' ? 'object' : t.name === 'startArray' ? 'array' : 'scalar';
        if (kind !== shape.root) throw malformed(`the document is a JSON ${kind}, not an ${shape.root}`);
      }
      if (t.name !== 'startArray' && shape.arrays?.some((p) => matches(path, p))) {
        throw malformed(`${formatJsonPath(path)} is not an array`);
      }
      if (t.name !== 'startObject' && shape.objects?.some((p) => matches(path, p))) {
        throw malformed(`${formatJsonPath(path)} is not an object`);
      }
      if (!select.some((p) => matches(path, p))) {
        if (t.name === 'startObject' || t.name === 'startArray') {
          if (stack.length >= maxDepth) throw malformed(`${formatJsonPath(path) || 'the document'} is nested deeper than ${maxDepth} levels`);
          stack.push({ kind: t.name === 'startObject' ? 'object' : 'array', path, key: null, index: 0 });
        } else {
          closeValue(stack);
        }
        return null;
      }
      builder = new ValueBuilder();
      builderPath = path;
      builderChars = 0;
    }
    builderChars += 1 + (t.value?.length ?? 0);
    if (builderChars > maxChars) throw malformed(`${formatJsonPath(builderPath)} is longer than ${maxChars} characters`);
    builder.push(t);
    if (builder.depth + stack.length > maxDepth) throw malformed(`${formatJsonPath(builderPath)} is nested deeper than ${maxDepth} levels`);
    if (!builder.done) return null;
    const hit: JsonHit = { path: builderPath, value: builder.result };
    builder = null;
    closeValue(stack);
    return hit;
  };

  try {
    for await (const t of tokens as AsyncIterable<Token>) {
      let whole: Token | null = null;
      switch (t.name) {
        case 'startString':
        case 'startKey':
        case 'startNumber':
          piece = '';
          continue;
        case 'stringChunk':
        case 'numberChunk':
          piece += t.value!;
          if (piece!.length > maxChars) throw malformed(`a string or number is longer than ${maxChars} characters`);
          continue;
        case 'endString':
          whole = { name: 'stringValue', value: piece! };
          break;
        case 'endKey':
          whole = { name: 'keyValue', value: piece! };
          break;
        case 'endNumber':
          whole = { name: 'numberValue', value: piece! };
          break;
        default:
          whole = t;
      }
      piece = null;
      const hit = take(whole);
      if (hit) yield hit;
    }
  } catch (e) {
    if (e instanceof FileRejectedError) throw e;
    const io = failure();
    if (io) throw io;
    throw malformed(`not well-formed JSON: ${(e as Error).message}`);
  } finally {
    // A caller that stops early (findTopLevelValue) must not leave the file open.
    source.destroy();
  }
  if (!sawRoot) throw malformed('the document is empty');
  for (const group of shape.required ?? []) {
    if (!group.some((k) => seenTop.has(k))) throw malformed(`the document has no ${group.join(' or ')}: not an export of this system`);
  }
}

function valuePath(stack: Frame[]): JsonPathStep[] {
  const top = stack[stack.length - 1];
  if (!top) return [];
  return [...top.path, top.kind === 'array' ? top.index : top.key!];
}

/** After a value in an array ends, the next one has the next index. */
function closeValue(stack: Frame[]): void {
  const top = stack[stack.length - 1];
  if (top && top.kind === 'array') top.index++;
}

/** Streams the whole document through the parser and its shape checks; yields nothing, keeps nothing. */
export async function verifyJsonDocument(input: ByteInput, shape: JsonShape): Promise<void> {
  for await (const _ of walkJson(input, shape, [])) {
    // nothing is selected: the walk is the check
  }
}

/** The first top-level scalar under `key`, reading only as far as needed. */
export async function findTopLevelValue(input: ByteInput, shape: JsonShape, key: string): Promise<unknown> {
  for await (const hit of walkJson(input, shape, [[key]])) return hit.value;
  return undefined;
}
