/**
 * Figures the province tracks, per quarter and by region and recipient category (README "Quarterly
 * report"): the key-recipient assistance ratio (重点救助对象政策范围内费用救助比例; Hainan's 14th five-year plan
 * for medical security aims at about 70%), the personal burden left after all aid, missed-assistance
 * settlements, and warnings opened and closed.
 *
 * A stay belongs to the quarter of its discharge day (China Standard Time); refunded stays do not exist. A key
 * recipient is a person whose highest category on the discharge day is a key category (categoryOn). Aid
 * counts as everywhere else (not a duplicate, not reversed), linked to the stay by rule 4, whenever paid.
 * - covered = the assistance fund's payment + the counted public aid linked to the stay (the nine agencies'
 *   programs, not the social channels), less that aid's excess (rule 5): what paid for the stay's cost;
 * - key-recipient ratio = Σ covered / Σ policy-scope cost over key recipients' stays;
 * - burden left = Σ max(0, B − all counted aid linked to the stay, social channels included);
 * - missed assistance = stays of the quarter with an open MISSED_ASSISTANCE warning (src/warnings);
 * - warnings opened / closed = warnings the hub opened / closed during the quarter.
 */
import type { Db } from '../db/client.ts';
import type { Dimension } from './quarterly.ts';
import * as store from './store.ts';

/** The dimensions the indicators can be grouped by (stays and warnings have no agency or program). */
export const INDICATOR_DIMENSIONS: readonly Dimension[] = ['COUNTY', 'CITY', 'CATEGORY'];
/** Without a region or category in the grouping, the indicators are by city. */
export const DEFAULT_INDICATOR_GROUPING: Dimension[] = ['CITY'];

export interface IndicatorRow {
  county: string | null;
  city: string | null;
  category: string | null;
  /** Distinct persons with a stay of the quarter or a warning opened or closed in it. */
  persons: number;
  stays: number;
  keyStays: number;
  keyPolicyScope: bigint;
  keyCovered: bigint;
  burdenLeft: bigint;
  missedAssistance: number;
  warningsOpened: number;
  warningsClosed: number;
}

export function indicatorGrouping(groupBy: readonly Dimension[]): Dimension[] {
  const dims = INDICATOR_DIMENSIONS.filter((d) => groupBy.includes(d));
  return dims.length > 0 ? dims : [...DEFAULT_INDICATOR_GROUPING];
}

/** Basis points of covered / policy scope, rounded half up; null without key-recipient cost. */
export function ratioBasisPoints(covered: bigint, scope: bigint): number | null {
  if (scope <= 0n) return null;
  return Number((covered * 20000n + scope) / (2n * scope));
}

type Raw = store.IndicatorRaw;
function toRow(r: Raw): IndicatorRow {
  const s = (k: string) => (r[k] === undefined ? null : (r[k] as string | null));
  return {
    county: s('county'),
    city: s('city'),
    category: s('category'),
    persons: Number(r.persons),
    stays: Number(r.stays),
    keyStays: Number(r.keyStays),
    keyPolicyScope: BigInt(r.keyPolicyScope as string),
    keyCovered: BigInt(r.keyCovered as string),
    burdenLeft: BigInt(r.burdenLeft as string),
    missedAssistance: Number(r.missedAssistance),
    warningsOpened: Number(r.warningsOpened),
    warningsClosed: Number(r.warningsClosed),
  };
}

/** The indicators of a quarter by the region and category dimensions `dims`, and their totals. */
export async function quarterIndicators(db: Db, year: number, quarter: number, dims: readonly Dimension[]): Promise<{ rows: IndicatorRow[]; totals: IndicatorRow }> {
  const all = await store.indicatorAggregates(db, year, quarter, dims);
  return { rows: all.filter((r) => !r.total).map(toRow), totals: toRow(all.find((r) => r.total)!) };
}

/** Distinct persons of several indicator groups together (for folding small cells). */
export const indicatorPersonsInGroups = store.indicatorPersonsInGroups;
