/**
 * The load generator of the recipient-query benchmark, run as a process of its own (the "second process"):
 * autocannon POSTs to one URL, each request taking the next entry of a list of request bodies (so the
 * identity numbers rotate across requests and connections), for a fixed duration at a fixed concurrency.
 *
 *   npx tsx bench/load.ts --url http://127.0.0.1:4000/graphql --requests bodies.json [--connections 16] [--duration 30]
 *
 * `bodies.json` is a JSON array of `{ "body": "<request body>", "headers": { … } }`. Prints one JSON line
 * (LoadStats) on stdout. Failures are counted, never dropped: transport errors and timeouts, non-2xx
 * responses, and 2xx responses whose JSON body carries `errors` (GraphQL errors) or no `data`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface LoadStats {
  /** Mean of autocannon's per-second request counts (completed responses, any status). */
  requestsPerSec: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  meanLatency: number;
  maxLatency: number;
  /** Responses received. */
  total: number;
  /** Transport errors (connection resets, refused) and timeouts. */
  errors: number;
  timeouts: number;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  /** 2xx responses whose body has an `errors` member or is not a GraphQL result with `data`. */
  graphqlErrors: number;
  /** The first few distinct error texts seen (status and a prefix of the body). */
  errorSamples: string[];
  durationSec: number;
  connections: number;
}

interface AutocannonRequest {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: AutocannonRequest, context: unknown) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string>) => void;
}
interface Histogram {
  average: number;
  mean: number;
  max: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number; sent: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  timeout?: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult> & { stop(): void };

// autocannon is CommonJS and ships no types; the few options and result fields used here are typed above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadEntry {
  body: string;
  headers: Record<string, string>;
}

export async function runLoad(opts: { url: string; entries: LoadEntry[]; connections: number; durationSec: number }): Promise<LoadStats> {
  if (opts.entries.length === 0) throw new Error('no request bodies to send');
  let next = 0;
  let graphqlErrors = 0;
  const samples = new Set<string>();
  const sample = (text: string) => {
    if (samples.size < 5) samples.add(text.slice(0, 300));
  };
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationSec,
    timeout: 30,
    method: 'POST',
    requests: [
      {
        method: 'POST',
        // One request definition rebuilt before every send: the next body of the list, round robin over all
        // connections (autocannon calls this synchronously, in one thread).
        setupRequest: (req) => {
          const e = opts.entries[next++ % opts.entries.length]!;
          return { ...req, method: 'POST', body: e.body, headers: { ...e.headers } };
        },
        onResponse: (status, body) => {
          if (status < 200 || status > 299) {
            sample(`${status} ${body}`);
            return; // counted by autocannon as non2xx
          }
          // Cheap checks first: a GraphQL error list appears as `"errors":` in the serialized body.
          if (body.includes('"errors"')) {
            let parsed: { errors?: unknown; data?: unknown } | null = null;
            try {
              parsed = JSON.parse(body) as { errors?: unknown; data?: unknown };
            } catch {
              /* not JSON: an error */
            }
            if (!parsed || parsed.errors !== undefined) {
              graphqlErrors++;
              sample(`${status} ${body}`);
              return;
            }
          }
          if (!body.includes('"data"')) {
            graphqlErrors++;
            sample(`${status} ${body}`);
          }
        },
      },
    ],
  });
  const r = await instance;
  return {
    requestsPerSec: round(r.requests.average),
    p50: round(r.latency.p50),
    p99: round(r.latency.p99),
    meanLatency: round(r.latency.average),
    maxLatency: round(r.latency.max),
    total: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    graphqlErrors,
    errorSamples: [...samples],
    durationSec: round(r.duration),
    connections: opts.connections,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

// Run as a process: `tsx bench/load.ts --url … --requests file.json`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      requests: { type: 'string' },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '30' },
    },
  });
  if (!values.url || !values.requests) {
    process.stderr.write('usage: tsx bench/load.ts --url URL --requests bodies.json [--connections 16] [--duration 30]\n');
    process.exit(2);
  }
  const entries = JSON.parse(fs.readFileSync(values.requests, 'utf8')) as LoadEntry[];
  const stats = await runLoad({ url: values.url, entries, connections: Number(values.connections), durationSec: Number(values.duration) });
  process.stdout.write(JSON.stringify(stats) + '\n');
}
