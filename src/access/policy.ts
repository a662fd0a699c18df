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

export const ACCESS: Readonly<Record<string, AccessRule>> = Object.freeze({
  'Query.hub': { roles: ALL },
  'Query.systems': { roles: ALL },
  'Query.person': { roles: ['CASEWORKER', 'PLATFORM'] },
  // A caseworker reaches a household through a person found by identity number: household ids are not browsed.
  'Query.household': { roles: ['PLATFORM'] },
  'Query.settlement': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.aidCapacity': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.quarantine': { roles: ['PLATFORM'] },
  'Query.reviewQueue': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.funds': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.fund': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.paidNotArrived': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.accessLog': { roles: ['AUDITOR'] },
  'Query.policies': { roles: ['CASEWORKER', 'PLATFORM', 'CHARITY'] },
  'Query.policy': { roles: ['CASEWORKER', 'PLATFORM', 'CHARITY'] },
  // A charity learns whether a patient meets a rule, and nothing else.
  // Every member unit receives the same report: aggregates, no personal data.
  'Query.quarterlyReport': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.publishedQuarterlyReport': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.quarterlyReportFile': { roles: ['CASEWORKER', 'PLATFORM', 'AUDITOR'] },
  'Query.earlyWarnings': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Query.eligibility': { roles: ['CHARITY', 'CASEWORKER', 'PLATFORM'] },
  'Query._service': { roles: ['PLATFORM'] },
  'Query._entities': { roles: ['PLATFORM'] },
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
  // Record-level scope (the record must be of the caseworker's agency) is checked by the resolvers.
  'Mutation.confirmArrival': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Mutation.reverseAid': { roles: ['CASEWORKER', 'PLATFORM'] },
  'Mutation.resolveReview': { roles: ['CASEWORKER', 'PLATFORM'] },
});

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

/** Record-level scope of a caseworker: the record's system must be one of its agency's. */
export function requireAgencyRecord(p: Principal, system: string): void {
  if (p.role === 'CASEWORKER' && !systemsOfAgency(p.agency).includes(system)) {
    throw new HubError(ErrorCode.FORBIDDEN, `a ${p.agency} caseworker may change its agency's records only`);
  }
}
