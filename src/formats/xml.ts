/**
 * The one bound the XML readers (union-mutual-aid's export, the parts of an XLSX workbook) put on saxes.
 * saxes streams, but it holds a tag with its attributes, a text run, a comment or a CDATA section whole until
 * it ends; all of them lie between two `<` (an attribute value may not contain `<`). So no buffer of saxes
 * grows past the longest run of characters between two `<`, and a document whose run is longer than
 * `limits.maxXmlSpanChars` (a 50 MB attribute, a gigabyte of whitespace between two tags) is refused before
 * saxes sees that much. saxes expands no DTD entity (only the five predefined ones and character
 * references), so nothing it reads grows beyond what it was given.
 */
import { limits } from './limits.ts';

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
