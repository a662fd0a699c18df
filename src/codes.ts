/**
 * The codes of the public contract (contract.md "Codes"): reason codes, statuses and the fund of every
 * program. The systems themselves are described by their adapters (adapters/index.ts).
 */

/** Why one record was quarantined. The first six are the contract's; the rest are more precise siblings. */
export const REASON_CODES = [
  'INVALID_ID',
  'BAD_AMOUNT',
  'BAD_DATE',
  'MISSING_FIELD',
  'BURDEN_MISMATCH',
  'CERT_MISMATCH',
  /** A coded field (category, relationship, status, program) holds a value the format does not define. */
  'BAD_VALUE',
  /** The record cannot be parsed at all (a broken CSV line, a JSON line that is not JSON). */
  'UNPARSABLE',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Why a whole file was refused: nothing of it is applied. */
export const REJECT_CODES = ['INTEGRITY', 'MALFORMED'] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export const AID_STATUSES = ['APPROVED', 'PAID', 'ARRIVED', 'REVERSED'] as const;
export type AidStatus = (typeof AID_STATUSES)[number];

/** Recipient categories (domain.md), in the order reports rank them when a person holds several. */
export const STATUS_CATEGORIES = [
  'EXTREMELY_POOR',
  'MINIMUM_LIVING',
  'LOW_INCOME_MARGINAL',
  'EXPENDITURE_HARDSHIP',
  'RURAL_MONITORED',
  'POOR_WORKER',
  'VETERAN',
  'DISABLED',
  'WOMAN_CHILD_HARDSHIP',
] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

export const KEY_CATEGORIES: readonly StatusCategory[] = ['EXTREMELY_POOR', 'MINIMUM_LIVING'];
export const LOW_INCOME_CATEGORIES: readonly StatusCategory[] = ['LOW_INCOME_MARGINAL', 'RURAL_MONITORED', 'EXPENDITURE_HARDSHIP'];

/** Each program draws on one fund; the fund account code is `FUND:<program>`. */
export function fundCodeOf(program: string): string {
  return `FUND:${program}`;
}
