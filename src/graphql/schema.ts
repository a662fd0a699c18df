/**
 * The one schema: the SDL files of schema/ merged with each adapter's fragment, and the resolvers of every
 * domain merged with each adapter's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { mergeResolvers } from '@graphql-tools/merge';
import type { GraphQLSchema } from 'graphql';
import { adapters } from '../../adapters/index.ts';
import { DateScalar, DateTime, JSONScalar, Yuan } from './scalars.ts';
import { hubResolvers } from './hub.ts';
import { ingestResolvers } from '../ingest/resolvers.ts';
import { recipientResolvers } from '../recipients/resolvers.ts';

export const schemaDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema');

/** The SDL of the hub: schema/*.graphql in name order (base first), then the adapters' fragments. */
export function typeDefs(): string[] {
  const files = fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b)));
  const own = files.map((f) => fs.readFileSync(path.join(schemaDir, f), 'utf8'));
  return [...own, ...adapters.flatMap((a) => (a.sdl ? [a.sdl] : []))];
}

export function resolvers() {
  return mergeResolvers([
    { Yuan, Date: DateScalar, DateTime, JSON: JSONScalar },
    hubResolvers,
    ingestResolvers,
    recipientResolvers,
    ...adapters.flatMap((a) => (a.resolvers ? [a.resolvers] : [])),
  ] as never[]);
}

export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: typeDefs(), resolvers: resolvers(), resolverValidationOptions: { requireResolversToMatchSchema: 'error' } });
}
