/**
 * The recipient query under load (issue 8): the household aid-history query a caseworker asks, on the hub
 * and on PostGraphile 4 over the same database, each driven by autocannon from a second process
 * (bench/load.ts) at a fixed concurrency for a fixed time. Runs alternate hub, PostGraphile, hub, … so that
 * each ratio compares two runs measured back to back; medians are over the runs.
 *
 * `runQueryBench` is self-contained: it starts both servers as child processes on free loopback ports,
 * checks that the two queries return the same records, runs the load, and stops both servers (also on
 * error). bench/query-main.ts is a standalone entry; `npm run bench` can call it too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pgLib from 'pg';
import type { LoadEntry, LoadStats } from './load.ts';
import { freePort } from '../dev/pg-cluster.ts';
import { sql } from 'drizzle-orm';
import { openDatabase, rows } from '../src/db/client.ts';

/** A run's load figures, and the server's own CPU time per response during it (Linux: /proc/<pid>/stat). */
export type Stats = LoadStats & { cpuMsPerRequest?: number };

/**
 * CPU time (user + system, ms) a process has used so far, or null where /proc is not there. On a shared
 * machine a server's throughput follows the CPU share it gets; its CPU time per request does not, so the
 * ratio of CPU per request compares two servers even when other work runs beside them.
 */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** runLoadProcess against a server, with that server's CPU time per response. */
async function measured(server: Child, url: string, bodiesFile: string, connections: number, durationSec: number): Promise<Stats> {
  const before = cpuMs(server.proc.pid);
  const s: Stats = await runLoadProcess(url, bodiesFile, connections, durationSec);
  const after = cpuMs(server.proc.pid);
  if (before !== null && after !== null && s.total > 0) s.cpuMsPerRequest = Math.round(((after - before) / s.total) * 1000) / 1000;
  return s;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface QueryBenchOptions {
  /** postgres:// URL of a migrated and loaded hub database; both servers read it. */
  pgUrl: string;
  /** Identity numbers the requests rotate over (persons that belong to a recorded household). */
  idNumbers: string[];
  /** Measured runs per server (they alternate). */
  runs: number;
  durationSec: number;
  connections: number;
  /** Extra environment of the hub server. */
  hubEnv?: Record<string, string>;
  /** Extra node arguments of the hub server, e.g. `['--cpu-prof', '--cpu-prof-dir=…']` (not allowed in NODE_OPTIONS). */
  hubNodeArgs?: string[];
  /**
   * A second hub measured in the same run (issue 17's before/after): started with hubEnv plus this
   * environment (e.g. `{ COMPILED_QUERIES: 'off' }`); runs then alternate baseline, hub, PostGraphile.
   */
  baselineHubEnv?: Record<string, string>;
  /**
   * The baseline hub's source tree, when it is another version (e.g. `git archive <ref> | tar -x -C DIR` with
   * DIR/node_modules linked to this one's): its `bin/relief-hub.mjs serve` is started instead.
   */
  baselineRoot?: string;
  /** Extra environment of the PostGraphile server. */
  postgraphileEnv?: Record<string, string>;
  /** Warm-up load on each server before the first measured run (default 5 s). */
  warmupSec?: number;
  /** How many of the identity numbers are checked on both servers before the load (default 40). */
  verifySamples?: number;
  /**
   * Distinct caseworker tokens the hub requests rotate over (default 1: one caseworker asking everything).
   * Every token is the same role, agency and county; only the subject differs.
   */
  tokens?: number;
  /**
   * ANALYZE the database first (default true): right after a bulk load the planner has no statistics until
   * autovacuum gets to it, and both servers' plans (PostGraphile's most) are then several times slower.
   */
  analyze?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Summary {
  requestsPerSec: number;
  p50: number;
  p99: number;
}

export interface Equivalence {
  /** Persons checked on both servers. */
  persons: number;
  /** Aid records compared (every field of the query, both sides). */
  records: number;
  /** Of which with a linked settlement. */
  withSettlement: number;
  /** Records naming another person's settlement that the hub hides from the caseworker (out of county) and PostGraphile shows. */
  hiddenSettlements: number;
  /** Households members compared. */
  members: number;
  /** How duplicates are treated on both sides. */
  duplicates: string;
}

export interface QueryBenchResult {
  hub: Stats[];
  /** The baseline hub's runs (baselineHubEnv), when one was measured. */
  baseline?: { label: string; env: Record<string, string>; runs: Stats[]; median: Summary; pairs: Array<{ throughput: number; p99: number; cpu?: number }>; ratios: { throughput: number; p99: number; cpu?: number }; hubOverBaseline: number; cpuBaselineOverHub?: number };
  postgraphile: Stats[];
  /** Medians over the runs. */
  median: { hub: Summary; postgraphile: Summary };
  /** hub / PostGraphile of each pair of back-to-back runs. */
  pairs: Array<{ throughput: number; p99: number; cpu?: number }>;
  /** Medians of the pair ratios: throughput hub/PostGraphile (≥ 1 is the target), p99 hub/PostGraphile (≤ 1 is the target). */
  ratios: { throughput: number; p99: number; cpu?: number };
  equivalence: Equivalence;
  /** Requests that failed in any run (transport errors, non-2xx, GraphQL errors): should be 0. */
  failures: number;
  config: { runs: number; durationSec: number; connections: number; distinctPersons: number; tokens: number; warmupSec: number; role: string };
  queries: { hub: string; postgraphile: string };
}

/** The caseworker of the demo (src/cli/main.ts): civil affairs in Xiuying, Haikou. */
export const CASEWORKER = { role: 'CASEWORKER', agency: 'civil-affairs', county: '460105' };
export const PURPOSE = 'reviewing a household aid history (benchmark)';

/**
 * The hub's query: a person by identity number, its household's members and the household's combined aid
 * history, first page (50) in payment order, with each record's settlement. Duplicates are left out (the
 * default `includeDuplicates: false`).
 */
export const HUB_QUERY = `query HouseholdAid($id: String!) {
  person(idNumber: $id) {
    household {
      key
      members { relationship person { idNumber name } }
      aid(first: 50) {
        totalCount
        totalAmount
        edges { node { system recordId program amount paidOn status flags excess settlement { settlementId burden } } }
      }
    }
  }
}`;

/**
 * The same over PostGraphile 4's default inflection: person → its household memberships → the household →
 * its members → each member's aid records (no duplicates: `duplicateOf: null`; payment order; 50) → the
 * linked settlement (a smart-tag foreign key, bench/postgraphile-server.ts). PostGraphile cannot merge the
 * members' lists into one ordered page, nor sum the counted amounts without a plugin: the client merges the
 * members' pages (each member's first 50 contain every record of the household's first 50) and
 * `totalAmount` has no counterpart. It returns every household the person belongs to; the hub shows one
 * (civil affairs first, else the lowest id), which the check below picks.
 */
export const POSTGRAPHILE_QUERY = `query HouseholdAid($id: String!) {
  personByIdNumber(idNumber: $id) {
    householdMembersByPersonId {
      nodes {
        householdByHouseholdId {
          id
          key
          householdMembersByHouseholdId {
            nodes {
              relationship
              personByPersonId {
                idNumber
                name
                aidRecordsByPersonId(condition: { duplicateOf: null }, orderBy: [PAID_ON_ASC, SYSTEM_ASC, RECORD_ID_ASC], first: 50) {
                  totalCount
                  nodes { system recordId program amountFen paidOn status flags excessFen settlementBySettlementRef { settlementId burdenFen } }
                }
              }
            }
          }
        }
      }
    }
  }
}`;

/* ----------------------------------------------------------------------------------- child processes */


/** A child process whose last output lines are kept for error messages. */
export interface Child {
  proc: ChildProcess;
  name: string;
  tail(): string;
  exited: Promise<number | null>;
}

function startChild(name: string, args: string[], env: Record<string, string | undefined>, onLine?: (line: string) => void, cwd = ROOT): Child {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer, stream: 'out' | 'err') => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(`${stream}: ${line}`);
      if (lines.length > 40) lines.shift();
      if (stream === 'out') onLine?.(line);
    }
  };
  proc.stdout!.on('data', (c: Buffer) => keep(c, 'out'));
  proc.stderr!.on('data', (c: Buffer) => keep(c, 'err'));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, name, tail: () => lines.join('\n'), exited };
}

/** Stops a child with SIGTERM (SIGKILL after 5 s) and waits for it to exit. */
export async function stopChild(c: Child | null): Promise<void> {
  if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
  await c.exited;
  clearTimeout(timer);
}

async function waitFor(what: string, child: Child, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) throw new Error(`${what} exited with ${child.proc.exitCode}:\n${child.tail()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000}s:\n${child.tail()}`);
}

export function baseEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  // NODE_OPTIONS of the parent (tsx's loader when run through tsx) is not passed on: each child chooses its own.
  const { NODE_OPTIONS: _n, ...env } = process.env;
  return { ...env, NODE_ENV: 'production', ...extra };
}

/**
 * The hub as a child process: `relief-hub serve` on PostgreSQL on a free loopback port, production
 * settings, the rate limit out of the way; resolves once /healthz answers. `env` is the child's environment
 * (mint tokens with the same AUTH_SECRET).
 */
export async function startHub(pgUrl: string, secret: string, extra: Record<string, string>, nodeArgs: string[], root = ROOT): Promise<{ child: Child; url: string; env: Record<string, string | undefined> }> {
  const port = await freePort();
  const env = baseEnv({
    DATABASE_URL: pgUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_SECRET: secret,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const child = startChild('hub', [...nodeArgs, path.join(root, 'bin/relief-hub.mjs'), 'serve'], env, undefined, root);
  await waitFor('the hub', child, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  return { child, url: `http://127.0.0.1:${port}/graphql`, env };
}

function mintToken(env: Record<string, string | undefined>, sub: string): string {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/relief-hub.mjs'), 'token', '--role', CASEWORKER.role, '--agency', CASEWORKER.agency, '--county', CASEWORKER.county, '--sub', sub],
    { cwd: ROOT, env: { ...env, PORT: '0' }, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`relief-hub token failed: ${r.stderr}`);
  const token = r.stdout.trim().split('\n').at(-1)!;
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`relief-hub token printed no token: ${r.stdout}`);
  return token;
}

async function startPostGraphile(pgUrl: string, extra: Record<string, string>): Promise<{ child: Child; url: string }> {
  let port = 0;
  const child = startChild('postgraphile', ['--import', 'tsx', path.join(ROOT, 'bench/postgraphile-server.ts'), '0'], baseEnv({ DATABASE_URL: pgUrl, ...extra }), (line) => {
    const m = /^ready (\d+)$/.exec(line.trim());
    if (m) port = Number(m[1]);
  });
  await waitFor('PostGraphile', child, async () => port > 0);
  const url = `http://127.0.0.1:${port}/graphql`;
  // The schema is built on the first request: wait for it (retryOnInitFail is off, so a failure shows here).
  await waitFor('the PostGraphile schema', child, async () => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    return r.ok && ((await r.json()) as { data?: unknown }).data !== undefined;
  });
  return { child, url };
}

/** bench/load.ts in a process of its own: autocannon against `url` with the bodies of `bodiesFile` (LoadEntry[]). */
export async function runLoadProcess(url: string, bodiesFile: string, connections: number, durationSec: number): Promise<Stats> {
  const child = startChild('load', ['--import', 'tsx', path.join(ROOT, 'bench/load.ts'), '--url', url, '--requests', bodiesFile, '--connections', String(connections), '--duration', String(durationSec)], baseEnv({}));
  let last = '';
  child.proc.stdout!.on('data', (c: Buffer) => (last += c.toString('utf8')));
  const code = await child.exited;
  if (code !== 0) throw new Error(`bench/load.ts exited with ${code}:\n${child.tail()}`);
  return JSON.parse(last.trim().split('\n').at(-1)!) as Stats;
}

/* ----------------------------------------------------------------------------------- equivalence */

interface Rec {
  system: string;
  recordId: string;
  program: string;
  amountFen: string;
  paidOn: string | null;
  status: string;
  flags: string[];
  excessFen: string;
  settlement: { settlementId: string; burdenFen: string } | null;
}

const yuanToFen = (y: string) => {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(y);
  if (!m) throw new Error(`not a Yuan: ${y}`);
  return (BigInt(m[2]!) * 100n + BigInt(m[3]!)) * (m[1] ? -1n : 1n);
};

/** The hub's order of a household history (src/recipients/resolvers.ts `byPayment`). */
function byPayment(a: Rec, b: Rec): number {
  return (a.paidOn ?? '9999').localeCompare(b.paidOn ?? '9999') || a.system.localeCompare(b.system) || a.recordId.localeCompare(b.recordId);
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ data?: Record<string, unknown>; errors?: unknown }> {
  const r = await fetch(url, { method: 'POST', headers, body });
  const json = (await r.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (!r.ok || json.errors) throw new Error(`${url} answered ${r.status}: ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

interface HubAnswer {
  person: null | {
    household: {
      key: string;
      members: Array<{ relationship: string | null; person: { idNumber: string | null; name: string | null } }>;
      aid: {
        totalCount: number;
        totalAmount: string;
        edges: Array<{ node: { system: string; recordId: string; program: string; amount: string; paidOn: string | null; status: string; flags: string[]; excess: string; settlement: { settlementId: string; burden: string } | null } }>;
      };
    };
  };
}
interface PgAnswer {
  personByIdNumber: null | {
    householdMembersByPersonId: {
      nodes: Array<{
        householdByHouseholdId: {
          id: string;
          key: string;
          householdMembersByHouseholdId: {
            nodes: Array<{
              relationship: string | null;
              personByPersonId: {
                idNumber: string | null;
                name: string | null;
                aidRecordsByPersonId: {
                  totalCount: number;
                  nodes: Array<{ system: string; recordId: string; program: string; amountFen: string; paidOn: string | null; status: string; flags: string[]; excessFen: string; settlementBySettlementRef: { settlementId: string; burdenFen: string } | null }>;
                };
              };
            }>;
          };
        };
      }>;
    };
  };
}

/**
 * Asks both servers about each sample person and compares: the same household members (relationship,
 * name, identity number or its mask), the same total count, and the same first page of records in the same
 * order with the same fields (amounts and excess in fen, status, flags, payment day, settlement and its
 * burden). Throws on the first difference.
 */
async function checkEquivalence(hubUrl: string, hubHeaders: Record<string, string>, pgUrl: string, ids: string[]): Promise<Equivalence> {
  const eq: Equivalence = { persons: 0, records: 0, withSettlement: 0, hiddenSettlements: 0, members: 0, duplicates: 'excluded on both sides: hub default includeDuplicates=false; PostGraphile condition { duplicateOf: null }' };
  for (const id of ids) {
    const body = (query: string) => JSON.stringify({ query, variables: { id } });
    const hub = (await post(hubUrl, body(HUB_QUERY), hubHeaders)).data as unknown as HubAnswer;
    const pg = (await post(pgUrl, body(POSTGRAPHILE_QUERY), { 'content-type': 'application/json' })).data as unknown as PgAnswer;
    const fail = (what: string, a: unknown, b: unknown) => {
      throw new Error(`the hub and PostGraphile differ for ${id}: ${what}\n  hub:          ${JSON.stringify(a)}\n  PostGraphile: ${JSON.stringify(b)}`);
    };
    if (!hub.person || !pg.personByIdNumber) fail('person', hub.person, pg.personByIdNumber);
    const households = pg.personByIdNumber!.householdMembersByPersonId.nodes.map((n) => n.householdByHouseholdId);
    if (households.length === 0) throw new Error(`${id} belongs to no recorded household: sample persons of recorded households only`);
    // The hub's household of a person: civil affairs first, else the lowest id (src/recipients/store.ts).
    households.sort((a, b) => Number(!a.key.startsWith('civil:')) - Number(!b.key.startsWith('civil:')) || Number(a.id) - Number(b.id));
    const h = households[0]!;
    const members = h.householdMembersByHouseholdId.nodes;

    const hubMembers = hub.person!.household.members.map((m) => `${m.relationship}|${m.person.name}`).sort();
    const pgMembers = members.map((m) => `${m.relationship}|${m.personByPersonId.name}`).sort();
    if (JSON.stringify(hubMembers) !== JSON.stringify(pgMembers)) fail('members', hubMembers, pgMembers);
    const pgIds = new Set(members.map((m) => m.personByPersonId.idNumber));
    for (const m of hub.person!.household.members) {
      const shown = m.person.idNumber;
      // A caseworker sees full numbers of its county and agency only; the rest are masked (460102********123X).
      const ok = shown === null ? pgIds.has(null) : pgIds.has(shown) || [...pgIds].some((p) => p && p.slice(0, 6) === shown.slice(0, 6) && p.slice(-4) === shown.slice(-4) && /\*{8}/.test(shown));
      if (!ok) fail('member identity number', shown, [...pgIds]);
    }
    eq.members += members.length;

    const hubRecs: Rec[] = hub.person!.household.aid.edges.map(({ node: n }) => ({
      system: n.system,
      recordId: n.recordId,
      program: n.program,
      amountFen: String(yuanToFen(n.amount)),
      paidOn: n.paidOn,
      status: n.status,
      flags: n.flags,
      excessFen: String(yuanToFen(n.excess)),
      settlement: n.settlement ? { settlementId: n.settlement.settlementId, burdenFen: String(yuanToFen(n.settlement.burden)) } : null,
    }));
    const pgRecs: Rec[] = members
      .flatMap((m) => m.personByPersonId.aidRecordsByPersonId.nodes)
      .map((n) => ({
        system: n.system,
        recordId: n.recordId,
        program: n.program,
        amountFen: n.amountFen,
        paidOn: n.paidOn,
        status: n.status,
        flags: n.flags,
        excessFen: n.excessFen,
        settlement: n.settlementBySettlementRef,
      }))
      .sort(byPayment)
      .slice(0, 50);
    const pgTotal = members.reduce((n, m) => n + m.personByPersonId.aidRecordsByPersonId.totalCount, 0);
    if (hub.person!.household.aid.totalCount !== pgTotal) fail('totalCount', hub.person!.household.aid.totalCount, pgTotal);
    const keys = (rs: Rec[]) => rs.map((r) => `${r.system}/${r.recordId}`);
    if (JSON.stringify(keys(hubRecs)) !== JSON.stringify(keys(pgRecs))) fail('records (system/recordId, in order)', keys(hubRecs), keys(pgRecs));
    for (let i = 0; i < hubRecs.length; i++) {
      const h = hubRecs[i]!;
      const p = pgRecs[i]!;
      // A record naming another person's settlement (SETTLEMENT_PERSON_MISMATCH): the caseworker sees that
      // settlement only if its person is of the caseworker's county (issue 14); PostGraphile has no scope.
      if (h.settlement === null && p.settlement !== null && h.flags.includes('SETTLEMENT_PERSON_MISMATCH')) {
        const rest = (r: Rec) => JSON.stringify({ ...r, settlement: null });
        if (rest(h) !== rest(p)) fail(`record ${keys(hubRecs)[i]}`, h, p);
        eq.hiddenSettlements++;
        continue;
      }
      if (JSON.stringify(h) !== JSON.stringify(p)) fail(`record ${keys(hubRecs)[i]}`, h, p);
    }
    eq.persons++;
    eq.records += hubRecs.length;
    eq.withSettlement += hubRecs.filter((r) => r.settlement !== null).length;
  }
  return eq;
}

/* ----------------------------------------------------------------------------------- the benchmark */

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const summary = (runs: Stats[]): Summary => ({
  requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
});
export const failuresOf = (s: Stats) => s.errors + s.timeouts + s.non2xx + s.graphqlErrors;

export async function runQueryBench(opts: QueryBenchOptions): Promise<QueryBenchResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const warmupSec = opts.warmupSec ?? 5;
  const tokenCount = Math.max(1, opts.tokens ?? 1);
  if (opts.idNumbers.length === 0) throw new Error('runQueryBench needs identity numbers to ask about');
  const secret = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-query-bench-'));
  let hub: Awaited<ReturnType<typeof startHub>> | null = null;
  let pg: Awaited<ReturnType<typeof startPostGraphile>> | null = null;
  let base: Awaited<ReturnType<typeof startHub>> | null = null;
  // Should this process end abruptly, take the servers with it.
  const killAll = () => {
    hub?.child.proc.kill('SIGKILL');
    base?.child.proc.kill('SIGKILL');
    pg?.child.proc.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    if (opts.analyze ?? true) {
      const t0 = Date.now();
      const client = new pgLib.Client({ connectionString: opts.pgUrl });
      await client.connect();
      try {
        await client.query('ANALYZE');
      } finally {
        await client.end();
      }
      log(`query bench: ANALYZE in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    log(`query bench: starting the hub and PostGraphile on ${opts.pgUrl.replace(/\/\/[^@]*@/, '//')}`);
    hub = await startHub(opts.pgUrl, secret, opts.hubEnv ?? {}, opts.hubNodeArgs ?? []);
    const tokens = Array.from({ length: tokenCount }, (_, i) => mintToken(hub!.env, `bench-caseworker-${i + 1}`));
    if (opts.baselineHubEnv || opts.baselineRoot) base = await startHub(opts.pgUrl, secret, { ...(opts.hubEnv ?? {}), ...(opts.baselineHubEnv ?? {}) }, [], opts.baselineRoot ?? ROOT);
    pg = await startPostGraphile(opts.pgUrl, opts.postgraphileEnv ?? {});
    log(`query bench: hub at ${hub.url}, PostGraphile at ${pg.url}`);

    const hubHeaders = (i: number) => ({ 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}`, 'x-purpose': PURPOSE });
    const n = Math.min(opts.verifySamples ?? 40, opts.idNumbers.length);
    const step = opts.idNumbers.length / n;
    const sample = Array.from({ length: n }, (_, i) => opts.idNumbers[Math.floor(i * step)]!);
    const equivalence = await checkEquivalence(hub.url, hubHeaders(0), pg.url, sample);
    log(`query bench: equivalent answers for ${equivalence.persons} persons (${equivalence.records} records, ${equivalence.withSettlement} with a settlement, ${equivalence.hiddenSettlements} naming another county's settlement, hidden by the hub, ${equivalence.members} members)`);

    const hubFile = path.join(dir, 'hub.json');
    const pgFile = path.join(dir, 'postgraphile.json');
    const entries = (query: string, headers: (i: number) => Record<string, string>): LoadEntry[] =>
      opts.idNumbers.map((id, i) => ({ body: JSON.stringify({ query, variables: { id } }), headers: headers(i) }));
    fs.writeFileSync(hubFile, JSON.stringify(entries(HUB_QUERY, hubHeaders)));
    fs.writeFileSync(pgFile, JSON.stringify(entries(POSTGRAPHILE_QUERY, () => ({ 'content-type': 'application/json' }))));

    const describe = (s: Stats) =>
      `${s.requestsPerSec} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ${s.total} requests` + (failuresOf(s) ? `, FAILED ${failuresOf(s)}: ${s.errorSamples.join(' | ')}` : '');
    if (base) await checkEquivalence(base.url, hubHeaders(0), pg.url, sample);
    if (warmupSec > 0) {
      log(`query bench: warm-up ${warmupSec}s each`);
      if (base) log(`  baseline hub warm-up: ${describe(await runLoadProcess(base.url, hubFile, opts.connections, warmupSec))}`);
      log(`  hub warm-up: ${describe(await runLoadProcess(hub.url, hubFile, opts.connections, warmupSec))}`);
      log(`  PostGraphile warm-up: ${describe(await runLoadProcess(pg.url, pgFile, opts.connections, warmupSec))}`);
    }
    const hubRuns: Stats[] = [];
    const pgRuns: Stats[] = [];
    const baseRuns: Stats[] = [];
    for (let i = 0; i < opts.runs; i++) {
      if (base) {
        const b = await measured(base.child, base.url, hubFile, opts.connections, opts.durationSec);
        log(`  run ${i + 1} baseline hub: ${describe(b)}`);
        baseRuns.push(b);
      }
      const h = await measured(hub.child, hub.url, hubFile, opts.connections, opts.durationSec);
      log(`  run ${i + 1} hub:          ${describe(h)}`);
      const p = await measured(pg.child, pg.url, pgFile, opts.connections, opts.durationSec);
      log(`  run ${i + 1} PostGraphile: ${describe(p)}`);
      hubRuns.push(h);
      pgRuns.push(p);
    }
    // cpu: PostGraphile's CPU per request over the hub's (> 1: the hub spends less per request)
    const cpuRatio = (a: Stats, b: Stats) => (a.cpuMsPerRequest && b.cpuMsPerRequest ? b.cpuMsPerRequest / a.cpuMsPerRequest : undefined);
    const pairs = hubRuns.map((h, i) => ({ throughput: h.requestsPerSec / pgRuns[i]!.requestsPerSec, p99: h.p99 / pgRuns[i]!.p99, cpu: cpuRatio(h, pgRuns[i]!) }));
    const failures = [...hubRuns, ...pgRuns, ...baseRuns].reduce((n, s) => n + failuresOf(s), 0);
    const basePairs = baseRuns.map((b, i) => ({ throughput: b.requestsPerSec / pgRuns[i]!.requestsPerSec, p99: b.p99 / pgRuns[i]!.p99, cpu: cpuRatio(b, pgRuns[i]!) }));
    const cpuMedian = (ps: Array<{ cpu?: number }>) => (ps.every((p) => p.cpu !== undefined) ? median(ps.map((p) => p.cpu!)) : undefined);
    const baseline = base
      ? {
          label: [opts.baselineRoot ? `sources of ${opts.baselineRoot}` : '', ...Object.entries(opts.baselineHubEnv ?? {}).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(', '),
          env: opts.baselineHubEnv ?? {},
          runs: baseRuns,
          median: summary(baseRuns),
          pairs: basePairs,
          ratios: { throughput: median(basePairs.map((p) => p.throughput)), p99: median(basePairs.map((p) => p.p99)), cpu: cpuMedian(basePairs) },
          hubOverBaseline: median(hubRuns.map((h, i) => h.requestsPerSec / baseRuns[i]!.requestsPerSec)),
          cpuBaselineOverHub: hubRuns.every((h, i) => h.cpuMsPerRequest && baseRuns[i]!.cpuMsPerRequest) ? median(hubRuns.map((h, i) => baseRuns[i]!.cpuMsPerRequest! / h.cpuMsPerRequest!)) : undefined,
        }
      : undefined;
    if (failures > 0) log(`query bench: WARNING ${failures} failed requests (see the errors column)`);
    return {
      hub: hubRuns,
      ...(baseline ? { baseline } : {}),
      postgraphile: pgRuns,
      median: { hub: summary(hubRuns), postgraphile: summary(pgRuns) },
      pairs,
      ratios: { throughput: median(pairs.map((p) => p.throughput)), p99: median(pairs.map((p) => p.p99)), cpu: cpuMedian(pairs) },
      equivalence,
      failures,
      config: {
        runs: opts.runs,
        durationSec: opts.durationSec,
        connections: opts.connections,
        distinctPersons: new Set(opts.idNumbers).size,
        tokens: tokenCount,
        warmupSec,
        role: `${CASEWORKER.role} ${CASEWORKER.agency}/${CASEWORKER.county}`,
      },
      queries: { hub: HUB_QUERY, postgraphile: POSTGRAPHILE_QUERY },
    };
  } finally {
    await Promise.all([stopChild(hub?.child ?? null), stopChild(pg?.child ?? null), stopChild(base?.child ?? null)]);
    process.removeListener('exit', killAll);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as Markdown: every run, the medians, and the ratios of back-to-back runs. */
export function formatQueryTable(r: QueryBenchResult): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const lines = [
    `Household aid-history query, ${r.config.connections} connections, ${r.config.durationSec} s per run, ${r.config.runs} runs each (alternating), ` +
      `${r.config.distinctPersons} distinct persons, ${r.config.role} (${r.config.tokens} token${r.config.tokens > 1 ? 's' : ''}).`,
    '',
    '| run | server | req/s | p50 ms | p99 ms | requests | failed | server CPU ms per request |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  r.hub.forEach((h, i) => {
    const p = r.postgraphile[i]!;
    const b = r.baseline?.runs[i];
    const c = (s: Stats) => (s.cpuMsPerRequest === undefined ? '' : f(s.cpuMsPerRequest, 2));
    if (b) lines.push(`| ${i + 1} | hub, baseline (${r.baseline!.label}) | ${f(b.requestsPerSec)} | ${f(b.p50)} | ${f(b.p99)} | ${b.total} | ${failuresOf(b)} | ${c(b)} |`);
    lines.push(`| ${i + 1} | hub | ${f(h.requestsPerSec)} | ${f(h.p50)} | ${f(h.p99)} | ${h.total} | ${failuresOf(h)} | ${c(h)} |`);
    lines.push(`| ${i + 1} | PostGraphile 4 | ${f(p.requestsPerSec)} | ${f(p.p50)} | ${f(p.p99)} | ${p.total} | ${failuresOf(p)} | ${c(p)} |`);
  });
  lines.push(
    '',
    '| | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    `| hub, median | ${f(r.median.hub.requestsPerSec)} | ${f(r.median.hub.p50)} | ${f(r.median.hub.p99)} |`,
    `| PostGraphile 4, median | ${f(r.median.postgraphile.requestsPerSec)} | ${f(r.median.postgraphile.p50)} | ${f(r.median.postgraphile.p99)} |`,
    ...(r.baseline
      ? [
          `| hub baseline, median | ${f(r.baseline.median.requestsPerSec)} | ${f(r.baseline.median.p50)} | ${f(r.baseline.median.p99)} |`,
          `| hub baseline / PostGraphile (median of pairs) | ${f(r.baseline.ratios.throughput, 2)} | | ${f(r.baseline.ratios.p99, 2)} |`,
          `| hub / hub baseline (median of pairs) | ${f(r.baseline.hubOverBaseline, 2)} | | |`,
          ...(r.baseline.cpuBaselineOverHub !== undefined ? [`| hub baseline CPU per request / hub's (median of pairs) | ${f(r.baseline.cpuBaselineOverHub, 2)} | | |`] : []),
          ...(r.baseline.ratios.cpu !== undefined ? [`| PostGraphile CPU per request / hub baseline's (median of pairs) | ${f(r.baseline.ratios.cpu, 2)} | | |`] : []),
        ]
      : []),
    `| hub / PostGraphile (median of back-to-back pairs) | **${f(r.ratios.throughput, 2)}** (target ≥ 1.3) | | **${f(r.ratios.p99, 2)}** (target ≤ 1) |`,
    ...(r.ratios.cpu !== undefined ? [`| PostGraphile's CPU per request / the hub's, Node process only (median of pairs; the throughput ratio if each had a core to itself) | **${f(r.ratios.cpu, 2)}** | | |`] : []),
    '',
    `Pairs (throughput, p99): ${r.pairs.map((p) => `${f(p.throughput, 2)}, ${f(p.p99, 2)}`).join('; ')}. ` +
      `Equivalence checked on ${r.equivalence.persons} persons: ${r.equivalence.records} records (${r.equivalence.withSettlement} with a settlement; ${r.equivalence.hiddenSettlements} naming another county's settlement, hidden by the hub), ` +
      `${r.equivalence.members} members; duplicates ${r.equivalence.duplicates}.`,
  );
  return lines.join('\n');
}

/**
 * Identity numbers of current persons in a fixed pseudo-random order; `householdsOnly`: of persons in a recorded
 * household whose members have aid (the hub's household of one has no PostGraphile counterpart). `county`: of
 * persons of that county all of whose household members are of it too — the caseworker's own caseload, which it
 * sees whole (since issue 14 a caseworker sees a member of another county only through that member's own
 * number, so a household spanning counties is answered in part, and PostGraphile, which has no scope, cannot be
 * compared with it).
 */
export async function sampleIdNumbers(url: string, limit: number, householdsOnly: boolean, county: string | null = null): Promise<string[]> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null });
  try {
    const r = await rows<{ id_number: string }>(
      database.db,
      householdsOnly
        ? sql`SELECT p.id_number FROM persons p
              WHERE p.id_number IS NOT NULL AND p.merged_into IS NULL
                AND (${county}::text IS NULL OR p.county_code = ${county})
                AND EXISTS (SELECT 1 FROM household_members hm JOIN household_members hm2 ON hm2.household_id = hm.household_id
                            JOIN aid_records a ON a.person_id = hm2.person_id WHERE hm.person_id = p.id)
                AND (${county}::text IS NULL OR NOT EXISTS (
                      SELECT 1 FROM household_members hm JOIN household_members hm2 ON hm2.household_id = hm.household_id
                      JOIN persons q ON q.id = hm2.person_id WHERE hm.person_id = p.id AND q.county_code IS DISTINCT FROM ${county}))
              ORDER BY md5(p.id_number) LIMIT ${limit}`
        : sql`SELECT id_number FROM persons WHERE id_number IS NOT NULL AND merged_into IS NULL ORDER BY md5(id_number) LIMIT ${limit}`,
    );
    return r.map((x) => x.id_number);
  } finally {
    await database.close();
  }
}
