/**
 * Resident identity numbers (GB 11643-1999): normalisation, 15→18 upgrade, check character, and what the
 * number says (sex, birth date, address code). domain.md "Identity".
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Full-width ASCII variants (U+FF01…U+FF5E) to ASCII; U+3000 ideographic space to a space. */
export function toHalfWidth(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCodePoint(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += ch;
  }
  return out;
}

/** ISO 7064 MOD 11-2 check character over the first 17 digits. */
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export type IdNumberResult =
  | { ok: true; idNumber: string }
  | { ok: false; reason: 'MISSING' | 'FORMAT' | 'CHECK' | 'BIRTH_DATE'; message: string };

/**
 * Normalises an identity number as received (spaces, full-width, lower-case x, 15-digit legacy form) to
 * the 18-character form, or says why it cannot be used. Nothing is guessed: a wrong check character or an
 * impossible birth date is an error. `today` (YYYY-MM-DD, CST) bounds the birth date.
 */
export function normalizeIdNumber(input: string | null | undefined, today?: string): IdNumberResult {
  if (input == null) return { ok: false, reason: 'MISSING', message: 'identity number is missing' };
  const s = toHalfWidth(String(input)).replace(/\s+/g, '').toUpperCase();
  if (s === '') return { ok: false, reason: 'MISSING', message: 'identity number is empty' };
  let id18: string;
  if (/^\d{15}$/.test(s)) {
    const first17 = s.slice(0, 6) + '19' + s.slice(6, 15);
    id18 = first17 + checkCharacter(first17);
  } else if (/^\d{17}[\dX]$/.test(s)) {
    id18 = s;
  } else {
    return { ok: false, reason: 'FORMAT', message: `identity number "${input}" is neither 18 nor 15 characters of digits` };
  }
  const y = Number(id18.slice(6, 10));
  const m = Number(id18.slice(10, 12));
  const d = Number(id18.slice(12, 14));
  const birth = `${id18.slice(6, 10)}-${id18.slice(10, 12)}-${id18.slice(12, 14)}`;
  if (y < 1880 || !isRealDate(y, m, d) || (today !== undefined && birth > today)) {
    return { ok: false, reason: 'BIRTH_DATE', message: `identity number "${input}" has an impossible birth date ${birth}` };
  }
  if (id18.length === 18 && s.length === 18 && checkCharacter(id18.slice(0, 17)) !== id18[17]) {
    return { ok: false, reason: 'CHECK', message: `identity number "${input}" has a wrong check character` };
  }
  return { ok: true, idNumber: id18 };
}

/** Sex from the sequence digits: odd = male. */
export function sexOf(id18: string): 'MALE' | 'FEMALE' {
  return Number(id18[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
}

/** Birth date (YYYY-MM-DD) from a normalised identity number. */
export function birthDateOf(id18: string): string {
  return `${id18.slice(6, 10)}-${id18.slice(10, 12)}-${id18.slice(12, 14)}`;
}

/** The 6-digit address code (county of first registration). */
export function addressCodeOf(id18: string): string {
  return id18.slice(0, 6);
}

/** `460102********123X`: first six and last four characters, the rest masked. */
export function maskIdNumber(id18: string): string {
  if (id18.length <= 10) return '*'.repeat(id18.length);
  return id18.slice(0, 6) + '*'.repeat(id18.length - 10) + id18.slice(-4);
}
