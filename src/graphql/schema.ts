/**
 * The one schema: each domain's SDL fragment (src/<domain>/schema.graphql) merged with each adapter's fragment, and the resolvers of every
 * domain merged with each adapter's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { mergeResolvers, mergeTypeDefs } from '@graphql-tools/merge';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Kind, parse, printSchema, type DocumentNode, type GraphQLSchema, type ObjectTypeDefinitionNode } from 'graphql';
import type { HubContext } from './context.ts';
import { adapters } from '../../adapters/index.ts';
import { DateScalar, DateTime, JSONScalar, Yuan } from './scalars.ts';
import { hubResolvers } from './hub.ts';
import { ingestResolvers } from '../ingest/resolvers.ts';
import { recipientResolvers } from '../recipients/resolvers.ts';
import { ledgerResolvers } from '../ledger/resolvers.ts';
import { reviewResolvers } from '../review/resolvers.ts';
import { accessResolvers } from '../access/resolvers.ts';
import { policyResolvers } from '../policy/resolvers.ts';
import { reportResolvers } from '../reports/resolvers.ts';
import { warningResolvers } from '../warnings/resolvers.ts';
import { guardSchema } from '../access/policy.ts';
import { ENTITY_KEYS, entityKeyOf } from './entities.ts';

export { ENTITY_KEYS } from './entities.ts';
import { guardPersonalData } from '../access/guard.ts';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The SDL fragments of the hub, each beside its domain's code: src/graphql/base.graphql (scalars, the root
 * types) first, then every src/<domain>/schema.graphql in name order.
 */
export function schemaFiles(): string[] {
  const domains = fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(srcDir, d.name, 'schema.graphql')))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
  return [path.join(srcDir, 'graphql', 'base.graphql'), ...domains.map((d) => path.join(srcDir, d, 'schema.graphql'))];
}

/** The SDL of the hub: the fragments of schemaFiles(), then the adapters' fragments. */
export function typeDefs(): string[] {
  const own = schemaFiles().map((f) => fs.readFileSync(f, 'utf8'));
  return [...own, ...adapters.flatMap((a) => (a.sdl ? [a.sdl] : []))];
}

export function resolvers() {
  return mergeResolvers([
    { Yuan, Date: DateScalar, DateTime, JSON: JSONScalar },
    hubResolvers,
    ingestResolvers,
    recipientResolvers,
    ledgerResolvers,
    reviewResolvers,
    accessResolvers,
    policyResolvers,
    reportResolvers,
    warningResolvers,
    ...adapters.flatMap((a) => (a.resolvers ? [a.resolvers] : [])),
  ] as never[]);
}

/** The executable schema, unguarded (tests of the schema's shape). */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: typeDefs(), resolvers: resolvers(), resolverValidationOptions: { requireResolversToMatchSchema: 'error' } });
}

/**
 * What the server serves: every root field guarded by its access rule (src/access/policy.ts), every field
 * carrying a person scoped, masked and logged by type (src/access/guard.ts).
 */
export function servedSchema(subgraph = false, base: GraphQLSchema = subgraph ? buildSubgraph() : buildSchema()): GraphQLSchema {
  return guardSchema(guardPersonalData(base));
}

/** The full SDL the server serves (`relief-hub schema`; the console's types are generated from it). */
export function printedSchema(): string {
  return printSchema(servedSchema()) + '\n';
}

const FEDERATION_LINK = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])`);

/** The same SDL with `@key` on the entities and the federation link, as one document. */
export function subgraphTypeDefs(): DocumentNode {
  const merged = mergeTypeDefs(typeDefs());
  const definitions = merged.definitions.map((d) => {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION || !ENTITY_KEYS[d.name.value]) return d;
    const keys = [...ENTITY_KEYS[d.name.value]!].reverse().map(
      (key) =>
        ({
          kind: Kind.DIRECTIVE,
          name: { kind: Kind.NAME, value: 'key' },
          arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'fields' }, value: { kind: Kind.STRING, value: key } }],
        }) as const,
    );
    return { ...d, directives: [...(d.directives ?? []), ...keys] } as ObjectTypeDefinitionNode;
  });
  return { ...merged, definitions: [...FEDERATION_LINK.definitions, ...definitions] };
}

/**
 * The hub as an Apollo Federation 2 subgraph (`relief-hub serve --subgraph`): the same schema and resolvers,
 * plus `_entities` resolving Person by identity number (as `person(idNumber:)` does) or by id, Household by id
 * and Settlement by settlementId. Who may resolve which is the root fields' rule (ENTITY_ACCESS).
 */
export function buildSubgraph(): GraphQLSchema {
  const base = resolvers() as Record<string, Record<string, unknown>>;
  const query = base.Query as Record<string, (...a: unknown[]) => unknown>;
  const entityResolvers = {
    Person: {
      __resolveReference: (ref: { id?: string; idNumber?: string }, ctx: HubContext) =>
        entityKeyOf({ __typename: 'Person', ...ref })?.field === 'idNumber'
          ? query.person!(undefined, { idNumber: String(ref.idNumber) }, ctx)
          : /^\d{1,18}$/.test(String(ref.id)) ? ctx.loaders.personById.load(Number(ref.id)) : null,
    },
    Household: { __resolveReference: (ref: { id: string }, ctx: HubContext) => query.household!(undefined, { id: ref.id }, ctx) },
    Settlement: { __resolveReference: (ref: { settlementId: string }, ctx: HubContext) => ctx.loaders.settlementById.load(ref.settlementId) },
  };
  return buildSubgraphSchema({ typeDefs: subgraphTypeDefs(), resolvers: mergeResolvers([base, entityResolvers] as never[]) as never });
}
