/** Resolvers of the quarterly report. */
import type { HubContext } from '../graphql/context.ts';
import { quarterlyReport, type Dimension, type FundQuarter, type QuarterlyReport, type ReportRow } from './quarterly.ts';
import { adjustmentsBefore, publishedReport, publishQuarter, type Published } from './publish.ts';

export const reportResolvers = {
  Query: {
    quarterlyReport: (_: unknown, args: { year: number; quarter: number; groupBy?: Dimension[] | null }, ctx: HubContext) =>
      quarterlyReport(ctx.database.db, args.year, args.quarter, args.groupBy ?? []),
    publishedQuarterlyReport: (_: unknown, args: { year: number; quarter: number }, ctx: HubContext) => publishedReport(ctx.database.db, args.year, args.quarter),
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
  },
  ReportRow: {
    amount: (r: ReportRow) => r.amount,
    duplicateAmount: (r: ReportRow) => r.duplicateAmount,
    excess: (r: ReportRow) => r.excess,
  },
  FundQuarter: {
    opening: (f: FundQuarter) => f.opening,
  },
};
