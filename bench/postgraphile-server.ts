/**
 * The reference server of the recipient-query benchmark (bench/query-load.ts): PostGraphile 4 (the npm
 * package) as middleware on node:http, over the hub's own database, schema `public`, with the options its
 * documentation recommends for production. Run as a child process:
 *
 *   DATABASE_URL=postgres://… npx tsx bench/postgraphile-server.ts [port]     (or PORT=…; 0 picks a free one)
 *
 * Prints one line `ready <port>` on stdout once it listens on 127.0.0.1; SIGTERM/SIGINT stop it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);

/**
 * One graphql-js for PostGraphile. The hub depends on graphql 16, PostGraphile 4 on graphql 15, so npm
 * installed 15.11 twice (node_modules/postgraphile/node_modules/graphql and
 * node_modules/graphile-build-pg/node_modules/graphql, each with its own graphile-build) and
 * graphql-parse-resolve-info resolves to the hub's 16. Mixed, they fail at the first query with "Cannot use
 * GraphQLObjectType "Person" from another module or realm". Nothing else in this process uses graphql, so
 * every `graphql` and `graphile-build` require is pointed at the copies next to postgraphile itself; the
 * installed packages are left as they are.
 */
{
  type Resolve = (request: string, parent: unknown, ...rest: unknown[]) => string;
  const Module = require('node:module') as { _resolveFilename: Resolve; _nodeModulePaths: (dir: string) => string[] };
  const pgDir = path.dirname(require.resolve('postgraphile/package.json'));
  // A stand-in parent module inside node_modules/postgraphile: resolving from it finds its own copies.
  const pgParent = { id: path.join(pgDir, 'index.js'), filename: path.join(pgDir, 'index.js'), paths: Module._nodeModulePaths(pgDir) };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, parent: unknown, ...rest: unknown[]) {
    const redirect = request === 'graphql' || request.startsWith('graphql/') || request === 'graphile-build' || request.startsWith('graphile-build/');
    return original.call(this, request, redirect ? pgParent : parent, ...rest);
  };
}

// postgraphile is CommonJS and re-exports graphile-utils with `export *`, which Node's ESM named-export
// detection does not see; require() it and keep its own types.
const { postgraphile, makeJSONPgSmartTagsPlugin } = require('postgraphile') as typeof import('postgraphile');

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('postgraphile-server: DATABASE_URL is required\n');
  process.exit(2);
}
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const poolSize = Number(process.env.PG_POOL_MAX ?? 10);

/**
 * Smart tags, given to PostGraphile as a plugin (the database itself is not changed):
 * - aid_records.settlement_ref names a settlement that may arrive later, so the hub's schema has no foreign
 *   key there; this virtual one gives PostGraphile the hub's `AidRecord.settlement` link
 *   (`settlementBySettlementRef`).
 * - persons.id_number is unique through a unique INDEX, which PostGraphile 4 does not introspect (it reads
 *   constraints); the virtual unique constraint gives it `personByIdNumber(idNumber:)`, the hub's `person`.
 */
const SmartTags = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: {
    class: {
      aid_records: { tags: { foreignKey: '(settlement_ref) references settlements (settlement_id)' } },
      persons: { tags: { unique: 'id_number' } },
    },
  },
});

// The same pool size as the hub's (src/db/client.ts: 10), so neither side gets more database connections.
const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
pool.on('error', () => {
  /* an idle client lost its connection; the pool replaces it */
});

const middleware = postgraphile(pool, 'public', {
  // production settings (PostGraphile 4 docs, "Production"): no GraphiQL, no query log, no watch mode
  graphiql: false,
  enhanceGraphiql: false,
  watchPg: false,
  disableQueryLog: true,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  legacyRelations: 'omit',
  extendedErrors: ['errcode'],
  showErrorStack: false,
  enableQueryBatching: false,
  appendPlugins: [SmartTags],
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
