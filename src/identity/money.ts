/**
 * Money: integer fen (bigint) inside the hub, a decimal string of yuan with two decimals outside.
 * Never floating point: yuan text is parsed digit by digit.
 */
import { toHalfWidth } from './id-number.ts';

export type Fen = bigint;

/** Largest single amount accepted from a source: 100 million yuan. Anything above is absurd for one aid. */
export const MAX_AMOUNT_FEN = 10_000_000_000n;

export type MoneyResult = { ok: true; fen: Fen } | { ok: false; message: string };

/**
 * Yuan text → fen: "1200", "1200.5", "1,234.50", " ￥1 234.50 ", full-width digits; at most two decimals.
 * A number (an XLSX numeric cell) is read through its shortest decimal representation, which is exact for
 * amounts typed with at most two decimals; anything else is refused rather than rounded.
 */
export function parseYuan(input: string | number | bigint | null | undefined, opts: { allowNegative?: boolean } = {}): MoneyResult {
  if (input == null) return { ok: false, message: 'amount is missing' };
  let s: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: `amount ${input} is not a number` };
    s = String(input);
    if (/e/i.test(s)) return { ok: false, message: `amount ${s} is out of range` };
  } else {
    s = String(input);
  }
  s = toHalfWidth(s).trim().replace(/^[¥￥]/, '').replace(/[\s,]/g, '');
  if (s === '') return { ok: false, message: 'amount is empty' };
  const m = /^([+-]?)(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return { ok: false, message: `amount "${String(input)}" is not yuan with at most two decimals` };
  const negative = m[1] === '-';
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return checkRange(negative ? -fen : fen, String(input), opts);
}

/** Fen given as integer text or number (e.g. "350000" or 350000). */
export function parseFen(input: string | number | bigint | null | undefined, opts: { allowNegative?: boolean } = {}): MoneyResult {
  if (input == null) return { ok: false, message: 'amount is missing' };
  if (typeof input === 'bigint') return checkRange(input, String(input), opts);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) return { ok: false, message: `amount ${input} is not a whole number of fen` };
    return checkRange(BigInt(input), String(input), opts);
  }
  const s = toHalfWidth(input).trim();
  if (!/^[+-]?\d+$/.test(s)) return { ok: false, message: `amount "${input}" is not a whole number of fen` };
  return checkRange(BigInt(s), input, opts);
}

function checkRange(fen: Fen, original: string, opts: { allowNegative?: boolean }): MoneyResult {
  if (fen < 0n && !opts.allowNegative) return { ok: false, message: `amount "${original}" is negative` };
  if (fen > MAX_AMOUNT_FEN || fen < -MAX_AMOUNT_FEN) return { ok: false, message: `amount "${original}" is absurdly large` };
  return { ok: true, fen };
}

/** fen → "1234.50" (the `Yuan` scalar's form). */
export function formatYuan(fen: Fen): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** Reads a fen value as either driver returns it (bigint, number or numeric text). */
export function toFen(v: unknown): Fen {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TypeError(`not a whole number of fen: ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (v == null) return 0n;
  throw new TypeError(`not a fen value: ${String(v)}`);
}
