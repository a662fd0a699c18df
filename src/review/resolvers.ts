/** Resolvers of the review queue. */
import type { HubContext } from '../graphql/context.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { decisionsOf, openItems, parseItemId, relatedAid, resolveReview, type Decision, type DecisionRow, type ReviewItem, type ReviewKind } from './service.ts';
import type { AidRow } from '../recipients/store.ts';
import { systemsOfAgency } from '../access/policy.ts';
import { listScope, requireRecordInReach } from '../access/guard.ts';

const agencySystems = (ctx: HubContext) => (ctx.principal?.role === 'CASEWORKER' ? systemsOfAgency(ctx.principal.agency) : null);

export const reviewResolvers = {
  Query: {
    reviewQueue: async (_: unknown, args: { kind?: ReviewKind | null; first?: number | null; after?: string | null }, ctx: HubContext) => {
      const limit = pageSize(args.first);
      const after = args.after ? parseItemId(decodeCursor('review', args.after)) : null;
      const r = await openItems(ctx.database.db, args.kind ?? null, after, limit, listScope(ctx));
      const edges = r.items.map((node) => ({ cursor: encodeCursor('review', node.id), node }));
      return { totalCount: r.total, edges, pageInfo: { hasNextPage: r.hasNext, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Mutation: {
    resolveReview: async (_: unknown, args: { id: string; decision: Decision; reason: string }, ctx: HubContext) => {
      await requireRecordInReach(ctx, await ctx.loaders.aidById.load(parseItemId(args.id).aidId));
      return resolveReview(ctx.database, args.id, args.decision, args.reason, ctx.actor, agencySystems(ctx));
    },
  },
  ReviewItem: {
    aid: (i: ReviewItem, _: unknown, ctx: HubContext) => ctx.loaders.aidById.load(i.aidId),
    related: async (i: ReviewItem, _: unknown, ctx: HubContext) =>
      ((await ctx.loaders.aidById.loadMany(await relatedAid(ctx.database.db, i))) as (AidRow | null)[]).filter((a): a is AidRow => !!a && !(a instanceof Error)),
    history: (i: ReviewItem, _: unknown, ctx: HubContext) => decisionsOf(ctx.database.db, i.aidId, i.kind),
    decision: async (i: ReviewItem, _: unknown, ctx: HubContext) =>
      (await decisionsOf(ctx.database.db, i.aidId, i.kind)).filter((d) => d.lapsed_at === null).at(-1) ?? null,
  },
  ReviewDecision: {
    decidedBy: (d: DecisionRow) => d.decided_by,
    decidedAt: (d: DecisionRow) => new Date(d.decided_at),
    lapsedAt: (d: DecisionRow) => (d.lapsed_at === null ? null : new Date(d.lapsed_at)),
    lapseReason: (d: DecisionRow) => d.lapse_reason,
  },
};
