/** Resolvers of early warnings. */
import { sql } from 'drizzle-orm';
import { A, rows } from '../db/client.ts';
import { cityOf, HAINAN_COUNTIES } from '../identity/regions.ts';
import { listScope } from '../access/guard.ts';
import type { HubContext } from '../graphql/context.ts';
import type { PersonRow } from '../recipients/store.ts';
import { recipientResolvers } from '../recipients/resolvers.ts';
import { decodeCursor, encodeCursor, pageSize } from '../shared/connection.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';

interface WarningRow {
  id: string;
  kind: string;
  household_id: string | null;
  person_id: string | null;
  settlement_id: string | null;
  county_code: string | null;
  opened_at: string;
  closed_at: string | null;
  evidence: unknown;
  policy_code: string;
  policy_version: number;
}

const COLUMNS = sql`id::text, kind, household_id::text, person_id::text, settlement_id, county_code,
  to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS opened_at,
  to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closed_at, evidence, policy_code, policy_version`;

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
      const where = sql`(${args.kind ?? null}::text IS NULL OR kind = ${args.kind ?? null})
        AND (${counties === null}::boolean OR county_code = ANY(${A(counties ?? [])}::text[]))
        AND (${!!args.includeClosed}::boolean OR closed_at IS NULL)`;
      const r = await rows<WarningRow>(ctx.database.db, sql`/* warnings.list */ SELECT ${COLUMNS} FROM warnings WHERE ${where} AND id > ${afterId} ORDER BY id LIMIT ${limit + 1}`);
      const total = await rows<{ n: string }>(ctx.database.db, sql`SELECT count(*)::text AS n FROM warnings WHERE ${where}`);
      const edges = r.slice(0, limit).map((node) => ({ cursor: encodeCursor('warning', node.id), node }));
      return { totalCount: Number(total[0]!.n), edges, pageInfo: { hasNextPage: r.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Person: {
    warnings: async (p: PersonRow, _: unknown, ctx: HubContext) => {
      const h = await ctx.loaders.householdByPerson.load(p.id);
      return rows<WarningRow>(
        ctx.database.db,
        sql`/* warnings.of-person */ SELECT ${COLUMNS} FROM warnings WHERE person_id = ${p.id} OR household_id = ${h?.id ?? -1} ORDER BY id`,
      );
    },
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
