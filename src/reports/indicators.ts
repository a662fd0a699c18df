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
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db } from '../db/client.ts';
import { KEY_CATEGORIES } from '../codes.ts';
import { SOCIAL_CHANNELS } from '../policy/eligibility.ts';
import { categoryOn, inGroups, quarterRange, regionsTable, type Dimension } from './quarterly.ts';

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

async function base(db: Db, year: number, quarter: number): Promise<SQL> {
  const { from, to, nextFrom } = quarterRange(year, quarter);
  const start = `${from}T00:00:00+08:00`;
  const end = `${nextFrom}T00:00:00+08:00`;
  const cst = (col: SQL) => sql`((${col}) AT TIME ZONE 'UTC' + interval '8 hours')::date`;
  return sql`
    WITH regions AS (${await regionsTable(db)}),
    stays AS (
      SELECT s.settlement_id, s.person_id, s.discharged_on, s.policy_scope_fen, s.assistance_fen, s.burden_fen, p.county_code
      FROM settlements s JOIN persons p ON p.id = s.person_id
      WHERE s.refunded_by IS NULL AND s.discharged_on >= ${from}::date AND s.discharged_on <= ${to}::date
    ),
    aid AS (
      SELECT a.linked_settlement_id AS sid,
        COALESCE(sum(a.amount_fen - a.excess_fen) FILTER (WHERE a.system <> ALL(${A(SOCIAL_CHANNELS)}::text[])), 0) AS public_net,
        sum(a.amount_fen) AS all_aid
      FROM aid_records a JOIN stays x ON x.settlement_id = a.linked_settlement_id
      WHERE a.duplicate_of IS NULL AND a.status <> 'REVERSED'
      GROUP BY a.linked_settlement_id
    ),
    u AS (
      SELECT x.person_id AS pid, COALESCE(r.county, 'COUNTY_UNKNOWN') AS county, COALESCE(r.city, 'COUNTY_UNKNOWN') AS city,
        ${categoryOn(sql`x.person_id`, sql`x.discharged_on`)} AS category,
        1 AS stay, x.policy_scope_fen AS scope, x.assistance_fen + COALESCE(g.public_net, 0) AS covered,
        GREATEST(0, x.burden_fen - COALESCE(g.all_aid, 0)) AS left_fen,
        EXISTS (SELECT 1 FROM warnings w WHERE w.kind = 'MISSED_ASSISTANCE' AND w.settlement_id = x.settlement_id AND w.closed_at IS NULL)::int AS missed,
        0 AS opened, 0 AS closed
      FROM stays x LEFT JOIN regions r ON r.code = COALESCE(x.county_code, '') LEFT JOIN aid g ON g.sid = x.settlement_id
      UNION ALL
      SELECT COALESCE(w.person_id, -w.household_id), COALESCE(r.county, 'COUNTY_UNKNOWN'), COALESCE(r.city, 'COUNTY_UNKNOWN'),
        CASE WHEN w.person_id IS NULL THEN 'NONE' ELSE ${categoryOn(sql`w.person_id`, cst(sql`w.opened_at`))} END,
        0, 0, 0, 0, 0,
        (w.opened_at >= ${start}::timestamptz AND w.opened_at < ${end}::timestamptz)::int,
        (w.closed_at IS NOT NULL AND w.closed_at >= ${start}::timestamptz AND w.closed_at < ${end}::timestamptz)::int
      FROM warnings w LEFT JOIN regions r ON r.code = COALESCE(w.county_code, '')
      WHERE (w.opened_at >= ${start}::timestamptz AND w.opened_at < ${end}::timestamptz)
         OR (w.closed_at >= ${start}::timestamptz AND w.closed_at < ${end}::timestamptz)
    )`;
}

const KEY = sql`u.category = ANY(${A([...KEY_CATEGORIES])}::text[])`;
const METRICS = sql`
  count(DISTINCT u.pid)::int AS persons,
  COALESCE(sum(u.stay), 0)::int AS stays,
  COALESCE(sum(u.stay) FILTER (WHERE ${KEY}), 0)::int AS "keyStays",
  COALESCE(sum(u.scope) FILTER (WHERE ${KEY}), 0)::text AS "keyPolicyScope",
  COALESCE(sum(u.covered) FILTER (WHERE ${KEY}), 0)::text AS "keyCovered",
  COALESCE(sum(u.left_fen), 0)::text AS "burdenLeft",
  COALESCE(sum(u.missed), 0)::int AS "missedAssistance",
  COALESCE(sum(u.opened), 0)::int AS "warningsOpened",
  COALESCE(sum(u.closed), 0)::int AS "warningsClosed"`;

type Raw = Record<string, string | number | null | boolean>;
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
  const b = await base(db, year, quarter);
  if (dims.length === 0) {
    return { rows: [], totals: toRow((await rows<Raw>(db, sql`/* report.indicators-totals */ ${b} SELECT ${METRICS} FROM u`))[0]!) };
  }
  const cols = sql.join(dims.map((d) => sql`u.${sql.raw(d.toLowerCase())} AS ${sql.raw(d.toLowerCase())}`), sql`, `);
  const by = sql.join(dims.map((d) => sql`u.${sql.raw(d.toLowerCase())}`), sql`, `);
  // Groups and totals in one pass (grouping sets)
  const all = await rows<Raw & { total: boolean }>(db, sql`/* report.indicators */ ${b} SELECT ${cols}, ${METRICS}, (GROUPING(${by}) <> 0) AS total FROM u GROUP BY GROUPING SETS ((${by}), ()) ORDER BY ${by}`);
  return { rows: all.filter((r) => !r.total).map(toRow), totals: toRow(all.find((r) => r.total)!) };
}

/** Distinct persons of several indicator groups together (for folding small cells). */
export async function indicatorPersonsInGroups(db: Db, year: number, quarter: number, dims: readonly Dimension[], keys: ReadonlyArray<ReadonlyArray<string | null>>): Promise<number> {
  const r = await rows<{ n: number }>(db, sql`/* report.indicators-persons-in-groups */ ${await base(db, year, quarter)} SELECT count(DISTINCT u.pid)::int AS n FROM u WHERE ${inGroups('u', dims, keys)}`);
  return Number(r[0]!.n);
}
