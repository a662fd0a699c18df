/**
 * Statements per household query (issue 17): starts the hub in this process on a loaded database, sends the
 * benchmark's household query for `--requests` sampled persons, 16 at a time, as a caseworker, and counts the
 * statements the hub sent to PostgreSQL (pg's Client.query), by their first words.
 *
 *   npx tsx bench/query-statements.ts --pg-url postgres://… [--requests 400] [--port 4106] [--compiled on|off]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server/http.ts';
import { CASEWORKER, HUB_QUERY, sampleIdNumbers } from './query-load.ts';

const { values } = parseArgs({ options: { 'pg-url': { type: 'string' }, requests: { type: 'string', default: '400' }, port: { type: 'string', default: '0' }, compiled: { type: 'string', default: 'on' } } });
const url = values['pg-url']!;
const ids = await sampleIdNumbers(url, Number(values.requests), true, CASEWORKER.county);
const counts = new Map<string, number>();
type Query = (...a: unknown[]) => unknown;
const query = pg.Client.prototype.query as unknown as Query;
(pg.Client.prototype as unknown as { query: Query }).query = function (this: unknown, ...a: unknown[]) {
  const q = a[0] as string | { text?: string; name?: string };
  const text = typeof q === 'string' ? q : (q.text ?? q.name ?? '?');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return query.apply(this, a);
};
const database = await openDatabase({ databaseUrl: url, dataDir: null });
const server = await startServer(
  database,
  loadConfig({ PORT: values.port, HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'silent', AUTH_SECRET: `statements-${Date.now()}-0123456789abcdef`, RATE_LIMIT_PER_MINUTE: '1000000', COMPILED_QUERIES: values.compiled }),
  pino({ level: 'silent' }),
);
try {
  const token = await server.keys.mint({ ...CASEWORKER, sub: 'statements' } as never);
  const ask = (id: string) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'counting statements' }, body: JSON.stringify({ query: HUB_QUERY, variables: { id } }) }).then((r) => r.text());
  for (let i = 0; i < 3; i++) await ask(ids[0]!); // warm: the document is noted, then compiled
  counts.clear();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < ids.length) await ask(ids[next++]!); }));
  let total = 0;
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) {
    total += v;
    console.log(`${v}\t${k}`);
  }
  console.log(`${ids.length} requests (${server.compiledAnswers} compiled): ${(total / ids.length).toFixed(2)} statements per request`);
} finally {
  await server.close();
  await database.close();
}
