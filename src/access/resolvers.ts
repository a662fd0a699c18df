/** Resolvers of the access log. */
import type { HubContext } from '../graphql/context.ts';
import { normalizeIdNumber } from '../identity/id-number.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { listAccessLog, type AccessLogRow } from './store.ts';

export const accessResolvers = {
  Query: {
    accessLog: async (
      _: unknown,
      args: { subjectIdNumber?: string | null; actor?: string | null; from?: Date | null; to?: Date | null; first?: number | null; after?: string | null },
      ctx: HubContext,
    ) => {
      let subject: string | null = null;
      if (args.subjectIdNumber) {
        const id = normalizeIdNumber(args.subjectIdNumber);
        if (!id.ok) throw new HubError(ErrorCode.INVALID_ID_NUMBER, id.message, { argument: 'subjectIdNumber' });
        subject = id.idNumber;
      }
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('access', args.after)) : null;
      const r = await listAccessLog(ctx.database.db, { subjectIdNumber: subject, actor: args.actor, from: args.from, to: args.to, afterId, limit });
      const edges = r.items.map((node) => ({ cursor: encodeCursor('access', node.id), node }));
      return { totalCount: r.total, edges, pageInfo: { hasNextPage: r.hasNext, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  AccessLogEntry: {
    at: (e: AccessLogRow) => new Date(e.at),
    actorRole: (e: AccessLogRow) => e.actor_role,
    actorAgency: (e: AccessLogRow) => e.actor_agency,
    actorCounty: (e: AccessLogRow) => e.actor_county,
    subjectIdNumber: (e: AccessLogRow) => e.subject_id_number,
  },
};
