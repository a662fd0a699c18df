/** Resolvers of the fund pool and of the aid lifecycle through the API. */
import type { HubContext } from '../graphql/context.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import type { AidRow } from '../recipients/store.ts';
import { fundBalances, fundTransactions, type FundRow, type TxRow } from './store.ts';
import * as service from './service.ts';
import { listScope, requireRecordInReach } from '../access/guard.ts';
import { overdrawn } from '../shared/rules.ts';

function numericId(raw: string, argument: string): number {
  if (!/^\d{1,18}$/.test(raw)) throw new HubError(ErrorCode.BAD_USER_INPUT, `${argument} is not a valid id`, { argument });
  return Number(raw);
}

async function aidOrFail(ctx: HubContext, id: number): Promise<AidRow> {
  const a = await ctx.loaders.aidById.load(id);
  if (!a) throw new HubError(ErrorCode.NOT_FOUND, `no aid record ${id}`);
  return a;
}

export const ledgerResolvers = {
  Query: {
    funds: (_: unknown, __: unknown, ctx: HubContext) => fundBalances(ctx.database.db),
    fund: async (_: unknown, args: { code: string }, ctx: HubContext) => (await fundBalances(ctx.database.db, args.code))[0] ?? null,
    paidNotArrived: async (_: unknown, args: { days?: number | null; first?: number | null; after?: string | null }, ctx: HubContext) => {
      const days = args.days ?? 30;
      if (!Number.isInteger(days) || days < 0 || days > 3650) throw new HubError(ErrorCode.BAD_USER_INPUT, 'days must be between 0 and 3650', { argument: 'days' });
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('aid', args.after)) : 0;
      // A caseworker follows up its own agency's payments to persons of its county.
      const page = await service.paidNotArrived(ctx.database, { days, afterId, limit, reach: listScope(ctx) });
      const nodes = (await ctx.loaders.aidById.loadMany(page.ids.slice(0, limit))) as AidRow[];
      const edges = nodes.map((node) => ({ cursor: encodeCursor('aid', node.id), node }));
      return { totalCount: page.total, totalAmount: page.amountFen, edges, pageInfo: { hasNextPage: page.ids.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Mutation: {
    allocateFunds: async (_: unknown, args: { fund: string; amount: bigint; note: string }, ctx: HubContext) => {
      const id = await service.allocateFunds(ctx.database, args.fund, args.amount, args.note, ctx.actor);
      return { ...(await fundTransactions(ctx.database.db, args.fund, null, 1, id)).items[0]!, fundCode: args.fund };
    },
    recordAid: async (_: unknown, args: { input: service.RecordAidInput }, ctx: HubContext) => {
      const r = await service.recordAid(ctx.database, args.input, ctx.actor);
      if (r.kind === 'AidRefused') return r;
      return { kind: r.kind, overridden: r.overridden, aid: await aidOrFail(ctx, r.aidId) };
    },
    confirmArrival: async (_: unknown, args: { aidId: string; at?: Date | null }, ctx: HubContext) => {
      const id = numericId(args.aidId, 'aidId');
      await requireRecordInReach(ctx, await aidOrFail(ctx, id));
      await service.confirmArrival(ctx.database, id, args.at ?? new Date());
      ctx.loaders.aidById.clear(id);
      return aidOrFail(ctx, id);
    },
    reverseAid: async (_: unknown, args: { aidId: string; reason: string }, ctx: HubContext) => {
      const id = numericId(args.aidId, 'aidId');
      await requireRecordInReach(ctx, await aidOrFail(ctx, id));
      await service.reverseAid(ctx.database, id, args.reason);
      ctx.loaders.aidById.clear(id);
      return aidOrFail(ctx, id);
    },
  },
  RecordAidResult: {
    __resolveType: (r: { kind: string }) => r.kind,
  },
  Fund: {
    balance: (f: FundRow) => f.balanceFen,
    inflows: (f: FundRow) => f.inflowsFen,
    outflows: (f: FundRow) => f.outflowsFen,
    overdrawn: (f: FundRow) => overdrawn(f.balanceFen),
    transactions: async (f: FundRow, args: { first?: number | null; after?: string | null }, ctx: HubContext) => {
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('tx', args.after)) : null;
      const r = await fundTransactions(ctx.database.db, f.code, afterId, limit);
      const edges = r.items.slice(0, limit).map((node) => ({ cursor: encodeCursor('tx', node.id), node }));
      return { totalCount: r.total, edges, pageInfo: { hasNextPage: r.items.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  LedgerTransaction: {
    id: (t: TxRow) => String(t.id),
    occurredAt: (t: TxRow) => new Date(t.occurredAt),
    bookedAt: (t: TxRow) => new Date(t.bookedAt),
    amount: (t: TxRow) => t.amountFen,
    aid: (t: TxRow, _: unknown, ctx: HubContext) => (t.aidId ? ctx.loaders.aidById.load(t.aidId) : null),
  },
  LedgerPosting: {
    amount: (p: { amountFen: bigint }) => p.amountFen,
    personId: (p: { personId: number | null }) => (p.personId === null ? null : String(p.personId)),
  },
};
