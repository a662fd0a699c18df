/** Calendar days as integers (days since 1970-01-01), which is what the model stores for every date. */

const MS_PER_DAY = 86_400_000;

export function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

export function dayOfIso(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  const day = dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (isoDay(day) !== iso) throw new Error(`not a calendar date: ${iso}`);
  return day;
}

export type Ymd = readonly [number, number, number];

const cache = new Map<number, Ymd>();

export function ymd(day: number): Ymd {
  let v = cache.get(day);
  if (v === undefined) {
    const t = new Date(day * MS_PER_DAY);
    v = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
    if (cache.size < 200_000) cache.set(day, v);
  }
  return v;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function isoYmd(v: Ymd): string {
  return `${v[0]}-${pad2(v[1])}-${pad2(v[2])}`;
}

export function isoDay(day: number): string {
  return isoYmd(ymd(day));
}

export function yearOf(day: number): number {
  return ymd(day)[0];
}

export const DATA_START = dayOf(2025, 1, 1);
export const DATA_END = dayOf(2026, 9, 30);
export const DEFAULT_TODAY = '2026-10-31';

/** Delivery periods: half-years, the last one cut at the data's end. File -001 … -004 hold one each. */
export const PERIOD_STARTS = [dayOf(2025, 1, 1), dayOf(2025, 7, 1), dayOf(2026, 1, 1), dayOf(2026, 7, 1)] as const;

export function periodOf(day: number): number {
  let p = 0;
  for (let i = 1; i < PERIOD_STARTS.length; i++) if (day >= PERIOD_STARTS[i]!) p = i;
  return p;
}
