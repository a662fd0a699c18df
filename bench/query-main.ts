/**
 * The recipient query under load, on its own: generates a province, loads it into a throwaway PostgreSQL
 * cluster through the ingest code path, samples persons of recorded households that have aid, and runs
 * bench/query-load.ts (hub vs PostGraphile 4).
 *
 *   npx tsx bench/query-main.ts [--persons 20000] [--runs 3] [--duration 30] [--connections 16] [--sample 5000]
 *                               [--warmup 5] [--tokens 1] [--pg-url postgres://…] [--keep] [--stat-statements]
 *
 * --pg-url uses an already loaded hub database instead (nothing is generated); --keep leaves the cluster
 * running and prints its URL; --stat-statements starts the cluster with pg_stat_statements and prints the
 * statements that took the most time during the load (with --pg-url, the server must preload it);
 * --cpu-prof DIR writes a V8 CPU profile of the hub server into DIR; --baseline 'NAME=value …' measures a
 * second hub with that environment in the same run (e.g. 'COMPILED_QUERIES=off', the path before issue 17);
 * --baseline-root DIR starts that second hub from another source tree (`git archive <ref> | tar -x -C DIR`, with
 * DIR/node_modules linked to this tree's), to measure a version before a change in the same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { generateProvince } from '../generator/index.ts';
import { openDatabase, rows } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { ingestFile } from '../src/ingest/service.ts';
import { findPgBinDir, startCluster, type Cluster } from '../dev/pg-cluster.ts';
import { CASEWORKER, formatQueryTable, runQueryBench, sampleIdNumbers } from './query-load.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '16' },
    sample: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '5' },
    tokens: { type: 'string', default: '1' },
    'pg-url': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'stat-statements': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    baseline: { type: 'string' },
    'baseline-root': { type: 'string' },
  },
});

async function loadProvince(url: string, persons: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-query-province-'));
  try {
    const t0 = Date.now();
    const expected = await generateProvince({ persons, seed: 1, out: dir });
    const database = await openDatabase({ databaseUrl: url, dataDir: null });
    try {
      await migrate(database);
      for (const f of expected.files) await ingestFile(database, f.system, path.join(dir, f.file));
    } finally {
      await database.close();
    }
    console.error(`generated and ingested ${persons} persons (${expected.files.length} files) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


async function topStatements(url: string): Promise<string> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null });
  try {
    const r = await rows<{ calls: string; total_ms: string; mean_ms: string; query: string }>(
      database.db,
      sql`SELECT calls::text, round(total_exec_time::numeric, 0)::text AS total_ms, round(mean_exec_time::numeric, 3)::text AS mean_ms,
                 regexp_replace(left(query, 160), '[[:space:]]+', ' ', 'g') AS query
          FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15`,
    );
    return ['| calls | total ms | mean ms | statement |', '|---:|---:|---:|---|', ...r.map((x) => `| ${x.calls} | ${x.total_ms} | ${x.mean_ms} | \`${x.query.replace(/\|/g, '\\|')}\` |`)].join('\n');
  } finally {
    await database.close();
  }
}

async function main() {
  let cluster: Cluster | null = null;
  let url = values['pg-url'] ?? null;
  try {
    if (!url) {
      const bin = findPgBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found (apt-get install postgresql, or set PG_BIN_DIR)');
      cluster = await startCluster(bin, values['stat-statements'] ? ['shared_preload_libraries=pg_stat_statements'] : []);
      url = cluster.url;
      console.error(`${cluster.version} at ${url}`);
      await loadProvince(url, Number(values.persons));
    }
    if (values['stat-statements']) {
      const database = await openDatabase({ databaseUrl: url, dataDir: null });
      await database.db.execute(sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
      await database.db.execute(sql`SELECT pg_stat_statements_reset()`);
      await database.close();
    }
    const idNumbers = await sampleIdNumbers(url, Number(values.sample), true, CASEWORKER.county);
    console.error(`${idNumbers.length} persons of households with aid, all members of the caseworker's county ${CASEWORKER.county}, sampled`);
    const result = await runQueryBench({
      pgUrl: url,
      idNumbers,
      runs: Number(values.runs),
      durationSec: Number(values.duration),
      connections: Number(values.connections),
      warmupSec: Number(values.warmup),
      tokens: Number(values.tokens),
      // V8 CPU profile of the hub server, written when it stops (open it in Chrome DevTools or speedscope).
      // --baseline 'COMPILED_QUERIES=off': a second hub with that environment, measured in the same run.
      ...(values['baseline-root'] ? { baselineRoot: path.resolve(values['baseline-root']) } : {}),
      ...(values.baseline ? { baselineHubEnv: Object.fromEntries(values.baseline.split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string])) } : {}),
      hubNodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`] : [],
    });
    console.log(`\n### Recipient query under load: hub vs PostGraphile 4\n\n${formatQueryTable(result)}\n`);
    if (values['stat-statements']) console.log(`\nStatements by total time (both servers, warm-up included):\n\n${await topStatements(url)}\n`);
    if (result.failures > 0) process.exitCode = 1;
  } finally {
    if (cluster && values.keep) console.error(`cluster left running: ${cluster.url}`);
    else cluster?.stop();
  }
}

await main();
