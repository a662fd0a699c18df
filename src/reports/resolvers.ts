/** Resolvers of the quarterly report. */
import type { HubContext } from '../graphql/context.ts';
import { quarterlyReport, type Dimension, type FundQuarter, type ReportRow } from './quarterly.ts';

export const reportResolvers = {
  Query: {
    quarterlyReport: (_: unknown, args: { year: number; quarter: number; groupBy?: Dimension[] | null }, ctx: HubContext) =>
      quarterlyReport(ctx.database.db, args.year, args.quarter, args.groupBy ?? []),
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
