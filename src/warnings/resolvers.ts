/** Resolvers of early warnings. */
import { cityOf, HAINAN_COUNTIES } from '../identity/regions.ts';
import { listScope } from '../access/guard.ts';
import type { HubContext } from '../graphql/context.ts';
import type { PersonRow } from '../recipients/store.ts';
import { recipientResolvers } from '../recipients/resolvers.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { listWarnings, type WarningRow } from './store.ts';

export const warningResolvers = {
  Query: {
    earlyWarnings: async (
      _: unknown,
      args: { kind?: string | null; county?: string | null; first?: number | null; after?: string | null; includeClosed?: boolean | null },
      ctx: HubContext,
    ) => {
      const county = args.county?.trim() || null;
      if (county !== null && !/^\d{4}(\d{2})?$/.test(county)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'county is a 6-digit county or 4-digit city code', { argument: 'county' });
      // Compared exactly: a county, or the current counties of a city (cityOf, as the reports roll them up).
      let counties = county === null ? null : county.length === 6 ? [county] : Object.keys(HAINAN_COUNTIES).filter((c) => cityOf(c) === county);
      // A caseworker watches its own county (asking for another is refused by the access rule).
      const scope = listScope(ctx);
      if (scope) counties = [scope.county];
      const limit = pageSize(args.first);
      const afterId = args.after ? Number(decodeCursor('warning', args.after)) : 0;
      const { rows: r, total } = await listWarnings(ctx.database.db, { kind: args.kind ?? null, counties, includeClosed: !!args.includeClosed, afterId, limit });
      const edges = r.slice(0, limit).map((node) => ({ cursor: encodeCursor('warning', node.id), node }));
      return { totalCount: total, edges, pageInfo: { hasNextPage: r.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Person: {
    // One statement for every person of the request (DataLoader), its own warnings and its household's.
    warnings: (p: PersonRow, _: unknown, ctx: HubContext) => ctx.loaders.warningsOfPerson.load(p.id),
  },
  Warning: {
    household: (w: WarningRow, _: unknown, ctx: HubContext) => (w.household_id === null ? null : recipientResolvers.Query.household(undefined, { id: w.household_id }, ctx)),
    person: (w: WarningRow, _: unknown, ctx: HubContext) => (w.person_id ? ctx.loaders.personById.load(Number(w.person_id)) : null),
    settlement: (w: WarningRow, _: unknown, ctx: HubContext) => (w.settlement_id ? ctx.loaders.settlementById.load(w.settlement_id) : null),
    county: (w: WarningRow) => w.county_code,
    openedAt: (w: WarningRow) => new Date(w.opened_at),
    closedAt: (w: WarningRow) => (w.closed_at ? new Date(w.closed_at) : null),
    policyCode: (w: WarningRow) => w.policy_code,
    policyVersion: (w: WarningRow) => Number(w.policy_version),
  },
};
