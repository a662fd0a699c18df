/** Names, vouchers and text decoding shared by all adapters. */
import iconv from 'iconv-lite';
import { Transform, type Readable } from 'node:stream';
import { toHalfWidth } from './id-number.ts';

const MIDDLE_DOTS = /[·•・‧･∙⋅●]/g;

/**
 * A name for comparison: surrounding (and full-width) spaces dropped, inner spaces dropped, every
 * middle-dot variant of minority names made U+00B7. The name as received is kept elsewhere.
 */
export function normalizeName(input: string | null | undefined): string | null {
  if (input == null) return null;
  const s = toHalfWidth(input).replace(MIDDLE_DOTS, '·').replace(/\s+/g, '');
  return s === '' ? null : s;
}

/** A voucher number for matching across systems: half-width, upper case, no spaces or separators. */
export function normalizeVoucher(input: string | null | undefined): string | null {
  if (input == null) return null;
  const s = toHalfWidth(input).toUpperCase().replace(/[\s\-_/]/g, '');
  return s === '' ? null : s;
}

/** Trimmed text, or null when empty (including full-width spaces). */
export function clean(input: unknown): string | null {
  if (input == null) return null;
  const s = String(input).replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
  return s === '' ? null : s;
}

export type TextEncoding = 'utf8' | 'gb18030';

/**
 * Decodes a byte stream to text: GB18030 through iconv-lite (which also takes the GBK/GB2312 subset), UTF-8
 * natively; a leading byte-order mark is dropped in either case.
 */
export function decodeStream(input: Readable, encoding: TextEncoding): Readable {
  const decoded = encoding === 'gb18030' ? input.pipe(iconv.decodeStream('gb18030')) : input.pipe(iconv.decodeStream('utf8'));
  let first = true;
  return decoded.pipe(
    new Transform({
      readableObjectMode: false,
      transform(chunk: Buffer | string, _enc, cb) {
        let s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        if (first) {
          first = false;
          if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
        }
        cb(null, s);
      },
    }),
  );
}

/** Decodes a whole buffer (small inputs, tests). */
export function decodeBuffer(buf: Buffer, encoding: TextEncoding): string {
  const s = iconv.decode(buf, encoding === 'gb18030' ? 'gb18030' : 'utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
