/** Resolvers of the hub's own fields. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubContext } from './context.ts';

export const version: string = JSON.parse(
  fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'),
).version;

export const hubResolvers = {
  Query: {
    hub: async (_: unknown, __: unknown, ctx: HubContext) => ({
      version,
      database: ctx.database.kind,
      databaseVersion: await ctx.database.serverVersion(),
    }),
  },
  Mutation: {
    ping: () => version,
  },
};
