/**
 * Personal data, guarded by type (domain.md "Privacy and access"). This module owns every decision about
 * who sees which person: it is applied to the whole schema when it is assembled (`guardPersonalData`), so
 * that a field added later that returns a Person, an AidRecord, a Settlement, a Household, a Warning… is
 * scoped, masked and logged without anyone remembering to. Resolvers fetch; they decide nothing here.
 *
 * - Scope. Every object of a guarded type is checked before it is handed out, whatever field led to it: a
 *   caseworker reaches a person's data only for persons of its own county, or through that person's exact
 *   identity number (`EXACT_ID_LOOKUPS`, valid within the answer of that root field only). Out of scope, an
 *   object is dropped from a list (or from a connection's edges), a nullable field answers null, a non-null
 *   field answers FORBIDDEN. The platform sees everything; the other roles reach no person at all.
 * - Masking (`MASKS`): identity numbers whole only where a role needs them; whoever sees a number masked
 *   sees no birth date (it is exactly the hidden digits) but an age in years. Sex stays: it is the parity
 *   of the 17th digit, which the mask shows anyway. Age narrows the birth date to about a year, ~365 dates
 *   and, with the shown check digit, ~33 candidate numbers: not a restorable number.
 * - Log: every field read of a guarded object is recorded against the person(s) it belongs to and written
 *   to the access log when the response leaves (src/access/log.ts).
 * - Purpose: an operation that selects any field of or returning a personal type (or an eligibility
 *   answer) needs a stated purpose (`x-purpose`), else the whole request is refused with PURPOSE_REQUIRED.
 */
import { mapSchema, MapperKind } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLUnionType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { HubContext } from '../graphql/context.ts';
import type { AidRow, HouseholdRow, MergeRow, PersonRow, SettlementRow } from '../recipients/store.ts';
import { maskIdNumber } from '../identity/id-number.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { systemsOfAgency } from './policy.ts';

type Obj = Record<string, unknown>;

// Type tests by the types' own tags rather than graphql's `instanceof` helpers: the schema's types may come
// from another copy of graphql (its CommonJS build, loaded by @graphql-tools, beside the ESM one under vitest).
const tag = (t: unknown) => Object.prototype.toString.call(t);
const isNonNullType = (t: unknown): t is { ofType: GraphQLOutputType } => tag(t) === '[object GraphQLNonNull]';
const isListType = (t: unknown): t is { ofType: GraphQLOutputType } => tag(t) === '[object GraphQLList]';
const isObjectType = (t: unknown): t is GraphQLObjectType => tag(t) === '[object GraphQLObjectType]';
const isAbstractType = (t: unknown): t is GraphQLUnionType | GraphQLInterfaceType => tag(t) === '[object GraphQLUnionType]' || tag(t) === '[object GraphQLInterfaceType]';
const getNullableType = (t: GraphQLOutputType): GraphQLOutputType => (isNonNullType(t) ? t.ofType : t);
function getNamedType(t: GraphQLOutputType): GraphQLNamedType {
  let x = t as { ofType?: GraphQLOutputType };
  while (x.ofType) x = x.ofType as { ofType?: GraphQLOutputType };
  return x as GraphQLNamedType;
}

/** How to tell whose a guarded object is: its persons, and (optionally) the county it belongs to. */
interface Guarded {
  persons(obj: Obj, ctx: HubContext): number[] | Promise<number[]>;
  county?(obj: Obj): string | null;
}

async function householdPersons(h: { recorded: HouseholdRow | null; soloPersonId: number | null }, ctx: HubContext): Promise<number[]> {
  if (h.recorded) return (await ctx.loaders.membersByHousehold.load(h.recorded.id)).map((m) => m.personId);
  return h.soloPersonId === null ? [] : [h.soloPersonId];
}

/** The personal types. A type added here is scoped, masked and logged everywhere it appears. */
export const GUARDED: Readonly<Record<string, Guarded>> = Object.freeze({
  Person: { persons: (p: Obj) => [(p as unknown as PersonRow).id] },
  AidRecord: { persons: (a: Obj) => [(a as unknown as AidRow).personId] },
  Settlement: { persons: (s: Obj) => [(s as unknown as SettlementRow).personId] },
  AidCapacity: {
    persons: async (c: Obj, ctx: HubContext) => {
      const s = await ctx.loaders.settlementById.load(String(c.settlementId));
      return s ? [s.personId] : [];
    },
  },
  Household: {
    persons: (h: Obj, ctx: HubContext) => householdPersons(h as never, ctx),
    county: (h: Obj) => (h as { recorded: HouseholdRow | null }).recorded?.countyCode ?? null,
  },
  Warning: {
    persons: async (w: Obj, ctx: HubContext) => {
      if (w.person_id) return [Number(w.person_id)];
      if (w.household_id) return (await ctx.loaders.membersByHousehold.load(Number(w.household_id))).map((m) => m.personId);
      return [];
    },
    county: (w: Obj) => (w.county_code as string | null) ?? null,
  },
  PersonMerge: { persons: (m: Obj) => [(m as unknown as MergeRow).intoPersonId] },
});

/** Types whose fields are personal data although no scope is needed to reach them (a charity's answer). */
const PERSONAL_ANSWERS = new Set(['Eligibility']);

/**
 * Root fields that find a person by an exact identity number: what they return is within reach of a
 * caseworker whatever its county (within that field's answer only), with the person's whole history.
 */
export const EXACT_ID_LOOKUPS: Readonly<Record<string, (result: unknown) => number[]>> = Object.freeze({
  'Query.person': (r: unknown) => (r ? [(r as PersonRow).id] : []),
  'Mutation.recordAid': (r: unknown) => ((r as { aid?: AidRow } | null)?.aid ? [(r as { aid: AidRow }).aid.personId] : []),
});

/** Per request: persons reached by exact identity number, by the root field (response key) that did. */
export class Reach {
  private readonly byRoot = new Map<string, Set<number>>();
  unlock(root: string, ids: number[]): void {
    let s = this.byRoot.get(root);
    if (!s) this.byRoot.set(root, (s = new Set()));
    for (const id of ids) s.add(id);
  }
  has(root: string, id: number): boolean {
    return this.byRoot.get(root)?.has(id) ?? false;
  }
}

function rootKey(info: GraphQLResolveInfo): string {
  let p = info.path;
  while (p.prev) p = p.prev;
  return String(p.key);
}

/** Whether the asking principal may see this object of a guarded type. */
export async function inScope(ctx: HubContext, typeName: string, obj: Obj, root: string): Promise<boolean> {
  const who = ctx.principal;
  if (!who) return false;
  if (who.role === 'PLATFORM') return true;
  if (who.role !== 'CASEWORKER') return false;
  const g = GUARDED[typeName]!;
  if (g.county && g.county(obj) === who.county) return true;
  // Awaited only when it is a promise, and one person loaded alone (what loadMany does for each key, without
  // its Promise.all): this runs for every record of every page a caseworker reads, twice for an edge's node.
  const found = g.persons(obj, ctx);
  const ids = Array.isArray(found) ? found : await found;
  for (const id of ids) if (ctx.reach.has(root, id)) return true;
  if (ids.length === 1) {
    const p = await ctx.loaders.personById.load(ids[0]!).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    return p !== null && !(p instanceof Error) && p.countyCode === who.county;
  }
  const persons = await ctx.loaders.personById.loadMany(ids);
  return persons.some((p) => p !== null && !(p instanceof Error) && p.countyCode === who.county);
}

/**
 * For statements that list records (warnings, the review queue, paid-not-arrived): the caseworker's scope,
 * so that counts and pages hold in-scope records only (the type guard would drop the others anyway).
 * Null: no restriction (the platform).
 */
export function listScope(ctx: HubContext): { county: string; systems: string[] } | null {
  const who = ctx.principal;
  if (who?.role === 'PLATFORM') return null;
  if (who?.role === 'CASEWORKER') return { county: who.county!, systems: systemsOfAgency(who.agency) };
  return { county: '', systems: [] };
}

/**
 * A caseworker changes a record only of its agency and within its reach (a person of its county): checked
 * before anything changes, so a refused request changes nothing.
 */
export async function requireRecordInReach(ctx: HubContext, aid: AidRow | null): Promise<void> {
  const who = ctx.principal;
  if (!aid || !who || who.role !== 'CASEWORKER') return;
  if (!systemsOfAgency(who.agency).includes(aid.system)) throw new HubError(ErrorCode.FORBIDDEN, `a ${who.agency} caseworker may change its agency's records only`);
  const p = await ctx.loaders.personById.load(aid.personId);
  if (p?.countyCode !== who.county) throw new HubError(ErrorCode.FORBIDDEN, "a caseworker changes records of its own county's persons only");
}

/**
 * Full identity numbers for the platform; for a caseworker only of persons of its county or aided by its
 * agency; masked for everyone else.
 */
async function seesFullIdentity(p: PersonRow, ctx: HubContext): Promise<boolean> {
  const who = ctx.principal;
  if (!who) return false;
  if (who.role === 'PLATFORM') return true;
  if (who.role !== 'CASEWORKER') return false;
  if (p.countyCode !== null && p.countyCode === who.county) return true;
  const systems = systemsOfAgency(who.agency);
  return (await ctx.loaders.aidByPerson.load(p.id)).some((a) => systems.includes(a.system));
}

const maskDigits = (text: string) => text.replace(/\d{17}[\dX]/g, (id) => maskIdNumber(id));

type Mask = (value: unknown, source: Obj, ctx: HubContext) => unknown;

/** Every masking decision of the hub, by field. */
export const MASKS: Readonly<Record<string, Mask>> = Object.freeze({
  'Person.idNumber': async (v: unknown, p: Obj, ctx: HubContext) =>
    v == null ? null : (await seesFullIdentity(p as unknown as PersonRow, ctx)) ? v : maskIdNumber(String(v)),
  // The birth date is exactly the eight digits a mask hides: whoever sees the number masked gets `age`.
  'Person.birthDate': async (v: unknown, p: Obj, ctx: HubContext) =>
    v == null || (p as unknown as PersonRow).idNumber === null || (await seesFullIdentity(p as unknown as PersonRow, ctx)) ? v : null,
  'Household.key': (v: unknown, _: Obj, ctx: HubContext) => (v == null || ctx.principal?.role === 'PLATFORM' ? v : maskDigits(String(v))),
  'PersonMerge.provisionalKey': (v: unknown, _: Obj, ctx: HubContext) => (v == null || ctx.principal?.role === 'PLATFORM' ? v : maskDigits(String(v))),
  // Another person's number, carried by a women-children grant (adapters/women-children).
  'WomenChildrenGrantDetail.guardianIdNumber': (v: unknown, _: Obj, ctx: HubContext) => (v == null || ctx.principal?.role === 'PLATFORM' ? v : maskIdNumber(String(v))),
  // Internal person ids lead to persons (federation `_entities`): the platform's only.
  'LedgerPosting.personId': (v: unknown, _: Obj, ctx: HubContext) => (ctx.principal?.role === 'PLATFORM' ? v : null),
});

const FORBIDDEN_HERE = () => new HubError(ErrorCode.FORBIDDEN, "outside the caller's reach: a caseworker reaches a person by exact identity number or in its own county");

const wrapping = new WeakMap<GraphQLObjectType, GraphQLField<unknown, unknown> | null>();

/** A type wraps a guarded one when it has a non-null field of a guarded (or wrapping) type: an edge, a member. */
function wrappedField(type: GraphQLObjectType, depth = 0): GraphQLField<unknown, unknown> | null {
  if (wrapping.has(type)) return wrapping.get(type)!;
  const f = findWrapped(type, depth);
  if (depth === 0) wrapping.set(type, f);
  return f;
}

function findWrapped(type: GraphQLObjectType, depth: number): GraphQLField<unknown, unknown> | null {
  if (depth > 3 || GUARDED[type.name]) return null;
  for (const f of Object.values(type.getFields())) {
    if (!isNonNullType(f.type) || isListType(getNullableType(f.type))) continue;
    const named = getNamedType(f.type);
    if (GUARDED[named.name] || (isObjectType(named) && wrappedField(named, depth + 1))) return f;
  }
  return null;
}

/** The concrete type of a value of a union or interface (its `__typename`, or the type's own resolveType). */
async function concreteType(type: GraphQLNamedType, value: unknown, ctx: HubContext, info: GraphQLResolveInfo): Promise<GraphQLObjectType | null> {
  if (isObjectType(type)) return type;
  if (!isAbstractType(type) || value == null || typeof value !== 'object') return null;
  let name: unknown = (value as Obj).__typename;
  if (typeof name !== 'string' && type.resolveType) name = await type.resolveType(value, ctx, info, type as never);
  const t = typeof name === 'string' ? info.schema.getType(name) : undefined;
  return isObjectType(t) ? t : null;
}

/** Whether one value of `type` (guarded, wrapping a guarded one, or abstract over them) may be handed out. */
async function allowed(type: GraphQLNamedType, value: unknown, ctx: HubContext, info: GraphQLResolveInfo, depth = 0): Promise<boolean> {
  if (value == null || value instanceof Error) return true;
  const concrete = isObjectType(type) ? type : await concreteType(type, value, ctx, info);
  if (!concrete) return true;
  if (GUARDED[concrete.name]) return inScope(ctx, concrete.name, value as Obj, rootKey(info));
  const f = depth < 4 ? wrappedField(concrete) : null;
  if (!f) return true;
  try {
    const inner = await (f.resolve ?? defaultFieldResolver)(value, {}, ctx, { ...info, fieldName: f.name, parentType: concrete, returnType: f.type });
    return allowed(getNamedType(f.type), inner, ctx, info, depth + 1);
  } catch (e) {
    if (e instanceof HubError && e.code === ErrorCode.FORBIDDEN) return false;
    throw e;
  }
}

/** A list keeps what may be seen: out of reach, an item is dropped, or nulled where items may be null (positions kept, e.g. `_entities`). */
async function filterList(listType: GraphQLOutputType, list: unknown, ctx: HubContext, info: GraphQLResolveInfo): Promise<unknown> {
  if (!Array.isArray(list)) return list;
  const item = (getNullableType(listType) as unknown as { ofType: GraphQLOutputType }).ofType;
  const keep = await Promise.all(list.map((v) => allowed(getNamedType(item), v, ctx, info)));
  return isNonNullType(item) ? list.filter((_, i) => keep[i]) : list.map((v, i) => (keep[i] ? v : null));
}

/** What a field returns, pruned to what the caller may see. */
async function prune(type: GraphQLOutputType, value: unknown, ctx: HubContext, info: GraphQLResolveInfo): Promise<unknown> {
  const nullable = getNullableType(type);
  const named = getNamedType(type);
  if (isListType(nullable)) return filterList(type, value, ctx, info);
  if (!isObjectType(named) || GUARDED[named.name] || wrappedField(named)) {
    if (await allowed(named, value, ctx, info)) return value;
    if (isNonNullType(type)) throw FORBIDDEN_HERE();
    return null;
  }
  // A connection: its edges are filtered here (totals stay what the statement counted).
  const edges = named.getFields().edges;
  if (edges && value && typeof value === 'object' && Array.isArray((value as Obj).edges)) {
    return { ...(value as Obj), edges: await filterList(edges.type, (value as Obj).edges, ctx, info) };
  }
  return value;
}

/** Whether a named type is guarded, wraps a guarded type, or (abstract) has such a possible type. */
function personal(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
  if (isObjectType(type)) return !!GUARDED[type.name] || !!wrappedField(type);
  if (isAbstractType(type)) return schema.getPossibleTypes(type).some((t) => personal(schema, t));
  return false;
}

/** Whether a field's type is, wraps or lists a guarded type, or is a connection of them. */
function carriesPersons(schema: GraphQLSchema, type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  if (personal(schema, named)) return true;
  if (!isObjectType(named)) return false;
  const edges = named.getFields().edges;
  return !!edges && personal(schema, getNamedType(edges.type));
}

/**
 * Records a read of `field` against each person. A module-level function, not a closure made per field
 * read: tsx compiles with esbuild's keepNames, which names every such closure with Object.defineProperty
 * each time it is made (about 3% of the hub's CPU under the household-query load when it was one).
 */
function recordReads(ctx: HubContext, ids: readonly number[], field: string): void {
  for (let i = 0; i < ids.length; i++) ctx.access.record(ids[i], field);
}

/**
 * The transform applied when the schema is assembled: every field carrying persons is scoped, every field of
 * a guarded type is logged, every masked field masked. Runs inside the root-field rules (policy.ts).
 */
export function guardPersonalData(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const key = `${typeName}.${fieldName}`;
      const guardedParent = !!GUARDED[typeName];
      const carries = carriesPersons(schema, fieldConfig.type);
      const mask = MASKS[key];
      const lookup = EXACT_ID_LOOKUPS[key];
      if (!guardedParent && !carries && !mask && !lookup) return fieldConfig;
      const resolve: GraphQLFieldResolver<unknown, HubContext> = fieldConfig.resolve ?? defaultFieldResolver;
      const after = async (value: unknown, source: unknown, ctx: HubContext, info: GraphQLResolveInfo) => {
        if (lookup) ctx.reach.unlock(rootKey(info), lookup(value));
        if (mask) value = await mask(value, source as Obj, ctx);
        if (!carries || ctx.principal?.role === 'PLATFORM') return value;
        // Pruned by the schema's own type, not by what the resolver happened to return.
        return prune(info.returnType, value, ctx, info);
      };
      // Synchronous where nothing needs waiting for (most fields of a person, read by the platform).
      const run = (source: unknown, args: Record<string, unknown>, ctx: HubContext, info: GraphQLResolveInfo) => {
        const value = resolve(source, args, ctx, info);
        if (!lookup && !mask && (!carries || ctx.principal?.role === 'PLATFORM')) return value;
        return Promise.resolve(value).then((v) => after(v, source, ctx, info));
      };
      return {
        ...fieldConfig,
        resolve: (source: unknown, args: Record<string, unknown>, ctx: HubContext, info: GraphQLResolveInfo) => {
          if (!guardedParent) return run(source, args, ctx, info);
          const ids = GUARDED[typeName]!.persons(source as Obj, ctx);
          if (Array.isArray(ids)) {
            recordReads(ctx, ids, key);
            return run(source, args, ctx, info);
          }
          return ids.then((list) => {
            recordReads(ctx, list, key);
            return run(source, args, ctx, info);
          });
        },
      };
    },
  });
}

/** Whether an operation reads personal data: any selected field of, or returning, a personal type. */
export function readsPersonalData(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const personal = (name: string | undefined) => !!name && (!!GUARDED[name] || PERSONAL_ANSWERS.has(name));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, seen: Set<string>): boolean => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (personal(parent?.name) && sel.name.value !== '__typename') return true;
        const field = parent && 'getFields' in parent ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[sel.name.value] : undefined;
        const type = field ? getNamedType(field.type) : undefined;
        if (personal(type?.name)) return true;
        if (sel.selectionSet && walk(sel.selectionSet, type, seen)) return true;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? undefined : parent;
        if (walk(sel.selectionSet, t, seen)) return true;
      } else {
        const f = fragments.get(sel.name.value);
        if (f && !seen.has(f.name.value) && walk(f.selectionSet, schema.getType(f.typeCondition.name.value) ?? undefined, new Set([...seen, f.name.value]))) return true;
      }
    }
    return false;
  };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    const root = d.operation === 'query' ? schema.getQueryType() : d.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (walk(d.selectionSet, root ?? undefined, new Set())) return true;
  }
  return false;
}

/** Refuses an operation reading personal data without a stated purpose. */
export function requirePurpose(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, purpose: string | null): void {
  if (purpose) return;
  if (!readsPersonalData(schema, document, operationName)) return;
  throw new HubError(ErrorCode.PURPOSE_REQUIRED, 'state why you read this personal data: the x-purpose header (percent-encoded UTF-8 accepted)', {
    http: { status: 400 },
  });
}

/** Longest stated purpose, in characters after decoding. */
export const MAX_PURPOSE_CHARS = 200;

/**
 * The `x-purpose` header as text: percent-encoded UTF-8 (what a browser sends for Chinese) is decoded,
 * blank is none; malformed or longer than MAX_PURPOSE_CHARS is the client's mistake (BAD_USER_INPUT).
 */
export function parsePurpose(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  let text = Array.isArray(raw) ? raw.join(', ') : raw;
  if (text.length > MAX_PURPOSE_CHARS * 9 + 64) throw new HubError(ErrorCode.BAD_USER_INPUT, `x-purpose is longer than ${MAX_PURPOSE_CHARS} characters`, { header: 'x-purpose' });
  if (/%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new HubError(ErrorCode.BAD_USER_INPUT, 'x-purpose is not valid percent-encoded UTF-8', { header: 'x-purpose' });
    }
  }
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if ([...text].length > MAX_PURPOSE_CHARS) throw new HubError(ErrorCode.BAD_USER_INPUT, `x-purpose is longer than ${MAX_PURPOSE_CHARS} characters`, { header: 'x-purpose' });
  return text === '' ? null : text;
}
