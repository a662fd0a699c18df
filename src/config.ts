/**
 * All configuration of the hub, read and validated in one place at start-up.
 * A wrong value stops start-up with a message that names the variable.
 */
import path from 'node:path';
import { parseLimits, type IngestLimits } from './formats/limits.ts';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface Config {
  /**
   * `postgres://…` of a real PostgreSQL server, as the role the hub serves as; when absent the embedded
   * PGlite database is used (one user: the guarantee below is PostgreSQL's only).
   */
  databaseUrl: string | null;
  /**
   * `DATABASE_OWNER_URL`: the same server as the role that owns the tables; migrations run as it, and grant
   * the serving role (DATABASE_URL's user) the statements it needs and no more: on `access_log`, SELECT and
   * INSERT only, so the hub cannot change or empty its own log. Unset: the same as DATABASE_URL, with a
   * warning at start-up (the serving role then owns the tables and could).
   */
  databaseOwnerUrl: string | null;
  /** Directory of the embedded database (ignored when `databaseUrl` is set). `:memory:` keeps it in memory. */
  dataDir: string;
  /** Interface the HTTP server binds to. Loopback by default: exposing the hub is a deliberate act. */
  host: string;
  /** TCP port of the HTTP server. 0 picks a free port (tests). */
  port: number;
  /** `development` enables introspection and the landing page's sandbox hints; anything else is production. */
  env: 'development' | 'production' | 'test';
  /** Log level for pino. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted HTTP request body, in bytes (ingest payloads travel in the body). */
  maxBodyBytes: number;
  /** Rows written per statement when ingesting. */
  ingestBatchSize: number;
  /** The readers' bounds (src/formats/limits.ts): the defaults, overridden by `INGEST_LIMITS` (JSON). */
  ingestLimits: IngestLimits;
  /**
   * HS256 secret that signs and verifies bearer tokens (at least 32 characters). When neither it nor a JWKS
   * URL is set, the hub generates one and keeps it in its database (fine for one site's own tokens; set
   * it explicitly where several instances or other issuers are involved).
   */
  authSecret: string | null;
  /** URL of a JSON Web Key Set to verify tokens issued elsewhere (RS256/ES256), instead of the secret. */
  authJwksUrl: string | null;
  /** Requests per minute one token (subject) may make; counted in the database, shared by all instances. */
  rateLimitPerMinute: number;
  /** Deepest selection a query may nest. */
  maxQueryDepth: number;
  /** Most fields (aliases included) one query may select: the cost limit. */
  maxQueryFields: number;
  /**
   * `postgres://…` of a read-only hot standby: the read-only operations (person, household and settlement
   * views, reports, eligibility, warnings) go there unless the caller has a write the standby has not replayed.
   */
  databaseReadUrl: string | null;
  /** Connections per PostgreSQL pool (the primary's; the standby's has as many). */
  dbPoolSize: number;
  /** Longest a statement may run (server-side `statement_timeout`; also the client's wait, plus a margin). */
  dbStatementTimeoutMs: number;
  /**
   * The same for the command line's batch work (`load`, `ingest`, `pull`, `rederive`, `demo`): a bulk load derives
   * slices of 50,000 persons, one statement a slice, which at provincial scale runs longer than a request may
   * (issue 17's full run was cancelled by the 30 s serving limit in the derivation of a first load).
   */
  dbBatchStatementTimeoutMs: number;
  /** Longest to wait for a database connection (connecting, or a free one in the pool). */
  dbConnectTimeoutMs: number;
  /** Most lexical tokens a query document may have; the parser stops there (QUERY_TOO_COMPLEX). */
  maxQueryTokens: number;
  /** Compiled execution of the hot reads (src/graphql/compiled.ts); `COMPILED_QUERIES=off` leaves every request to Apollo. */
  compiledQueries: boolean;
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function secretVar(env: Env): string | null {
  const raw = env.AUTH_SECRET;
  if (raw === undefined || raw === '') return null;
  if (raw.length < 32) throw new ConfigError('AUTH_SECRET', 'must be at least 32 characters (an HS256 key)');
  return raw;
}

function urlVar(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    return raw;
  } catch {
    throw new ConfigError(name, `is not an http(s) URL: "${raw}"`);
  }
}

function limitsVar(env: Env): IngestLimits {
  try {
    return parseLimits(env.INGEST_LIMITS);
  } catch (e) {
    throw new ConfigError('INGEST_LIMITS', (e as Error).message);
  }
}

function postgresUrlVar(env: Env, name: string): string | null {
  const raw = env[name]?.trim() || null;
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must start with postgres:// or postgresql://, got "${url.protocol}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = postgresUrlVar(env, 'DATABASE_URL');
  const databaseReadUrl = postgresUrlVar(env, 'DATABASE_READ_URL');
  if (databaseReadUrl !== null && databaseUrl === null) throw new ConfigError('DATABASE_READ_URL', 'needs DATABASE_URL (a standby of that primary)');
  const databaseOwnerUrl = postgresUrlVar(env, 'DATABASE_OWNER_URL');
  if (databaseOwnerUrl !== null && databaseUrl === null) throw new ConfigError('DATABASE_OWNER_URL', 'needs DATABASE_URL (the role the hub serves as)');
  const dataDirRaw = env.DATA_DIR?.trim() || './data';
  const dataDir = dataDirRaw === ':memory:' ? dataDirRaw : path.resolve(dataDirRaw);
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
  return {
    databaseUrl,
    databaseOwnerUrl,
    dataDir,
    host,
    port: intVar(env, 'PORT', 4000, 0, 65535),
    env: oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxBodyBytes: intVar(env, 'MAX_BODY_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    ingestBatchSize: intVar(env, 'INGEST_BATCH_SIZE', 2000, 1, 50000),
    ingestLimits: limitsVar(env),
    authSecret: secretVar(env),
    authJwksUrl: urlVar(env, 'AUTH_JWKS_URL'),
    rateLimitPerMinute: intVar(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 1_000_000),
    maxQueryDepth: intVar(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    maxQueryFields: intVar(env, 'MAX_QUERY_FIELDS', 400, 10, 100_000),
    databaseReadUrl,
    dbPoolSize: intVar(env, 'DB_POOL_SIZE', 10, 1, 1000),
    dbStatementTimeoutMs: intVar(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000, 100, 86_400_000),
    dbBatchStatementTimeoutMs: intVar(env, 'DB_BATCH_STATEMENT_TIMEOUT_MS', 3_600_000, 100, 86_400_000),
    dbConnectTimeoutMs: intVar(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    maxQueryTokens: intVar(env, 'MAX_QUERY_TOKENS', 5000, 100, 1_000_000),
    compiledQueries: oneOf(env, 'COMPILED_QUERIES', ['on', 'off'] as const, 'on') === 'on',
  };
}
