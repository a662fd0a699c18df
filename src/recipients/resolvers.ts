/** Resolvers of the recipient view: thin, translating arguments and calling the store through loaders. */
import { Kind, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { HubContext } from '../graphql/context.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { normalizeIdNumber } from '../identity/id-number.ts';
import { ageOn, todayCst } from '../identity/dates.ts';
import { sliceConnection } from '../shared/connection.ts';
import type { AidRow, HouseholdRow, MergeRow, PersonRow, SettlementRow, StatusRow } from './store.ts';
import { cityOf, HAINAN_COUNTIES } from '../identity/regions.ts';
import * as store from './store.ts';
import * as service from './service.ts';

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

/** A household as the view shows it: a recorded one, or the household of one of a person seen only elsewhere. */
export interface HouseholdView {
  id: string;
  key: string;
  system: string | null;
  recorded: HouseholdRow | null;
  soloPersonId: number | null;
}

interface MemberView {
  personId: number;
  relationship: string | null;
}

const recordedView = (h: HouseholdRow): HouseholdView => ({ id: String(h.id), key: h.key, system: h.sourceSystem, recorded: h, soloPersonId: null });
const soloView = (personId: number): HouseholdView => ({ id: `S${personId}`, key: `single:${personId}`, system: null, recorded: null, soloPersonId: personId });

async function membersOf(h: HouseholdView, ctx: HubContext): Promise<MemberView[]> {
  if (h.recorded) return ctx.loaders.membersByHousehold.load(h.recorded.id);
  return [{ personId: h.soloPersonId!, relationship: '本人' }];
}

function byPayment(a: AidRow, b: AidRow): number {
  return (a.paidOn ?? '9999').localeCompare(b.paidOn ?? '9999') || a.system.localeCompare(b.system) || a.recordId.localeCompare(b.recordId);
}

async function householdAid(h: HouseholdView, ctx: HubContext): Promise<AidRow[]> {
  const members = await membersOf(h, ctx);
  const lists = await Promise.all(members.map((m) => ctx.loaders.aidByPerson.load(m.personId)));
  return lists.flat().sort(byPayment);
}

async function householdSettlements(h: HouseholdView, ctx: HubContext): Promise<SettlementRow[]> {
  const members = await membersOf(h, ctx);
  const lists = await Promise.all(members.map((m) => ctx.loaders.settlementsByPerson.load(m.personId)));
  return lists
    .flat()
    .sort((a, b) => (a.dischargedOn ?? '').localeCompare(b.dischargedOn ?? '') || a.settlementId.localeCompare(b.settlementId));
}

function aidConnection(all: AidRow[], args: { first?: number | null; after?: string | null; filter?: AidFilter | null }) {
  const matching = filterAid(all, args.filter);
  return { totalCount: matching.length, totalAmount: service.countedAmount(matching), ...sliceConnection('aid', matching, (a) => a.id, args.first, args.after) };
}

/** Rule 6 on one stay, from the aid linked to it (the service computes it). */
async function capacityOf(s: SettlementRow, ctx: HubContext): Promise<service.Capacity> {
  return service.capacityOf(s, await ctx.loaders.aidBySettlement.load(s.settlementId));
}

/** Whether the field's own selection asks for `path` (e.g. household, then aid) by fields named directly (fragments are not followed). */
function selectsPath(info: GraphQLResolveInfo | undefined, path: string[]): boolean {
  let nodes: readonly FieldNode[] = info?.fieldNodes ?? [];
  for (const name of path) {
    nodes = nodes.flatMap((n) => (n.selectionSet?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name));
    if (nodes.length === 0) return false;
  }
  return true;
}

async function lookupPerson(ctx: HubContext, raw: string, info?: GraphQLResolveInfo): Promise<PersonRow | null> {
  const id = normalizeIdNumber(raw);
  if (!id.ok) throw new HubError(ErrorCode.INVALID_ID_NUMBER, id.message, { argument: 'idNumber' });
  if (selectsPath(info, ['household'])) {
    // The household is asked for (and perhaps its aid): fetch the person with its household, the members,
    // their persons (and their aid with the named settlements) in one statement and hand them to the
    // loaders, which would otherwise ask for them one after the other. The same rows in the same order, so
    // the answer is the same; fragments take the path below.
    const found = await store.personWithHousehold(ctx.database.db, id.idNumber, selectsPath(info, ['household', 'aid']));
    if (found && found.person.mergedInto === null) {
      const { loaders } = ctx;
      loaders.householdByPerson.prime(found.person.id, found.household);
      if (found.household) loaders.membersByHousehold.prime(found.household.id, found.members.map((m) => m.member));
      for (const m of found.members) loaders.personById.prime(m.person.id, m.person);
      if (found.aid) for (const [personId, aid] of found.aid) loaders.aidByPerson.prime(personId, aid);
      return found.person;
    }
    if (!found) return null;
    return ctx.loaders.personById.load(found.person.mergedInto!);
  }
  const p = await store.personByIdNumber(ctx.database.db, id.idNumber);
  if (!p || p.mergedInto === null) return p;
  return ctx.loaders.personById.load(p.mergedInto);
}

export const recipientResolvers = {
  Query: {
    person: (_: unknown, args: { idNumber: string }, ctx: HubContext, info?: GraphQLResolveInfo) => lookupPerson(ctx, args.idNumber, info),
    household: async (_: unknown, args: { id: string }, ctx: HubContext): Promise<HouseholdView | null> => {
      const solo = /^S(\d{1,18})$/.exec(args.id);
      if (solo) {
        const personId = Number(solo[1]);
        const [person, recorded] = await Promise.all([ctx.loaders.personById.load(personId), ctx.loaders.householdByPerson.load(personId)]);
        return person && person.mergedInto === null && !recorded ? soloView(personId) : null;
      }
      if (!/^\d{1,18}$/.test(args.id)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'household id is not valid', { argument: 'id' });
      const h = await store.householdById(ctx.database.db, Number(args.id));
      return h ? recordedView(h) : null;
    },
    settlement: (_: unknown, args: { settlementId: string }, ctx: HubContext) => ctx.loaders.settlementById.load(args.settlementId.trim()),
    aidCapacity: async (_: unknown, args: { settlementId: string }, ctx: HubContext) => {
      const s = await ctx.loaders.settlementById.load(args.settlementId.trim());
      return s ? capacityOf(s, ctx) : null;
    },
  },
  Mutation: {
    undoPersonMerge: async (_: unknown, args: { mergeId: string; reason: string }, ctx: HubContext) => {
      if (!/^\d{1,18}$/.test(args.mergeId)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'merge id is not valid', { argument: 'mergeId' });
      const reason = args.reason.trim();
      if (reason.length < 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'give the reason the merge was wrong', { argument: 'reason' });
      const id = Number(args.mergeId);
      const done = await service.undoPersonMerge(ctx.database, id, ctx.actor, reason);
      const merge = await store.mergeById(ctx.database.db, id);
      if (!merge) throw new HubError(ErrorCode.NOT_FOUND, `no person merge ${args.mergeId}`);
      if (!done) throw new HubError(ErrorCode.BAD_USER_INPUT, `person merge ${args.mergeId} was already undone`, { argument: 'mergeId' });
      return merge;
    },
  },
  PersonMerge: {
    id: (m: MergeRow) => String(m.id),
    fromPersonId: (m: MergeRow) => String(m.fromPersonId),
    into: (m: MergeRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(m.intoPersonId),
    provisionalKey: (m: MergeRow) => (m.evidence as { provisionalKey?: string } | null)?.provisionalKey ?? null,
    movedAid: (m: MergeRow) => ((m.evidence as { moved?: { aid?: unknown[] } } | null)?.moved?.aid?.length ?? 0),
  },
  Person: {
    id: (p: PersonRow) => String(p.id),
    // Masked by src/access/guard.ts for whoever may not see it whole, as is birthDate.
    idNumber: (p: PersonRow) => p.idNumber,
    age: (p: PersonRow) => (p.birthDate === null ? null : ageOn(p.birthDate, todayCst())),
    merges: (p: PersonRow, _: unknown, ctx: HubContext) => ctx.loaders.mergesByPerson.load(p.id),
    provisional: (p: PersonRow) => p.idNumber === null,
    county: (p: PersonRow) => p.countyCode,
    countyName: (p: PersonRow) => (p.countyCode ? (HAINAN_COUNTIES[p.countyCode] ?? null) : null),
    city: (p: PersonRow) => cityOf(p.countyCode),
    statuses: async (p: PersonRow, args: { asOf?: string | null }, ctx: HubContext) => {
      const all = await ctx.loaders.statusesByPerson.load(p.id);
      if (!args.asOf) return all;
      const d = args.asOf;
      return all.filter((s) => s.validFrom <= d && (s.validTo === null || s.validTo >= d));
    },
    household: async (p: PersonRow, _: unknown, ctx: HubContext): Promise<HouseholdView> => {
      const h = await ctx.loaders.householdByPerson.load(p.id);
      return h ? recordedView(h) : soloView(p.id);
    },
    settlements: (p: PersonRow, _: unknown, ctx: HubContext) => ctx.loaders.settlementsByPerson.load(p.id),
    aid: async (p: PersonRow, args: { first?: number | null; after?: string | null; filter?: AidFilter | null }, ctx: HubContext) =>
      aidConnection(await ctx.loaders.aidByPerson.load(p.id), args),
  },
  Status: {
    system: (s: StatusRow) => s.sourceSystem,
    county: (s: StatusRow) => s.countyCode,
  },
  Household: {
    key: (h: HouseholdView) => h.key,
    members: (h: HouseholdView, _: unknown, ctx: HubContext) => membersOf(h, ctx),
    annualIncome: async (h: HouseholdView, _: unknown, ctx: HubContext) => {
      const r = h.recorded;
      if (!r) return null;
      if (r.annualIncomeFen !== null) return r.annualIncomeFen;
      if (r.perCapitaIncomeFen === null) return null;
      return r.perCapitaIncomeFen * BigInt((await membersOf(h, ctx)).length);
    },
    settlements: (h: HouseholdView, _: unknown, ctx: HubContext) => householdSettlements(h, ctx),
    burden: async (h: HouseholdView, _: unknown, ctx: HubContext) => (await householdSettlements(h, ctx)).reduce((sum, s) => sum + s.burdenFen, 0n),
    aid: async (h: HouseholdView, args: { first?: number | null; after?: string | null; filter?: AidFilter | null }, ctx: HubContext) =>
      aidConnection(await householdAid(h, ctx), args),
  },
  HouseholdMember: {
    person: (m: MemberView, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(m.personId),
  },
  AidRecord: {
    id: (a: AidRow) => String(a.id),
    amount: (a: AidRow) => a.amountFen,
    settlement: (a: AidRow, _: unknown, ctx: HubContext) => {
      if (!a.settlementRef) return null;
      // Read together with the record (store.aidByPersons): the loader gets it instead of asking again.
      const read = store.settlementReadWith(a);
      if (read !== undefined) ctx.loaders.settlementById.prime(a.settlementRef, read);
      return ctx.loaders.settlementById.load(a.settlementRef);
    },
    person: (a: AidRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(a.personId),
    duplicateOf: (a: AidRow, _: unknown, ctx: HubContext) => (a.duplicateOf ? ctx.loaders.aidById.load(a.duplicateOf) : null),
    linkedSettlement: (a: AidRow, _: unknown, ctx: HubContext) => (a.linkedSettlementId ? ctx.loaders.settlementById.load(a.linkedSettlementId) : null),
    excess: (a: AidRow) => a.excessFen,
  },
  Settlement: {
    person: (s: SettlementRow, _: unknown, ctx: HubContext) => ctx.loaders.personById.load(s.personId),
    total: (s: SettlementRow) => s.totalFen,
    insurancePayments: (s: SettlementRow) => s.basicFen + s.criticalFen + s.supplementFen,
    basicInsurance: (s: SettlementRow) => s.basicFen,
    criticalIllness: (s: SettlementRow) => s.criticalFen,
    supplement: (s: SettlementRow) => s.supplementFen,
    assistanceFundPaid: (s: SettlementRow) => s.assistanceFen,
    burden: (s: SettlementRow) => s.burdenFen,
    aid: (s: SettlementRow, _: unknown, ctx: HubContext) => ctx.loaders.aidBySettlement.load(s.settlementId),
    countedAid: async (s: SettlementRow, _: unknown, ctx: HubContext) => (await capacityOf(s, ctx)).countedAid,
    excess: async (s: SettlementRow, _: unknown, ctx: HubContext) => (await capacityOf(s, ctx)).excess,
    remaining: async (s: SettlementRow, _: unknown, ctx: HubContext) => (await capacityOf(s, ctx)).remaining,
  },
};
