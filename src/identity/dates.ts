/**
 * Dates: calendar days are `YYYY-MM-DD` strings in China Standard Time (UTC+8, no daylight saving);
 * instants are Date objects from ISO 8601 text that carries an offset.
 */
import { toHalfWidth } from './id-number.ts';

const CST_OFFSET_MS = 8 * 3600 * 1000;

export type DateResult = { ok: true; date: string } | { ok: false; message: string };
export type InstantResult = { ok: true; at: Date } | { ok: false; message: string };

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function valid(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** The CST calendar day of an instant. */
export function cstDate(at: Date): string {
  const t = new Date(at.getTime() + CST_OFFSET_MS);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Today in China Standard Time. */
export function todayCst(now: Date = new Date()): string {
  return cstDate(now);
}

/** Excel's 1900 date system serial (with its phantom 1900-02-29) → calendar day. */
export function fromExcelSerial(serial: number): DateResult {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return { ok: false, message: `Excel date serial ${serial} is out of range` };
  const days = Math.floor(serial);
  // Serial 60 is 1900-02-29, a day that never was (Lotus 1-2-3's leap-year bug, kept by Excel).
  if (days === 60) return { ok: false, message: 'Excel date serial 60 is the non-existent 1900-02-29' };
  const ms = (days < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30)) + days * 86400000;
  const t = new Date(ms);
  return { ok: true, date: `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` };
}

/**
 * A calendar day as sources write it: `2026-03-05`, `2026/3/5`, `2026年3月5日`, `20260305`, an Excel serial
 * (number), or a Date from a spreadsheet cell (whose UTC day is the day typed). `today` (CST) refuses
 * future dates when given.
 */
export function parseDate(input: string | number | Date | null | undefined, opts: { today?: string } = {}): DateResult {
  if (input == null) return { ok: false, message: 'date is missing' };
  let r: DateResult;
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) return { ok: false, message: 'date cell is invalid' };
    r = { ok: true, date: `${input.getUTCFullYear()}-${pad(input.getUTCMonth() + 1)}-${pad(input.getUTCDate())}` };
  } else if (typeof input === 'number') {
    r = fromExcelSerial(input);
  } else {
    const s = toHalfWidth(input).trim();
    if (s === '') return { ok: false, message: 'date is empty' };
    let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
    if (!m && /^\d{5}(\.\d+)?$/.test(s)) return checkFuture(fromExcelSerial(Number(s)), opts.today);
    if (!m) return { ok: false, message: `date "${input}" is not in a known form` };
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!valid(y, mo, d)) return { ok: false, message: `date "${input}" does not exist` };
    r = { ok: true, date: `${y}-${pad(mo)}-${pad(d)}` };
  }
  return checkFuture(r, opts.today);
}

function checkFuture(r: DateResult, today: string | undefined): DateResult {
  if (r.ok && today !== undefined && r.date > today) return { ok: false, message: `date ${r.date} is in the future` };
  return r;
}

/** ISO 8601 timestamp with an explicit offset (or Z). A timestamp without offset is refused: it is ambiguous. */
export function parseInstant(input: string | null | undefined, opts: { now?: Date } = {}): InstantResult {
  if (input == null || String(input).trim() === '') return { ok: false, message: 'timestamp is missing' };
  const s = String(input).trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    return { ok: false, message: `timestamp "${s}" is not ISO 8601 with an offset` };
  }
  const at = new Date(s);
  if (Number.isNaN(at.getTime())) return { ok: false, message: `timestamp "${s}" does not exist` };
  const day = parseDate(s.slice(0, 10));
  if (!day.ok) return { ok: false, message: `timestamp "${s}" does not exist` };
  if (opts.now && at.getTime() > opts.now.getTime() + 5 * 60 * 1000) return { ok: false, message: `timestamp ${s} is in the future` };
  return { ok: true, at };
}

/** An instant rendered in CST with its offset: `2026-03-31T23:30:00+08:00`. */
export function formatCstDateTime(at: Date): string {
  const t = new Date(at.getTime() + CST_OFFSET_MS);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+08:00`;
}

/** Whole years of age on a day (both `YYYY-MM-DD`): the one rule for age, used by eligibility and the recipient view. */
export function ageOn(birth: string, day: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
