/**
 * Resolvers of the quarterly report. The platform sees the figures whole; every other role gets them with small
 * cells suppressed (src/reports/suppress.ts), in the same types: a suppressed row reads 0 with `suppressed`
 * true, and its figures are in the `fold` row, so that rows still add up to the totals.
 */
import type { HubContext } from '../graphql/context.ts';
import { agencyName, categoryName, cityName, countyName, programName, systemName } from '../names.ts';
import { quarterlyReport, type Dimension, type FundQuarter, type QuarterlyReport, type ReportRow } from './quarterly.ts';
import { adjustmentsBefore, publishedReport, publishQuarter, type Published } from './publish.ts';
import { FOLD_CODE, FOLD_NAME, markReport, reportDocument, DEFAULT_GROUPING, type MarkedRow } from './document.ts';
import { documentFile, type FileFormat } from './bundle.ts';
import type { Section } from './format.ts';
import { personsText } from './suppress.ts';

/** Whether an answer goes out whole: the platform (and calls outside HTTP). */
const whole = (ctx: HubContext) => !ctx.principal || ctx.principal.role === 'PLATFORM';
const named = (name: (c: string | null) => string | null) => (code: string | null) => (code === FOLD_CODE ? FOLD_NAME : name(code));
type Row = ReportRow & Partial<Pick<MarkedRow, 'suppressed' | 'fold' | 'small'>>;

export const reportResolvers = {
  Query: {
    quarterlyReport: async (_: unknown, args: { year: number; quarter: number; groupBy?: Dimension[] | null }, ctx: HubContext) => {
      const report = await quarterlyReport(ctx.database.db, args.year, args.quarter, args.groupBy ?? []);
      return whole(ctx) ? { ...report, suppressed: false } : { ...(await markReport(ctx.database.db, report, true)), suppressed: true };
    },
    publishedQuarterlyReport: (_: unknown, args: { year: number; quarter: number }, ctx: HubContext) => publishedReport(ctx.database.db, args.year, args.quarter),
    quarterlyReportFile: async (
      _: unknown,
      args: { year: number; quarter: number; format: 'XLSX' | 'CSV' | 'JSON'; groupBy?: Dimension[] | null; section?: 'SUMMARY' | 'FUNDS' | 'INDICATORS' | null },
      ctx: HubContext,
    ) => {
      const db = ctx.database.db;
      const groupBy = args.groupBy && args.groupBy.length > 0 ? args.groupBy : DEFAULT_GROUPING;
      const asIssued = !whole(ctx) && groupBy.join() === DEFAULT_GROUPING.join() ? (await publishedReport(db, args.year, args.quarter))?.document : null;
      const doc = asIssued ?? (await reportDocument(db, args.year, args.quarter, { groupBy, suppress: !whole(ctx) }));
      const f = await documentFile(doc, args.format.toLowerCase() as FileFormat, (args.section ?? 'SUMMARY').toLowerCase() as Section);
      return { filename: f.filename, contentType: f.contentType, base64: f.bytes.toString('base64'), sha256: f.sha256 };
    },
  },
  Mutation: {
    publishQuarterlyReport: (_: unknown, args: { year: number; quarter: number }, ctx: HubContext) => publishQuarter(ctx.database.db, args.year, args.quarter, ctx.actor),
  },
  QuarterlyReport: {
    adjustments: (r: QuarterlyReport, _: unknown, ctx: HubContext) => adjustmentsBefore(ctx.database.db, r.year, r.quarter),
    publishedAt: async (r: QuarterlyReport, _: unknown, ctx: HubContext) => {
      const p = await publishedReport(ctx.database.db, r.year, r.quarter);
      return p ? new Date(p.publishedAt) : null;
    },
  },
  PublishedReport: {
    publishedAt: (p: Published) => new Date(p.publishedAt),
    // As issued: the platform's figures whole; every other role the document member units received (suppressed).
    report: (p: Published, _: unknown, ctx: HubContext) => (whole(ctx) || !p.document ? p.report : p.document),
  },
  ReportRow: {
    amount: (r: ReportRow) => r.amount,
    duplicateAmount: (r: ReportRow) => r.duplicateAmount,
    excess: (r: ReportRow) => r.excess,
    systemName: (r: Row) => named(systemName)(r.system),
    agencyName: (r: Row) => named(agencyName)(r.agency),
    programName: (r: Row) => named(programName)(r.program),
    countyName: (r: Row) => named(countyName)(r.county),
    cityName: (r: Row) => named(cityName)(r.city),
    categoryName: (r: Row) => named(categoryName)(r.category),
    suppressed: (r: Row) => r.suppressed ?? false,
    fold: (r: Row) => r.fold ?? false,
    personsText: (r: Row) => (r.small ? personsText(1, true) : String(r.persons)),
  },
  FundQuarter: {
    opening: (f: FundQuarter) => f.opening,
  },
};
