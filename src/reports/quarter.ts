/**
 * The quarters of the reports: calendar quarters of dates in China Standard Time, and the dimensions a
 * report can be grouped by (kept apart from quarterly.ts so that the store can use them without importing
 * the report that uses the store).
 */
import { HubError, ErrorCode } from '../shared/errors.ts';

export const DIMENSIONS = ['SYSTEM', 'AGENCY', 'PROGRAM', 'COUNTY', 'CITY', 'CATEGORY'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The first and last day of a quarter (YYYY-MM-DD) and the first day of the next; a year or quarter out of range is the caller's mistake. */
export function quarterRange(year: number, quarter: number): { from: string; to: string; nextFrom: string } {
  if (!Number.isInteger(year) || year < 2000 || year > 2999) throw new HubError(ErrorCode.BAD_USER_INPUT, 'year must be between 2000 and 2999', { argument: 'year' });
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'quarter must be 1, 2, 3 or 4', { argument: 'quarter' });
  const m = (quarter - 1) * 3 + 1;
  const pad = (n: number) => String(n).padStart(2, '0');
  const from = `${year}-${pad(m)}-01`;
  const nextFrom = quarter === 4 ? `${year + 1}-01-01` : `${year}-${pad(m + 3)}-01`;
  const last = new Date(Date.UTC(Number(nextFrom.slice(0, 4)), Number(nextFrom.slice(5, 7)) - 1, 0));
  return { from, to: `${year}-${pad(last.getUTCMonth() + 1)}-${pad(last.getUTCDate())}`, nextFrom };
}
