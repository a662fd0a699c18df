/**
 * The HTTP server: Apollo Server 5 on Node's own http module. `/graphql` (GraphQL over HTTP), `/healthz`
 * (alive), `/readyz` (database reachable, migrations current, not draining), `/metrics` (Prometheus), `/` (the
 * console, src/server/console.ts) and `/dev` (a developer's query box). Stateless between requests: every request
 * gets its own context and loaders, so several instances can serve one PostgreSQL server.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import { migrationsFolder, type Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import { createContext, type HubContext } from '../graphql/context.ts';
import { createLoaders } from '../graphql/loaders.ts';
import { servedSchema } from '../graphql/schema.ts';
import { Keys, type Principal } from '../access/auth.ts';
import { enforceLimits } from '../access/limits.ts';
import { parsePurpose, requirePurpose } from '../access/guard.ts';
import { HubError, ErrorCode, isDatabaseUnavailable } from '../shared/errors.ts';
import { HubMetrics } from './metrics.ts';
import * as store from './store.ts';
import { ReadRouter } from './read-routing.ts';
import { RateLimit } from './rate-limit.ts';
import { landingPage } from './landing.ts';
import { checkRequestInputs, clipMessage, codeOfUncodedClientError, isTokenLimit } from './request-guards.ts';
import { serveConsole } from './console.ts';
import { CompiledOperations, contentTypeFor, plainRequest } from '../graphql/compiled.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** The hub's token keys (to mint local tokens). */
  keys: Keys;
  /** True from the moment shutdown() or close() starts: new requests are refused (503), in-flight ones finish; /readyz answers 503 so that a load balancer stops sending requests. */
  readonly draining: boolean;
  /** Requests being served now. */
  readonly inFlight: number;
  /** This server's metrics (what /metrics serves). */
  metrics: HubMetrics;
  /** Requests answered by the compiled path (src/graphql/compiled.ts) so far. */
  readonly compiledAnswers: number;
  /**
   * Graceful stop: stop accepting, let in-flight requests finish (at most `graceMs`), then close every
   * connection and Apollo. The caller closes the database after it.
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Immediate stop (tests): connections are cut. */
  close(): Promise<void>;
}


/** An incoming `x-request-id` is kept when it is short and plain; otherwise the hub makes one. */
const REQUEST_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;
export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && REQUEST_ID.test(v) ? v : randomUUID();
}

/** The last migration of migrations/ (its drizzle journal time): /readyz compares the database's with it. */
function latestMigration(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ when: number }> };
  return Math.max(...journal.entries.map((e) => e.when));
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

const UNAVAILABLE_MESSAGE = 'the database is unavailable; try again shortly';

/**
 * What an error of a GraphQL response is: the database unavailable, the client's (coded) mistake, or
 * unexpected. `code` is the error's own `extensions.code`, if any. formatError answers by it, and the
 * server logs by it (the request's logger, in a plugin hook that has the request's context).
 */
export function errorKind(original: unknown, code: unknown): 'unavailable' | 'client' | 'unexpected' {
  if (isDatabaseUnavailable(original)) return 'unavailable';
  if (original instanceof HubError || isTokenLimit(original) || codeOfUncodedClientError(original)) return 'client';
  return typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' ? 'client' : 'unexpected';
}

/**
 * Unexpected errors reach clients as INTERNAL_SERVER_ERROR without internals; coded ones pass as they are.
 * No message echoes the client's input whole (clipMessage); Apollo's code-less client errors get a code.
 * Errors of a request are logged where they are met, with the request's id (didEncounterErrors below); one
 * that reaches this function without having been logged there (`logged`) is logged here, without an id.
 */
export function formatError(log: Logger, logged: WeakSet<object> = new WeakSet()) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const unlogged = !(original !== null && typeof original === 'object' && logged.has(original));
    if (isDatabaseUnavailable(original)) {
      if (unlogged) log.warn({ err: original }, 'database unavailable');
      return { message: UNAVAILABLE_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } };
    }
    if (original instanceof HubError) {
      const { http: _h, ...extensions } = original.extensions;
      return { ...formatted, message: clipMessage(original.message), extensions };
    }
    if (isTokenLimit(original)) return { message: clipMessage(formatted.message), extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } };
    const clientCode = codeOfUncodedClientError(original);
    if (clientCode) return { message: clipMessage(formatted.message), extensions: { code: clientCode } };
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _s, ...ext } = formatted.extensions ?? {};
      return { ...formatted, message: clipMessage(formatted.message), extensions: ext };
    }
    if (unlogged) log.error({ err: original }, 'unexpected error in a request');
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

export interface ServeOptions {
  /** Serve the schema as an Apollo Federation 2 subgraph. */
  subgraph?: boolean;
  /** The unguarded schema to serve instead of the hub's own (tests adding a field); guarded as the hub's is. */
  schema?: GraphQLSchema;
  /** The read-only standby (DATABASE_READ_URL): read-only operations go there (src/server/read-routing.ts). */
  readDatabase?: Database | null;
}

const STATE = Symbol('request state');
/** What the server notes about one request while Apollo runs it (for metrics and routing). */
interface RequestState {
  operation: string;
  outcome: string;
  /** The request's logger (a pino child with its request id). */
  log: Logger;
}

export async function startServer(database: Database, config: Config, log: Logger, opts: ServeOptions = {}): Promise<RunningServer> {
  const keys = await Keys.load(config, database);
  // Errors already logged with their request's id (didEncounterErrors), so that formatError does not log them again.
  const loggedErrors = new WeakSet<object>();
  const schema = servedSchema(opts.subgraph, opts.schema);
  // Compiled execution of the hot reads (src/graphql/compiled.ts); not for a federation subgraph. COMPILED_QUERIES=off turns it off.
  const compiled = opts.subgraph || config.compiledQueries === false ? null : new CompiledOperations(schema);
  const apollo = new ApolloServer<HubContext>({
    schema,
    introspection: config.env === 'development',
    // No "Did you mean …" naming the schema's fields outside development.
    hideSchemaDetailsFromClientErrors: config.env !== 'development',
    // The parser stops at this many tokens: a huge document is refused before it is parsed whole.
    parseOptions: { maxTokens: config.maxQueryTokens },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // Apollo's own SIGINT/SIGTERM handler stops Apollo and re-raises the signal, killing the process before
    // the hub has closed its database; `relief-hub serve` handles the signals itself (shutdown, then close).
    stopOnTerminationSignals: false,
    formatError: formatError(log, loggedErrors),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // The schema has no @cacheControl hints, so Apollo's cache-control plugin only ever answered
      // `cache-control: no-store`; it did so through a hook on every resolved field (the per-field
      // instrumentation cost ~7% of the hub's CPU under the household-query load). The header is set below.
      ApolloServerPluginCacheControlDisabled(),
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ contextValue, errors }) {
              const reqLog = requestStates.get(contextValue)?.log ?? log;
              for (const e of errors) {
                const original = unwrapResolverError(e);
                const kind = errorKind(original, e.extensions?.code);
                if (kind === 'unavailable') reqLog.warn({ err: original }, 'database unavailable');
                else if (kind === 'unexpected') reqLog.error({ err: original }, 'unexpected error in a request');
                if (original !== null && typeof original === 'object') loggedErrors.add(original);
              }
            },
            async didResolveOperation({ document, request, schema, operation, operationName, contextValue }) {
              // Introspection selections are measured apart only where introspection is allowed at all.
              enforceLimits(document, { maxDepth: config.maxQueryDepth, maxFields: config.maxQueryFields, introspection: config.env === 'development' });
              checkRequestInputs(schema, document, request.variables);
              // A read of personal data states its purpose; without one nothing runs (HTTP 400).
              requirePurpose(schema, document, operationName, contextValue.purpose);
              if (!operation) return;
              // Parsed, validated and within the limits: the same text may take the compiled path next time.
              compiled?.note(request.query, request.operationName, document, operation);
              const state = requestStates.get(contextValue);
              const first = operation.selectionSet.selections.find((s) => s.kind === 'Field');
              if (state) state.operation = `${operation.operation}.${first?.kind === 'Field' ? first.name.value : 'fragment'}`;
              metrics.operationServedBy(await route(contextValue, operation));
            },
            async willSendResponse({ contextValue, operationName, operation, response }) {
              // What the cache-control plugin sent: personal data is never cached.
              if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
              try {
                // Every read of personal data is logged, whatever else the response says.
                if (contextValue.principal && contextValue.access.size > 0) {
                  await contextValue.access.flush(database.db, contextValue.principal, operationName ?? 'anonymous', contextValue.purpose);
                }
              } catch (e) {
                if (!isDatabaseUnavailable(e)) throw e;
                // Personal data whose read could not be logged is not sent.
                (requestStates.get(contextValue)?.log ?? log).warn({ err: e }, 'database unavailable');
                if (response.body.kind === 'single') {
                  response.body.singleResult = { errors: [{ message: UNAVAILABLE_MESSAGE, extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } }] };
                }
              }
              // The caller's reads must see this write: they stay on the primary until the standby replayed it.
              if (router && operation?.operation === 'mutation' && contextValue.principal) {
                await router.wrote(contextValue.principal.sub).catch((e: unknown) => (requestStates.get(contextValue)?.log ?? log).warn({ err: e }, 'could not note the WAL position of a write'));
              }
              if (response.body.kind === 'single') {
                const errors = response.body.singleResult.errors;
                const code = errors?.[0]?.extensions?.code;
                const state = requestStates.get(contextValue);
                if (state && errors && errors.length > 0) state.outcome = typeof code === 'string' ? code : 'ERROR';
                if (errors?.some((e) => e.extensions?.code === ErrorCode.DATABASE_UNAVAILABLE)) {
                  response.http.status = 503;
                  response.http.headers.set('retry-after', '5');
                }
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
  const rateLimit = new RateLimit(database.db, config.rateLimitPerMinute);
  const metrics = new HubMetrics(database, opts.readDatabase ?? null);
  const router = opts.readDatabase ? new ReadRouter(database, opts.readDatabase) : null;
  // Apollo shallow-copies the context for the operation; the state travels in it under a symbol.
  const requestStates = {
    get: (ctx: HubContext) => (ctx as HubContext & { [STATE]?: RequestState })[STATE],
    set: (ctx: HubContext, state: RequestState) => void Object.assign(ctx, { [STATE]: state }),
  };
  /**
   * A read-only operation goes to the standby unless the caller has a write it has not replayed yet.
   * A standby that cannot be asked whether it replayed the caller's write: the primary answers instead.
   */
  async function route(ctx: HubContext, operation: OperationDefinitionNode): Promise<'read' | 'primary'> {
    const toStandby = router ? await router.routesToStandby(operation, ctx.principal?.sub ?? null).catch(() => false) : false;
    if (!router || !toStandby) return 'primary';
    ctx.database = router.read;
    ctx.loaders = createLoaders(router.read);
    return 'read';
  }

  /**
   * The compiled path (src/graphql/compiled.ts): the answer Apollo would send, or null to let Apollo
   * answer (not a compiled operation, a check that refuses, any error in the result, an access log that
   * could not be written). The checks are the plugin's, in its order.
   */
  async function serveCompiled(body: unknown, accept: string | undefined, principal: Principal, purpose: string | null, state: RequestState): Promise<{ contentType: string; text: string } | null> {
    const request = compiled ? plainRequest(body) : null;
    const contentType = request ? contentTypeFor(accept) : null;
    const op = request && contentType ? compiled!.get(request.query, request.operationName) : null;
    if (!request || !contentType || !op) return null;
    if (op.personal && !purpose) return null;
    try {
      checkRequestInputs(schema, op.document, request.variables);
    } catch {
      return null;
    }
    const ctx = createContext(database, principal, purpose);
    ctx.onIngest = (summary) => metrics.ingest(summary);
    const where = await route(ctx, op.operation);
    let result: Awaited<ReturnType<typeof op.query>>;
    try {
      result = await op.query(undefined, ctx, request.variables ?? {});
    } catch {
      return null;
    }
    if (result.errors && result.errors.length > 0) return null;
    if (ctx.access.size > 0) {
      try {
        // Every read of personal data is logged before the answer leaves (group commit, src/access/log.ts).
        await ctx.access.flush(database.db, principal, op.operationName ?? 'anonymous', purpose);
      } catch {
        return null;
      }
    }
    metrics.operationServedBy(where);
    state.operation = op.label;
    compiledAnswers++;
    return { contentType, text: JSON.stringify({ data: result.data }) + '\n' };
  }

  let compiledAnswers = 0;
  const migrationsExpected = latestMigration();
  let draining = false;

  let inFlight = 0;
  const idle: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    // /readyz answers for itself while draining (503 "draining"), so a load balancer reads why.
    if (draining && !req.url?.startsWith('/readyz')) {
      sendJson(res, 503, errorBody('SHUTTING_DOWN', 'the hub is shutting down; retry on another instance or in a moment'), { connection: 'close', 'retry-after': '5' });
      return;
    }
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) for (const f of idle.splice(0)) f();
    });
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const reqLog = log.child({ reqId: requestId });
    const state: RequestState = { operation: 'http', outcome: 'ok', log: reqLog };
    // Counted when the response is handed over (not on 'finish', which may come after the client read it).
    const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse;
    res.end = ((...args: unknown[]) => {
      const outcome = state.outcome === 'ok' && res.statusCode >= 400 ? `HTTP_${res.statusCode}` : state.outcome;
      metrics.request(state.operation, outcome, started);
      reqLog.debug({ method: req.method, path: req.url, status: res.statusCode, operation: state.operation, outcome, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
      res.end = end as typeof res.end;
      return end(...args);
    }) as typeof res.end;
    // No AsyncLocalStorage for the request's logger: on Node 20 it turns on promise hooks for every promise
    // of the process (about 5% of the CPU under the household-query load); the logger travels in the state.
    void handle(req, res, state).catch((err: unknown) => {
        if (isDatabaseUnavailable(err)) {
          reqLog.warn({ err }, 'database unavailable');
          state.outcome = ErrorCode.DATABASE_UNAVAILABLE;
          if (!res.headersSent) sendJson(res, 503, errorBody(ErrorCode.DATABASE_UNAVAILABLE, UNAVAILABLE_MESSAGE), { 'retry-after': '5' });
          else res.end();
          return;
        }
        reqLog.error({ err }, 'request failed');
        state.outcome = ErrorCode.INTERNAL_SERVER_ERROR;
        if (!res.headersSent) sendJson(res, 500, errorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
        else res.end();
      });
  });

  /** /readyz: the database answers (within the statement timeout), its migrations are this build's, and the server is not draining. */
  async function readiness(): Promise<{ ready: boolean; body: Record<string, unknown> }> {
    if (draining) return { ready: false, body: { status: 'draining', database: database.kind } };
    try {
      // The newest migration the database has applied (drizzle's own table)
      const applied = Number((await store.lastMigrationApplied(database.db)) ?? 0);
      if (applied < migrationsExpected) return { ready: false, body: { status: 'migrations-pending', database: database.kind } };
      if (router) await store.ping(router.read.db);
      return { ready: true, body: { status: 'ready', database: database.kind, ...(router ? { readDatabase: 'standby' } : {}) } };
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      return { ready: false, body: { status: 'database-unavailable', database: database.kind } };
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, state: RequestState): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      // Alive: the process serves HTTP. The database is /readyz's business (a database outage must not get
      // every instance restarted).
      state.operation = 'http.healthz';
      sendJson(res, 200, { status: 'ok', database: database.kind });
      return;
    }
    if (url.pathname === '/readyz') {
      state.operation = 'http.readyz';
      const r = await readiness();
      sendJson(res, r.ready ? 200 : 503, r.body);
      return;
    }
    if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      state.operation = 'http.metrics';
      const m = await metrics.text();
      res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body) });
      res.end(req.method === 'HEAD' ? undefined : m.body);
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
    state.operation = 'graphql';
    if (url.pathname !== '/graphql') {
      state.operation = 'http.other';
      sendJson(res, 404, errorBody(ErrorCode.NOT_FOUND, `no route ${url.pathname}; GraphQL is served at /graphql`));
      return;
    }
    let principal: Principal;
    try {
      principal = await verifiedTokens.verify(req.headers.authorization);
    } catch (e) {
      const err = e as HubError;
      state.outcome = err.code ?? ErrorCode.UNAUTHENTICATED;
      sendJson(res, 401, errorBody(err.code, err.message), { 'www-authenticate': 'Bearer realm="relief-hub"' });
      return;
    }
    if (!(await rateLimit.allow(principal.sub))) {
      state.outcome = ErrorCode.RATE_LIMITED;
      sendJson(res, 429, errorBody(ErrorCode.RATE_LIMITED, `more than ${config.rateLimitPerMinute} requests in a minute`), { 'retry-after': '60' });
      return;
    }
    let purpose: string | null;
    try {
      purpose = parsePurpose(req.headers['x-purpose']);
    } catch (e) {
      const err = e as HubError;
      sendJson(res, 400, errorBody(err.code, err.message));
      return;
    }
    let bodyText = '';
    if (req.method === 'POST') {
      try {
        bodyText = await readBody(req, config.maxBodyBytes);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          state.outcome = ErrorCode.PAYLOAD_TOO_LARGE;
          sendJson(res, 413, errorBody(ErrorCode.PAYLOAD_TOO_LARGE, `request body exceeds ${config.maxBodyBytes} bytes`), { connection: 'close' });
          return;
        }
        throw e;
      }
    }
    let body: unknown = undefined;
    const contentType = req.headers['content-type'] ?? '';
    if (req.method === 'POST' && /application\/(graphql-response\+)?json/i.test(contentType)) {
      try {
        body = bodyText === '' ? undefined : JSON.parse(bodyText);
      } catch {
        state.outcome = ErrorCode.BAD_USER_INPUT;
        sendJson(res, 400, errorBody(ErrorCode.BAD_USER_INPUT, 'request body is not valid JSON'));
        return;
      }
    } else if (req.method === 'POST') {
      body = bodyText;
    }
    if (compiled && req.method === 'POST') {
      const fast = await serveCompiled(body, req.headers.accept, principal, purpose, state);
      if (fast) {
        res.statusCode = 200;
        res.setHeader('cache-control', 'no-store');
        res.setHeader('content-type', fast.contentType);
        res.end(fast.text);
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body };
    const context = async () => {
      const ctx = createContext(database, principal, purpose);
      ctx.onIngest = (summary) => metrics.ingest(summary);
      requestStates.set(ctx, state);
      return ctx;
    };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
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
    metrics,
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    get compiledAnswers() {
      return compiledAnswers;
    },
    async shutdown(graceMs = 10_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          idle.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
    async close() {
      draining = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
