/** Resolvers of the recipient view: thin, translating arguments and calling the store through loaders. */
import type { HubContext } from '../graphql/context.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { normalizeIdNumber } from '../identity/id-number.ts';
import { sliceConnection } from '../shared/connection.ts';
import type { AidRow, HouseholdRow, MemberRow, PersonRow, SettlementRow, StatusRow } from './store.ts';
import * as store from './store.ts';

interface AidFilter {
  from?: string | null;
  to?: string | null;
  system?: string | null;
  program?: string | null;
  status?: string | null;
  includeDuplicates?: boolean | null;
}

function filterAid(all: AidRow[], f: AidFilter | null | undefined): AidRow[] {
  if (!f) return all.filter((a) => a.duplicateOf === null);
  return all.filter(
    (a) =>
      (f.includeDuplicates || a.duplicateOf === null) &&
      (!f.from || (a.paidOn !== null && a.paidOn >= f.from)) &&
      (!f.to || (a.paidOn !== null && a.paidOn <= f.to)) &&
      (!f.system || a.system === f.system) &&
      (!f.program || a.program === f.program) &&
      (!f.status || a.status === f.status),
  );
}

export function countedAmount(aid: AidRow[]): bigint {
  let sum = 0n;
  for (const a of aid) if (a.status !== 'REVERSED' && a.duplicateOf === null) sum += a.amountFen;
  return sum;
}

async function lookupPerson(ctx: HubContext, raw: string): Promise<PersonRow | null> {
  const id = normalizeIdNumber(raw);
  if (!id.ok) throw new HubError(ErrorCode.INVALID_ID_NUMBER, id.message, { argument: 'idNumber' });
  const p = await store.personByIdNumber(ctx.database.db, id.idNumber);
  if (!p || p.mergedInto === null) return p;
  return ctx.loaders.personById.load(p.mergedInto);
}

export const recipientResolvers = {
  Query: {
    person: (_: unknown, args: { idNumber: string }, ctx: HubContext) => lookupPerson(ctx, args.idNumber),
    household: async (_: unknown, args: { id: string }, ctx: HubContext) => {
      if (!/^\d{1,18}$/.test(args.id)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'household id is not valid', { argument: 'id' });
      return store.householdById(ctx.database.db, Number(args.id));
    },
    settlement: (_: unknown, args: { settlementId: string }, ctx: HubContext) => ctx.loaders.settlementById.load(args.settlementId.trim()),
  },
  Person: {
    id: (p: PersonRow) => String(p.id),
    provisional: (p: PersonRow) => p.idNumber === null,
    county: (p: PersonRow) => p.countyCode,
    statuses: async (p: PersonRow, args: { asOf?: string | null }, ctx: HubContext) => {
      const all = await ctx.loaders.statusesByPerson.load(p.id);
      if (!args.asOf) return all;
      const d = args.asOf;
      return all.filter((s) => s.validFrom <= d && (s.validTo === null || s.validTo >= d));
    },
    household: (p: PersonRow, _: unknown, ctx: HubContext) => ctx.loaders.householdByPerson.load(p.id),
    settlements: (p: PersonRow, _: unknown, ctx: HubContext) => ctx.loaders.settlementsByPerson.load(p.id),
    aid: async (p: PersonRow, args: { first?: number | null; after?: string | null; filter?: AidFilter | null }, ctx: HubContext) => {
      const matching = filterAid(await ctx.loaders.aidByPerson.load(p.id), args.filter);
      return {
        totalCount: matching.length,
        totalAmount: countedAmount(matching),
        ...sliceConnection('aid', matching, (a) => a.id, args.first, args.after),
      };
    },
  },
  Status: {
    system: (s: StatusRow) => s.sourceSystem,
    county: (s: StatusRow) => s.countyCode,
  },
  Household: {
    id: (h: HouseholdRow) => String(h.id),
    system: (h: HouseholdRow) => h.sourceSystem,
    members: (h: HouseholdRow, _: unknown, ctx: HubContext) => ctx.loaders.membersByHousehold.load(h.id),
    annualIncome: async (h: HouseholdRow, _: unknown, ctx: HubContext) => {
      if (h.annualIncomeFen !== null) return h.annualIncomeFen;
      if (h.perCapitaIncomeFen === null) return null;
      const members = await ctx.loaders.membersByHousehold.load(h.id);
      return h.perCapitaIncomeFen * BigInt(members.length);
    },
  },
  HouseholdMember: {
    person: (m: MemberRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(m.personId),
  },
  AidRecord: {
    id: (a: AidRow) => String(a.id),
    amount: (a: AidRow) => a.amountFen,
    settlement: (a: AidRow, _: unknown, ctx: HubContext) => (a.settlementRef ? ctx.loaders.settlementById.load(a.settlementRef) : null),
    person: (a: AidRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(a.personId),
  },
  Settlement: {
    person: (s: SettlementRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(s.personId),
    total: (s: SettlementRow) => s.totalFen,
    insurancePayments: (s: SettlementRow) => s.basicFen + s.criticalFen + s.supplementFen,
    assistanceFundPaid: (s: SettlementRow) => s.assistanceFen,
    burden: (s: SettlementRow) => s.burdenFen,
    aid: (s: SettlementRow, _: unknown, ctx: HubContext) => ctx.loaders.aidBySettlement.load(s.settlementId),
  },
};
