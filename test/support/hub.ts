/** Starting the hub's HTTP server on a free loopback port for a test, and posting GraphQL to it. */
import pino from 'pino';
import type { Database } from '../../src/db/client.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/http.ts';
import type { TokenClaims } from '../../src/access/auth.ts';

export const TEST_SECRET = 'relief-hub-test-secret-0123456789abcdef';

/** The platform token of each running test hub: `gql` sends it unless told otherwise. */
const defaultTokens = new Map<string, string>();

export type TestHub = RunningServer & { config: Config; token(claims: TokenClaims): Promise<string> };

export async function startTestHub(database: Database, env: Record<string, string> = {}, opts: ServeOptions = {}): Promise<TestHub> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'silent', AUTH_SECRET: TEST_SECRET, ...env });
  const server = await startServer(database, config, pino({ level: 'silent' }), opts);
  defaultTokens.set(server.url, await server.keys.mint({ role: 'PLATFORM', sub: 'test-platform' }));
  const close = server.close.bind(server);
  return Object.assign(server, {
    config,
    token: (claims: TokenClaims) => server.keys.mint(claims),
    close: async () => {
      defaultTokens.delete(server.url);
      await close();
    },
  });
}

/** The purpose `gql` and `authedFetch` state unless told otherwise (every read of personal data states one). */
export const TEST_PURPOSE = 'integration test';

/** fetch with the hub's platform token and a purpose (for clients such as graphql-http's audits). */
export function authedFetch(url: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${defaultTokens.get(url)}`);
    if (!headers.has('x-purpose')) headers.set('x-purpose', TEST_PURPOSE);
    return fetch(input, { ...init, headers });
  };
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }> };
}

/**
 * POSTs a query with the hub's platform token and TEST_PURPOSE; pass `authorization` in headers to act as
 * someone else ('' for no one), `x-purpose` to state another purpose ('' for none).
 */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const auth = headers.authorization ?? `Bearer ${defaultTokens.get(url)}`;
  const purpose = headers['x-purpose'] ?? TEST_PURPOSE;
  const { authorization: _a, 'x-purpose': _p, ...rest } = headers;
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(auth ? { authorization: auth } : {}),
      ...(purpose ? { 'x-purpose': purpose } : {}),
      ...rest,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: r.status, body: (await r.json()) as GqlResponse<T>['body'] };
}
