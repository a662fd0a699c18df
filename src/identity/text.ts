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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether a string holds a lone UTF-16 surrogate: no character, no encoding has it, and encoding it would
 * silently turn it into U+FFFD (String.prototype.isWellFormed, which our ES2023 target lacks).
 */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * Decodes a byte stream to text: GB18030 (which also takes the GBK/GB2312 subset) or UTF-8; a leading
 * byte-order mark is dropped in either case. The WHATWG decoder is used rather than iconv-lite's stream:
 * iconv-lite drops the low surrogate of a four-byte GB18030 character (a rare name character outside the
 * BMP) when the write that completes it is short. With `fatal`, bytes that are not valid in the encoding
 * fail the stream instead of becoming U+FFFD.
 */
export function decodeStream(input: Readable, encoding: TextEncoding, opts: { fatal?: boolean } = {}): Readable {
  const decoder = new TextDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf-8', { ignoreBOM: true, fatal: opts.fatal ?? false });
  let first = true;
  const emit = (s: string): string => {
    if (first && s !== '') {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) return s.slice(1);
    }
    return s;
  };
  return input.pipe(
    new Transform({
      readableObjectMode: false,
      transform(chunk: Buffer | string, _enc, cb) {
        let s: string;
        try {
          s = decoder.decode(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, { stream: true });
        } catch (e) {
          return cb(e as Error);
        }
        cb(null, emit(s));
      },
      flush(cb) {
        let s: string;
        try {
          s = decoder.decode();
        } catch (e) {
          return cb(e as Error);
        }
        cb(null, emit(s));
      },
    }),
  );
}

/** Decodes a whole buffer (small inputs, tests). */
export function decodeBuffer(buf: Buffer, encoding: TextEncoding): string {
  const s = iconv.decode(buf, encoding === 'gb18030' ? 'gb18030' : 'utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
