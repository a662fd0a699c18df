/**
 * The quarterly report as a document: the figures (rows by the grouping, totals, funds, indicators) with the
 * names beside the codes, small cells suppressed where asked, and what a reader needs to trust it (rule and
 * policy versions, data as of, generated at, published or provisional). Every file (XLSX, CSV, JSON) is
 * rendered from it; a published quarter's document is stored with it, so its files can be made again byte
 * for byte.
 */
import type { Db } from '../db/client.ts';
import * as store from './store.ts';
import { formatYuan } from '../identity/money.ts';
import { agencyName, categoryName, cityName, countyName, programName, systemName } from '../names.ts';
import { version as hubVersion } from '../graphql/hub.ts';
import { personsInGroups, quarterlyReport, type Dimension, type QuarterlyReport, type ReportRow } from './quarterly.ts';
import { indicatorGrouping, indicatorPersonsInGroups, quarterIndicators, ratioBasisPoints, type IndicatorRow } from './indicators.ts';
import { personsText, suppressSmallCells, isSmall } from './suppress.ts';
import { fundFigures } from './format.ts';

/** The version of the report's own rules (what counts, categories, suppression, indicators), as the 说明 sheet states them. */
export const REPORT_RULES_VERSION = '2026.12';
/** Rows without grouping asked for: by agency and program, as every member unit receives them. */
export const DEFAULT_GROUPING: Dimension[] = ['AGENCY', 'PROGRAM'];
/** The code of the row that holds the small cells' figures together. */
export const FOLD_CODE = 'SMALL_CELLS';
export const FOLD_NAME = '1–2人小单元合并';

/** A row with the marks of suppression: `suppressed` when its figures are in the fold row. */
export interface MarkedRow extends ReportRow {
  suppressed: boolean;
  /** A cell of one or two persons (shown as <3 where suppression applies). */
  small: boolean;
  /** The row holding the folded cells' figures. */
  fold: boolean;
}

export interface MarkedReport extends Omit<QuarterlyReport, 'rows' | 'totals'> {
  rows: MarkedRow[];
  totals: MarkedRow;
  suppression: boolean;
}

export interface MarkedIndicator extends IndicatorRow {
  suppressed: boolean;
  small: boolean;
  fold: boolean;
}

const DIM_KEYS = { SYSTEM: 'system', AGENCY: 'agency', PROGRAM: 'program', COUNTY: 'county', CITY: 'city', CATEGORY: 'category' } as const;
const zeroRow = (r: ReportRow): ReportRow => ({ ...r, persons: 0, personTimes: 0, amount: 0n, duplicateCount: 0, duplicateAmount: 0n, excess: 0n });
const allZero = (r: ReportRow) => r.persons === 0 && r.personTimes === 0 && r.amount === 0n && r.duplicateCount === 0 && r.duplicateAmount === 0n && r.excess === 0n;

/** Drops all-zero rows and, with `suppress`, folds the small cells (src/reports/suppress.ts). */
export async function markReport(db: Db, report: QuarterlyReport, suppress: boolean): Promise<MarkedReport> {
  const kept = report.rows.filter((r) => !allZero(r));
  const mark = (r: ReportRow, m: Partial<MarkedRow> = {}): MarkedRow => ({ ...r, suppressed: false, small: false, fold: false, ...m });
  const totals = mark(report.totals, { small: suppress && isSmall(report.totals.persons) });
  if (!suppress || report.groupBy.length === 0) return { ...report, rows: kept.map((r) => mark(r)), totals, suppression: suppress };
  const dims = report.groupBy;
  const s = await suppressSmallCells(
    kept.map((r) => ({
      key: dims.map((d) => r[DIM_KEYS[d]]),
      persons: r.persons,
      metrics: { personTimes: r.personTimes, amount: r.amount, duplicateCount: r.duplicateCount, duplicateAmount: r.duplicateAmount, excess: r.excess },
    })),
    (keys) => personsInGroups(db, report.year, report.quarter, dims, keys),
  );
  const rowsOut = kept.map((r, i) => {
    const c = s.cells[i]!;
    return c.folded ? mark({ ...zeroRow(r), persons: c.small ? 0 : r.persons }, { suppressed: true, small: c.small }) : mark(r);
  });
  if (s.fold) {
    const f = Object.fromEntries(dims.map((d) => [DIM_KEYS[d], FOLD_CODE]));
    rowsOut.push(mark({ ...zeroRow(report.totals), ...f, ...s.fold.metrics, persons: isSmall(s.fold.persons) ? 0 : s.fold.persons } as ReportRow, { fold: true, small: isSmall(s.fold.persons) }));
  }
  return { ...report, rows: rowsOut, totals: totals.small ? { ...totals, persons: 0 } : totals, suppression: true };
}

async function markIndicators(db: Db, year: number, quarter: number, dims: Dimension[], suppress: boolean): Promise<{ rows: MarkedIndicator[]; totals: MarkedIndicator }> {
  const { rows: raw, totals } = await quarterIndicators(db, year, quarter, dims);
  const mark = (r: IndicatorRow, m: Partial<MarkedIndicator> = {}): MarkedIndicator => ({ ...r, suppressed: false, small: false, fold: false, ...m });
  const zero = (r: IndicatorRow): IndicatorRow => ({ ...r, persons: 0, stays: 0, keyStays: 0, keyPolicyScope: 0n, keyCovered: 0n, burdenLeft: 0n, missedAssistance: 0, warningsOpened: 0, warningsClosed: 0 });
  const t = mark(suppress && isSmall(totals.persons) ? { ...totals, persons: 0 } : totals, { small: suppress && isSmall(totals.persons) });
  if (!suppress) return { rows: raw.map((r) => mark(r)), totals: t };
  const key = (r: IndicatorRow) => dims.map((d) => r[DIM_KEYS[d] as 'county' | 'city' | 'category']);
  const s = await suppressSmallCells(
    raw.map((r) => ({
      key: key(r),
      persons: r.persons,
      metrics: { stays: r.stays, keyStays: r.keyStays, keyPolicyScope: r.keyPolicyScope, keyCovered: r.keyCovered, burdenLeft: r.burdenLeft, missedAssistance: r.missedAssistance, warningsOpened: r.warningsOpened, warningsClosed: r.warningsClosed },
    })),
    (keys) => indicatorPersonsInGroups(db, year, quarter, dims, keys),
  );
  const out = raw.map((r, i) => {
    const c = s.cells[i]!;
    return c.folded ? mark({ ...zero(r), persons: c.small ? 0 : r.persons }, { suppressed: true, small: c.small }) : mark(r);
  });
  if (s.fold) {
    const f = Object.fromEntries(dims.map((d) => [DIM_KEYS[d], FOLD_CODE]));
    out.push(mark({ ...zero(totals), county: null, city: null, category: null, ...f, ...s.fold.metrics, persons: isSmall(s.fold.persons) ? 0 : s.fold.persons } as IndicatorRow, { fold: true, small: isSmall(s.fold.persons) }));
  }
  return { rows: out, totals: t };
}

/* ------------------------------------------------------------------ the document (JSON, as every file renders it) */

const named = (code: string | null, name: (c: string | null) => string | null) => (code === FOLD_CODE ? FOLD_NAME : name(code));

/** Region and category with their names, and the persons as distributed (`<3` where suppressed): rows and indicators alike. */
function regionCategoryPersons(r: MarkedRow | MarkedIndicator, suppression: boolean) {
  return {
    county: r.county,
    countyName: named(r.county, countyName),
    city: r.city,
    cityName: named(r.city, cityName),
    category: r.category,
    categoryName: named(r.category, categoryName),
    persons: r.persons,
    personsText: r.small ? personsText(1, true) : personsText(r.persons, suppression),
  };
}

function rowDoc(r: MarkedRow, suppression: boolean) {
  return {
    system: r.system,
    systemName: named(r.system, systemName),
    agency: r.agency,
    agencyName: named(r.agency, agencyName),
    program: r.program,
    programName: named(r.program, programName),
    ...regionCategoryPersons(r, suppression),
    personTimes: r.personTimes,
    amount: formatYuan(r.amount),
    duplicateCount: r.duplicateCount,
    duplicateAmount: formatYuan(r.duplicateAmount),
    excess: formatYuan(r.excess),
    suppressed: r.suppressed,
    fold: r.fold,
  };
}

function indicatorDoc(r: MarkedIndicator, suppression: boolean) {
  const bp = ratioBasisPoints(r.keyCovered, r.keyPolicyScope);
  return {
    ...regionCategoryPersons(r, suppression),
    stays: r.stays,
    keyStays: r.keyStays,
    keyPolicyScope: formatYuan(r.keyPolicyScope),
    keyCovered: formatYuan(r.keyCovered),
    /** Percent with two decimals ("70.12"); null without key-recipient cost or where suppressed. */
    keyRatio: r.suppressed || bp === null ? null : (bp / 100).toFixed(2),
    burdenLeft: formatYuan(r.burdenLeft),
    missedAssistance: r.missedAssistance,
    warningsOpened: r.warningsOpened,
    warningsClosed: r.warningsClosed,
    suppressed: r.suppressed,
    fold: r.fold,
  };
}

export type DocRow = ReturnType<typeof rowDoc>;
export type DocIndicator = ReturnType<typeof indicatorDoc>;

export interface ReportDocument {
  year: number;
  quarter: number;
  from: string;
  to: string;
  groupBy: Dimension[];
  indicatorGroupBy: Dimension[];
  /** Small cells suppressed (what member units receive) or whole (the platform). */
  suppression: boolean;
  /**
   * PUBLISHED: the document as issued; LIVE: today's figures of a quarter already published (they may differ
   * from the issued ones); PROVISIONAL: a quarter not published yet.
   */
  status: 'PUBLISHED' | 'LIVE' | 'PROVISIONAL';
  /** When the quarter was published (for LIVE too); null while it is not. */
  publishedAt: string | null;
  generatedAt: string;
  /** When the latest delivery was applied (ISO 8601, UTC); null before any. */
  dataAsOf: string | null;
  rulesVersion: string;
  hubVersion: string;
  policies: Array<{ code: string; version: number; title: string; effectiveFrom: string }>;
  rows: DocRow[];
  totals: DocRow;
  funds: Array<{
    fund: string;
    agency: string | null;
    agencyName: string | null;
    program: string | null;
    programName: string | null;
    opening: string;
    inflows: string;
    outflows: string;
    closing: string;
    overdrawn: boolean;
    paidNotArrived: string;
  }>;
  indicators: DocIndicator[];
  indicatorTotals: DocIndicator;
}

export interface DocumentOptions {
  groupBy?: readonly Dimension[];
  suppress: boolean;
  /** Generated at (default: now). */
  now?: Date;
  /** Set for the document of a published quarter: its publication time, also its "generated at". */
  publishedAt?: string | null;
}

export async function reportDocument(db: Db, year: number, quarter: number, o: DocumentOptions): Promise<ReportDocument> {
  const groupBy = o.groupBy && o.groupBy.length > 0 ? [...new Set(o.groupBy)] : [...DEFAULT_GROUPING];
  const marked = await markReport(db, await quarterlyReport(db, year, quarter, groupBy), o.suppress);
  const iDims = indicatorGrouping(groupBy);
  const ind = await markIndicators(db, year, quarter, iDims, o.suppress);
  // The latest delivery applied
  const asOf = await store.dataAsOf(db);
  // The versions in force on the quarter's last day
  const policies = await store.policiesInForce(db, marked.to);
  // Whether (and when) the quarter was published
  const issued = o.publishedAt ? null : await store.issuedAt(db, year, quarter);
  const publishedAt = o.publishedAt ?? issued ?? null;
  return {
    year,
    quarter,
    from: marked.from,
    to: marked.to,
    groupBy,
    indicatorGroupBy: iDims,
    suppression: o.suppress,
    status: o.publishedAt ? 'PUBLISHED' : publishedAt ? 'LIVE' : 'PROVISIONAL',
    publishedAt,
    generatedAt: o.publishedAt ?? (o.now ?? new Date()).toISOString(),
    dataAsOf: asOf,
    rulesVersion: REPORT_RULES_VERSION,
    hubVersion,
    policies: policies.map((p) => ({ code: p.code, version: Number(p.version), title: p.title, effectiveFrom: p.effective_from })),
    rows: marked.rows.map((r) => rowDoc(r, o.suppress)),
    totals: rowDoc(marked.totals, o.suppress),
    funds: marked.funds.map((f) => ({
      fund: f.fund,
      agency: f.agency,
      agencyName: agencyName(f.agency),
      program: f.program,
      programName: programName(f.program),
      ...fundFigures(f),
    })),
    indicators: ind.rows.map((r) => indicatorDoc(r, o.suppress)),
    indicatorTotals: indicatorDoc(ind.totals, o.suppress),
  };
}
