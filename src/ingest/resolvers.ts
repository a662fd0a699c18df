/** Resolvers of ingestion: the systems, the quarantine, the runs, the `ingest` mutation. */
import type { HubContext } from '../graphql/context.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { fundCodeOf } from '../codes.ts';
import { describeSystems, ingestContent } from './service.ts';
import { listQuarantine, type QuarantineRow } from './quarantine.ts';
import { reprocessQuarantined } from './reprocess.ts';
import type { RunStatus } from './runs.ts';
import { listRuns } from './store.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';

export const ingestResolvers = {
  Query: {
    systems: () => describeSystems(),
    quarantine: async (
      _: unknown,
      args: { system?: string | null; first?: number | null; after?: string | null; includeResolved?: boolean | null },
      ctx: HubContext,
    ) => {
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('quarantine', args.after)) : null;
      const r = await listQuarantine(ctx.database.db, { system: args.system, afterId, limit, includeResolved: !!args.includeResolved });
      const edges = r.items.map((node) => ({ cursor: encodeCursor('quarantine', node.id), node }));
      return { totalCount: r.total, edges, pageInfo: { hasNextPage: r.hasNext, endCursor: edges.at(-1)?.cursor ?? null } };
    },
    ingestRuns: async (_: unknown, args: { status?: RunStatus | null; first?: number | null; after?: string | null }, ctx: HubContext) => {
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('run', args.after)) : null;
      const r = await listRuns(ctx.database.db, { status: args.status, afterId, limit });
      const edges = r.items.map((node) => ({ cursor: encodeCursor('run', node.id), node: { ...node, id: String(node.id) } }));
      return { totalCount: r.total, edges, pageInfo: { hasNextPage: r.hasNext, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Mutation: {
    ingest: (
      _: unknown,
      args: { system: string; content: string; encoding?: 'TEXT' | 'BASE64' | null; fileName?: string | null },
      ctx: HubContext,
    ) =>
      ingestContent(ctx.database, args.system, args.content, args.encoding ?? 'TEXT', args.fileName ?? null).then((summary) => {
        ctx.onIngest?.(summary);
        return summary;
      }),
    reprocessQuarantined: (_: unknown, args: { id: string; corrections?: unknown }, ctx: HubContext) => {
      if (!/^\d{1,18}$/.test(args.id)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'quarantine id is not valid', { argument: 'id' });
      return reprocessQuarantined(ctx.database, Number(args.id), args.corrections ?? null);
    },
  },
  Program: {
    fundCode: (p: { code: string }) => fundCodeOf(p.code),
  },
  QuarantineItem: {
    id: (q: QuarantineRow) => String(q.id),
    quarantinedAt: (q: QuarantineRow) => q.createdAt,
  },
};
