/**
 * The HTTP server: Apollo Server 5 on Node's own http module. `/graphql` (GraphQL over HTTP), `/healthz`
 * (a database ping), `/` (the console, src/server/console.ts) and `/dev` (a developer's query box). Stateless between requests: every
 * request gets its own context and loaders, so several instances can serve one PostgreSQL server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import { createContext, type HubContext } from '../graphql/context.ts';
import { servedSchema } from '../graphql/schema.ts';
import { Keys, type Principal } from '../access/auth.ts';
import { enforceLimits } from '../access/limits.ts';
import { A, rows, type Db } from '../db/client.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { GroupCommit } from '../shared/group-commit.ts';
import { landingPage } from './landing.ts';
import { serveConsole } from './console.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** The hub's token keys (to mint local tokens). */
  keys: Keys;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** Unexpected errors reach clients as INTERNAL_SERVER_ERROR without internals; coded ones pass as they are. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof HubError) return { ...formatted, message: original.message, extensions: { ...original.extensions } };
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _s, ...ext } = formatted.extensions ?? {};
      return { ...formatted, extensions: ext };
    }
    log.error({ err: original }, 'unexpected error in a request');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/**
 * Principals of recently verified bearer tokens. Verifying a JWT on every request (jose imports the key and
 * computes the HMAC each time) cost about 7% of the hub's CPU under the household-query load
 * (bench/query-load.ts). A token that verified is trusted again only while it is unexpired (its own `exp`,
 * the same test as jose's) and for at most a minute, so a key withdrawn from a JWKS stops working within
 * that time (jose caches the key set itself for longer). Failures are never kept: they are verified again.
 */
class VerifiedTokens {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly keys: Keys,
    private readonly maxAgeMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  async verify(header: string | undefined): Promise<Principal> {
    const now = Date.now();
    const hit = header === undefined ? undefined : this.cache.get(header);
    if (hit && hit.until > now) return { ...hit.principal };
    if (hit) this.cache.delete(header!);
    const principal = await this.keys.verify(header);
    let until = now + this.maxAgeMs;
    try {
      const exp = (JSON.parse(Buffer.from(header!.trim().split(/\s+/)[1]!.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
      if (typeof exp === 'number') until = Math.min(until, exp * 1000);
    } catch {
      return principal; // verified, but not in a shape this cache reads: do not keep it
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(header!, { principal: { ...principal }, until });
    return principal;
  }
}

/**
 * Requests per subject and minute, counted in the database so that all instances share the count. Requests
 * are counted by group commit (src/shared/group-commit.ts): one upsert adding n per subject, and each request
 * gets the count it would have got alone, its position within the minute.
 */
async function countRequests(db: Db, subjects: string[]): Promise<number[]> {
  const n = new Map<string, number>();
  for (const s of subjects) n.set(s, (n.get(s) ?? 0) + 1);
  const distinct = [...n.keys()];
  // label: http.rate-limit — one counter per subject and minute, in the database so all instances share it
  const counted = await rows<{ subject: string; count: number }>(
    db,
    sql`INSERT INTO rate_limits (subject, minute, count)
        SELECT t.subject, date_trunc('minute', now()), t.n FROM unnest(${A(distinct)}::text[], ${A(distinct.map((s) => n.get(s)!))}::int[]) AS t(subject, n)
        ON CONFLICT (subject, minute) DO UPDATE SET count = rate_limits.count + EXCLUDED.count RETURNING subject, count`,
  );
  const next = new Map<string, number>();
  let firstOfMinute = false;
  for (const r of counted) {
    const start = Number(r.count) - n.get(r.subject)! + 1;
    if (start === 1) firstOfMinute = true;
    next.set(r.subject, start);
  }
  if (firstOfMinute) await db.execute(sql`DELETE FROM rate_limits WHERE minute < now() - interval '1 hour'`);
  return subjects.map((s) => {
    const c = next.get(s)!;
    next.set(s, c + 1);
    return c;
  });
}

export interface ServeOptions {
  /** Serve the schema as an Apollo Federation 2 subgraph. */
  subgraph?: boolean;
}

export async function startServer(database: Database, config: Config, log: Logger, opts: ServeOptions = {}): Promise<RunningServer> {
  const keys = await Keys.load(config, database);
  const apollo = new ApolloServer<HubContext>({
    schema: servedSchema(opts.subgraph),
    introspection: config.env === 'development',
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: formatError(log),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // The schema has no @cacheControl hints, so Apollo's cache-control plugin only ever answered
      // `cache-control: no-store`; it did so through a hook on every resolved field (the per-field
      // instrumentation cost ~7% of the hub's CPU under the household-query load). The header is set below.
      ApolloServerPluginCacheControlDisabled(),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ document }) {
              enforceLimits(document, { maxDepth: config.maxQueryDepth, maxFields: config.maxQueryFields });
            },
            async willSendResponse({ contextValue, operationName, response }) {
              // What the cache-control plugin sent: personal data is never cached.
              if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
              // Every read of personal data is logged, whatever else the response says.
              if (contextValue.principal && contextValue.access.size > 0) {
                await contextValue.access.flush(database.db, contextValue.principal, operationName ?? 'anonymous', contextValue.purpose);
              }
            },
          };
        },
      },
    ],
    // GET requests execute queries only; a browser form cannot post JSON. Preflight headers are not required
    // of GET so that plain GraphQL-over-HTTP clients work; mutations are refused over GET by Apollo itself.
    csrfPrevention: { requestHeaders: ['content-type', 'x-apollo-operation-name', 'apollo-require-preflight'] },
  });
  await apollo.start();
  const verifiedTokens = new VerifiedTokens(keys);
  const rateCounter = new GroupCommit<string, number>((subjects) => countRequests(database.db, subjects));

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, errorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      try {
        await database.db.execute(sql`SELECT 1`);
        sendJson(res, 200, { status: 'ok', database: database.kind });
      } catch {
        sendJson(res, 503, { status: 'unavailable', database: database.kind });
      }
      return;
    }
    // The developer's query box moved to /dev; `/` and every other non-API path is the console.
    if (url.pathname === '/dev' && (req.method === 'GET' || req.method === 'HEAD')) {
      const html = landingPage();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (url.pathname !== '/graphql' && serveConsole(req, res, url.pathname)) return;
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, errorBody(ErrorCode.NOT_FOUND, `no route ${url.pathname}; GraphQL is served at /graphql`));
      return;
    }
    let principal: Principal;
    try {
      principal = await verifiedTokens.verify(req.headers.authorization);
    } catch (e) {
      const err = e as HubError;
      sendJson(res, 401, errorBody(err.code, err.message), { 'www-authenticate': 'Bearer realm="relief-hub"' });
      return;
    }
    const count = await rateCounter.submit(principal.sub);
    if (count > config.rateLimitPerMinute) {
      sendJson(res, 429, errorBody(ErrorCode.RATE_LIMITED, `more than ${config.rateLimitPerMinute} requests in a minute`), { 'retry-after': '60' });
      return;
    }
    const purpose = typeof req.headers['x-purpose'] === 'string' ? req.headers['x-purpose'].slice(0, 500) : null;
    let bodyText = '';
    if (req.method === 'POST') {
      try {
        bodyText = await readBody(req, config.maxBodyBytes);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          sendJson(res, 413, errorBody(ErrorCode.PAYLOAD_TOO_LARGE, `request body exceeds ${config.maxBodyBytes} bytes`), { connection: 'close' });
          return;
        }
        throw e;
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    let body: unknown = undefined;
    const contentType = headers.get('content-type') ?? '';
    if (req.method === 'POST' && /application\/(graphql-response\+)?json/i.test(contentType)) {
      try {
        body = bodyText === '' ? undefined : JSON.parse(bodyText);
      } catch {
        sendJson(res, 400, errorBody(ErrorCode.BAD_USER_INPUT, 'request body is not valid JSON'));
        return;
      }
    } else if (req.method === 'POST') {
      body = bodyText;
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => createContext(database, principal, purpose) });
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of result.headers) outHeaders[k] = v;
    res.statusCode = result.status ?? 200;
    for (const [k, v] of Object.entries(outHeaders)) res.setHeader(k, v);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    keys,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
