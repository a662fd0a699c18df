/**
 * Who may do what (domain.md "Privacy and access"), one table for every root field. A root field missing
 * from the table is refused to everyone: a new field is closed until someone decides who may use it.
 *
 * Beyond the role, some operations are scoped: a source system ingests only its own system; a caseworker
 * records aid only from its agency's programs and changes only its agency's records.
 */
import { mapSchema, MapperKind } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { adapters } from '../../adapters/index.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import type { Principal, Role } from './auth.ts';
import { entityKeyOf } from '../graphql/entities.ts';
import { charityRuleCodes } from '../policy/rules.ts';

export interface AccessRule {
  roles: readonly Role[];
  /** A further check of the arguments against the principal; throws FORBIDDEN. */
  check?: (args: Record<string, unknown>, principal: Principal) => void;
}

const ALL: readonly Role[] = ['CASEWORKER', 'PLATFORM', 'CHARITY', 'AUDITOR', 'SOURCE_SYSTEM'];

export function systemsOfAgency(agency: string | null): string[] {
  return adapters.filter((a) => a.agency === agency).map((a) => a.code);
}

function programOfAgency(program: unknown, agency: string | null): boolean {
  return adapters.some((a) => a.agency === agency && a.programs.some((p) => p.code === program));
}

/** The rules a principal may read and ask: a charity only those published for charities. */
export function mayUseRule(p: Principal | null, code: unknown): boolean {
  return p?.role !== 'CHARITY' || (typeof code === 'string' && charityRuleCodes().has(code));
}

/**
 * Whether an eligibility answer may say that the hub does not know a person (PERSON_UNKNOWN). Not to a
 * charity: it is answered as for a person with no records, so that asking tells it nothing about who the
 * hub knows.
 */
export function tellsUnknownPersons(p: Principal | null): boolean {
  return p?.role === 'PLATFORM' || p?.role === 'CASEWORKER';
}

const charityRule = (argument: string) => (args: Record<string, unknown>, p: Principal) => {
  if (!mayUseRule(p, args[argument])) throw new HubError(ErrorCode.FORBIDDEN, `a charity asks the rules published for charities only, not ${String(args[argument])}`, { argument });
};

export const ACCESS: Readonly<Record<string, AccessRule>> = Object.freeze({
  'Query.hub': { roles: ALL },
  'Query.systems': { roles: ALL },
  'Query.person': { roles: ['CASEWORKER', 'PLATFORM'] },
  // A caseworker reaches a household through a person found by identity number: household ids are not browsed.
  'Query.household': { roles: ['PLATFORM'] },
  'Query.settlement': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.aidCapacity': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.quarantine': { roles: ['PLATFORM'] },
  'Query.ingestRuns': { roles: ['PLATFORM'] },
  'Query.reviewQueue': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.funds': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.fund': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.paidNotArrived': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.accessLog': { roles: ['AUDITOR'] },
  'Query.policies': { roles: ['CASEWORKER', 'PLATFORM', 'CHARITY'] },
  'Query.policy': { roles: ['CASEWORKER', 'PLATFORM', 'CHARITY'], check: charityRule('code') },
  // A charity learns whether a patient meets a rule, and nothing else.
  // Every member unit receives the same report: aggregates, no personal data.
  'Query.quarterlyReport': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.publishedQuarterlyReport': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.quarterlyReportFile': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.earlyWarnings': {
    roles: ['CASEWORKER', 'PLATFORM'],
    check: (args, p) => {
      const county = typeof args.county === 'string' ? args.county.trim() : '';
      if (p.role === 'CASEWORKER' && county !== '' && county !== p.county) {
        throw new HubError(ErrorCode.FORBIDDEN, `a caseworker of ${p.county} watches its own county's warnings, not ${county}`, { argument: 'county' });
      }
    },
  },
  'Query.eligibility': { roles: ['CHARITY', 'CASEWORKER', 'PLATFORM'], check: charityRule('rule') },
  'Query._service': { roles: ['PLATFORM'] },
  // Federation: each representation follows the rule of the root field reaching that entity by that key.
  'Query._entities': { roles: ['CASEWORKER', 'PLATFORM'], check: (args, p) => checkEntities(args.representations, p) },
  'Mutation.ping': { roles: ALL },
  'Mutation.ingest': {
    roles: ['SOURCE_SYSTEM', 'PLATFORM'],
    check: (args, p) => {
      if (p.role === 'SOURCE_SYSTEM' && args.system !== p.system) {
        throw new HubError(ErrorCode.FORBIDDEN, `this token ingests ${p.system} only, not ${String(args.system)}`);
      }
    },
  },
  'Mutation.reprocessQuarantined': { roles: ['PLATFORM'] },
  'Mutation.undoPersonMerge': { roles: ['PLATFORM'] },
  'Mutation.allocateFunds': { roles: ['PLATFORM'] },
  'Mutation.publishPolicyVersion': { roles: ['PLATFORM'] },
  'Mutation.publishQuarterlyReport': { roles: ['PLATFORM'] },
  'Mutation.recordAid': {
    roles: ['CASEWORKER', 'PLATFORM'],
    check: (args, p) => {
      const program = (args.input as { program?: unknown } | undefined)?.program;
      if (p.role === 'CASEWORKER' && !programOfAgency(program, p.agency)) {
        throw new HubError(ErrorCode.FORBIDDEN, `a ${p.agency} caseworker records aid of its agency's programs only`);
      }
    },
  },
  // Record-level scope (the record of the caseworker's agency, of a person of its county): requireRecordInReach (guard.ts).
  'Mutation.confirmArrival': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Mutation.reverseAid': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Mutation.resolveReview': { roles: ['CASEWORKER', 'PLATFORM'] },
});

/**
 * The rule each entity key of the federation subgraph follows: `_entities` is no way around the root fields.
 * A person's opaque id can be counted through, so only the platform resolves Person by `id`; a caseworker
 * reaches a person by exact identity number (`Person @key(fields: "idNumber")`), as through `person(idNumber:)`.
 */
export const ENTITY_ACCESS: Readonly<Record<string, { root: string; roles?: readonly Role[] }>> = Object.freeze({
  'Person.idNumber': { root: 'Query.person' },
  'Person.id': { root: 'Query.person', roles: ['PLATFORM'] },
  'Household.id': { root: 'Query.household' },
  'Settlement.settlementId': { root: 'Query.settlement' },
});

function checkEntities(representations: unknown, p: Principal): void {
  for (const rep of Array.isArray(representations) ? representations : []) {
    const key = entityKeyOf(rep);
    const entity = key ? ENTITY_ACCESS[`${key.type}.${key.field}`] : undefined;
    // A representation of no known entity and key is refused to everyone but the platform (it resolves to an error).
    if (!key || !entity) {
      if (p.role !== 'PLATFORM') throw new HubError(ErrorCode.FORBIDDEN, `role ${p.role} may not resolve this representation`, { operation: 'Query._entities' });
      continue;
    }
    const rule = ACCESS[entity.root]!;
    const roles = entity.roles ?? rule.roles;
    if (!roles.includes(p.role)) {
      throw new HubError(ErrorCode.FORBIDDEN, `role ${p.role} may not resolve ${key.type} by ${key.field}`, { operation: 'Query._entities', entity: `${key.type}.${key.field}` });
    }
    rule.check?.({ [key.field]: key.value }, p);
  }
}

export function requirePrincipal(ctx: { principal: Principal | null }): Principal {
  if (!ctx.principal) throw new HubError(ErrorCode.UNAUTHENTICATED, 'a bearer token is required');
  return ctx.principal;
}

/** Wraps every root field with its rule; a field without a rule answers FORBIDDEN to everyone. */
export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const key = `${typeName}.${fieldName}`;
      const rule = ACCESS[key];
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      return {
        ...fieldConfig,
        resolve: (source, args, ctx: { principal: Principal | null }, info) => {
          const p = requirePrincipal(ctx);
          if (!rule || !rule.roles.includes(p.role)) throw new HubError(ErrorCode.FORBIDDEN, `role ${p.role} may not use ${key}`, { operation: key });
          rule.check?.(args as Record<string, unknown>, p);
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
