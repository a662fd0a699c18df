/** Starting the hub's HTTP server on a free loopback port for a test, and posting GraphQL to it. */
import pino from 'pino';
import type { Database } from '../../src/db/client.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/http.ts';

export async function startTestHub(database: Database, env: Record<string, string> = {}, opts: ServeOptions = {}): Promise<RunningServer & { config: Config }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  const server = await startServer(database, config, pino({ level: 'silent' }), opts);
  return Object.assign(server, { config });
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }> };
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: r.status, body: (await r.json()) as GqlResponse<T>['body'] };
}
