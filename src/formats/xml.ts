/**
 * XML: a streaming reader for exports that list one record element after another under a root element
 * (union-mutual-aid's `<MutualAidExport><Claim>…`), and the one bound every XML reader (that one, the
 * parts of an XLSX workbook in xlsx.ts) puts on saxes.
 *
 * The bound: saxes streams, but it holds a tag with its attributes, a text run, a comment or a CDATA section whole until
 * saxes streams, but it holds a tag with its attributes, a text run, a comment or a CDATA section whole until
 * it ends; all of them lie between two `<` (an attribute value may not contain `<`). So no buffer of saxes
 * grows past the longest run of characters between two `<`, and a document whose run is longer than
 * `limits.maxXmlSpanChars` (a 50 MB attribute, a gigabyte of whitespace between two tags) is refused before
 * saxes sees that much. saxes expands no DTD entity (only the five predefined ones and character
 * references), so nothing it reads grows beyond what it was given.
 */
import { SaxesParser } from 'saxes';
import { FileRejectedError, type ByteInput, type SourceRecord } from '../ingest/adapter.ts';
import { limits } from './limits.ts';
import { openText } from './text.ts';

export class XmlSpanError extends Error {
  override name = 'XmlSpanError';
}

export class XmlSpans {
  /** Characters since the last `<`. */
  private run = 0;
  private readonly max = limits.maxXmlSpanChars;

  /** Checks the next chunk of the document; throws XmlSpanError when a span grows past the limit. */
  check(chunk: string): void {
    let from = 0;
    for (let lt = chunk.indexOf('<'); lt !== -1; lt = chunk.indexOf('<', from)) {
      if (this.run + (lt - from) > this.max) this.fail();
      this.run = 0;
      from = lt + 1;
    }
    this.run += chunk.length - from;
    if (this.run > this.max) this.fail();
  }

  private fail(): never {
    throw new XmlSpanError(`a tag, attribute or text run is longer than ${this.max} characters`);
  }
}

/* ----------------------------------------------------------------- record exports */

/** An export's shape: the root element's name and the name of the record elements directly under it. */
export interface XmlExportShape {
  root: string;
  record: string;
}

/**
 * One record element as read: its attributes, and for each child element (the first of its name) the
 * child's attributes and its own text (text directly inside it, CDATA included).
 */
export interface XmlRecordElement {
  attributes: Record<string, string>;
  children: Record<string, { attributes: Record<string, string>; text: string }>;
}

function escapeXml(s: string, attribute: boolean): string {
  const t = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? t.replace(/"/g, '&quot;') : t;
}

function openTag(tag: { name: string; attributes: unknown }, selfClosing: boolean): string {
  const attrs = Object.entries(tag.attributes as Record<string, string>)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('');
  return `<${tag.name}${attrs}${selfClosing ? '/>' : '>'}`;
}

/**
 * Streams the document through saxes, calling back per record element with its reconstructed text and its
 * 1-based index. It yields after each chunk, so a reader can hand the records of that chunk on before the
 * next chunk is read. Any well-formedness error, an empty document, a foreign root element, nesting past
 * `limits.maxDepth` or a record longer than `limits.maxRecordChars` throws MALFORMED.
 */
async function* parseExport(
  input: ByteInput,
  shape: XmlExportShape,
  onRecord?: (element: XmlRecordElement, raw: string, index: number) => void,
): AsyncGenerator<void> {
  const malformed = (message: string) => new FileRejectedError('MALFORMED', `${input.name}: ${message}`);
  const parser = new SaxesParser({ position: true });
  let error: Error | null = null;
  let depth = 0;
  let sawRoot = false;
  let index = 0;
  // State of the record being read: its reconstructed text, and the child whose own text is being collected.
  let record: XmlRecordElement | null = null;
  let raw = '';
  let child: { attributes: Record<string, string>; text: string } | null = null;

  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    depth++;
    if (depth > limits.maxDepth) error ??= new Error(`elements are nested deeper than ${limits.maxDepth} levels`);
    if (depth === 1) {
      sawRoot = true;
      if (tag.name !== shape.root) error ??= new Error(`the root element is <${tag.name}>, not <${shape.root}>`);
      return;
    }
    if (depth === 2 && tag.name === shape.record) {
      index++;
      // No prototype: a child element may be called `__proto__`.
      record = { attributes: { ...(tag.attributes as Record<string, string>) }, children: Object.create(null) as XmlRecordElement['children'] };
      raw = '';
      child = null;
    }
    if (!record) return;
    raw += openTag(tag, tag.isSelfClosing);
    if (depth === 3 && !Object.hasOwn(record.children, tag.name)) {
      child = { attributes: { ...(tag.attributes as Record<string, string>) }, text: '' };
      record.children[tag.name] = child;
    }
  });
  parser.on('text', (text) => {
    if (!record) return;
    raw += escapeXml(text, false);
    if (child !== null && depth === 3) child.text += text;
  });
  parser.on('cdata', (text) => {
    if (!record) return;
    raw += `<![CDATA[${text}]]>`;
    if (child !== null && depth === 3) child.text += text;
  });
  parser.on('closetag', (tag) => {
    if (record) {
      if (!tag.isSelfClosing) raw += `</${tag.name}>`;
      if (depth === 3) child = null;
      if (raw.length > limits.maxRecordChars) error ??= new Error(`${shape.record}[${index}] is longer than ${limits.maxRecordChars} characters`);
      else if (depth === 2) {
        onRecord?.(record, raw, index);
        record = null;
      }
    }
    depth--;
  });

  const { source, text, failure } = openText(input);
  try {
    // decodeStream re-encodes whole characters per chunk, so no character is split between two chunks.
    const spans = new XmlSpans();
    for await (const chunk of text as AsyncIterable<Buffer | string>) {
      const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      spans.check(s);
      parser.write(s);
      if (error) break;
      yield;
    }
    if (!error) parser.close();
  } catch (e) {
    // A file that could not be read is an I/O fault, not a malformed export.
    const io = failure();
    if (io) throw io;
    error ??= e as Error;
  } finally {
    source.destroy();
  }
  if (error) throw malformed(`not a well-formed export: ${error.message}`);
  if (!sawRoot) throw malformed('the document is empty');
  yield;
}

/** Reads the whole export: a truncated one is still a prefix of good records, so none may be applied. */
export async function verifyXmlExport(input: ByteInput, shape: XmlExportShape): Promise<void> {
  for await (const _ of parseExport(input, shape)) {
    // parsing the whole document is the check
  }
}

/** The record elements of an export, one at a time, located as `/<root>/<record>[i]`. */
export async function* readXmlRecords(input: ByteInput, shape: XmlExportShape): AsyncGenerator<SourceRecord<XmlRecordElement>> {
  const ready: SourceRecord<XmlRecordElement>[] = [];
  const steps = parseExport(input, shape, (value, raw, i) =>
    ready.push({ location: { file: input.name, element: `/${shape.root}/${shape.record}[${i}]` }, raw, value }),
  );
  for await (const _ of steps) {
    while (ready.length > 0) yield ready.shift()!;
  }
}
