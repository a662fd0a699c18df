/**
 * The `relief-hub` command line (contract.md "Command line"). Results go to stdout (ingest: one JSON object
 * on its last line), logs to stderr.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { openHubDatabase, openReadDatabase } from '../app.ts';
import { createLogger, describeError } from '../shared/log.ts';
import { applyLimits } from '../ingest/limits.ts';
import { startServer } from '../server/http.ts';
import { adapters } from '../../adapters/index.ts';
import { exportsIn, ingestFile, ingestFiles, UnknownSystemError } from '../ingest/service.ts';
import { listQuarantine } from '../ingest/quarantine.ts';
import { HubError } from '../shared/errors.ts';
import { isEmpty, loadDemo } from '../demo.ts';
import { Keys, ROLES, TokenRefused, unknownClaim, type Role } from '../access/auth.ts';
import { DataDirLockedError, readKeptSecret } from '../db/data-dir.ts';

const USAGE = `relief-hub <command> [options]

Commands:
  serve [--demo] [--subgraph]         serve GraphQL at http://$HOST:$PORT/graphql (--demo: load demo data into an
                                      empty database; --subgraph: as an Apollo Federation 2 subgraph)
  migrate                             apply database migrations and exit
  ingest <system> <file>              ingest one export file; prints a JSON summary (exit 2 when the file is rejected whole)
  load <dir>                          ingest every export under <dir>/<system>/ in one transaction, deriving once at the
                                      end (bulk load); prints one JSON summary per file, then the batch's (exit 2 if any
                                      file was rejected whole)
  pull union-women --base URL [--max-tries N] [--timeout S]
                                      pull the women workers' claims API from the stored watermark (exit 1 if it gave up);
                                      --timeout: seconds per request (answer included)
  quarantine [--system S] [--limit N] list quarantined records as JSON lines
  demo [--persons N] [--seed S]       load a small synthetic province
  generate --persons N --seed S --out DIR [--corrections]
                                      write a synthetic province in the twelve formats and expected.json
  report --year Y --quarter Q --format json|csv|xlsx [--group-by AGENCY,COUNTY,…] [--section summary|funds|indicators]
         [--suppress] [--out FILE]    the quarterly report on stdout (or into FILE; xlsx needs --out); whole figures
                                      unless --suppress (small cells as member units receive them)
  publish --year Y --quarter Q --out DIR
                                      freeze an ended quarter (once) and write the bundle every member unit receives
                                      (XLSX, CSVs, JSON, manifest.json); a published quarter's bundle is made again as it was
  token --role R [--agency A] [--county C] [--system S] [--sub S] [--ttl 8h]
                                      print a bearer token signed with this hub's key
  systems                             list the source systems and their programs
  export-to-postgres --to URL [--batch N]
                                      copy the embedded database (DATA_DIR) into an empty PostgreSQL database (URL:
                                      its owner role), every table and history; prints the per-table check as JSON
                                      (exit 1 if counts or money sums differ, 2 if the target is not empty)
  schema                              print the full SDL the server serves (every adapter's fragment included)

Configuration (environment): DATABASE_URL (PostgreSQL; else embedded PGlite in DATA_DIR, default ./data),
HOST (127.0.0.1), PORT (4000), NODE_ENV, LOG_LEVEL, MAX_BODY_BYTES, INGEST_BATCH_SIZE, AUTH_SECRET, AUTH_JWKS_URL,
RATE_LIMIT_PER_MINUTE, MAX_QUERY_DEPTH, MAX_QUERY_FIELDS, MAX_QUERY_TOKENS, DATABASE_READ_URL, DB_POOL_SIZE,
DB_STATEMENT_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS.`;

class UsageError extends Error {}

function intOption(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 1;
  }
  const config: Config = loadConfig();
  applyLimits(config.ingestLimits);
  const log = createLogger(config.logLevel);

  switch (command) {
    case 'systems': {
      for (const a of adapters) process.stdout.write(`${a.code}\t${a.agency}\t${a.programs.map((p) => p.code).join(',') || '-'}\t${a.title}\n`);
      return 0;
    }
    case 'schema': {
      const { printedSchema } = await import('../graphql/schema.ts');
      process.stdout.write(printedSchema());
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({ args: rest, options: { persons: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, corrections: { type: 'boolean' } } });
      if (!values.out) throw new UsageError('--out is required');
      const { generateProvince } = await import('../../generator/index.ts');
      const expected = await generateProvince({ persons: intOption(values.persons, 'persons'), seed: intOption(values.seed, 'seed', 1), out: values.out, corrections: values.corrections === true });
      process.stdout.write(JSON.stringify({ out: values.out, persons: expected.persons, files: expected.files.length }) + '\n');
      return 0;
    }
    case 'migrate': {
      const database = await openHubDatabase(config);
      await database.close();
      process.stdout.write(`migrations applied (${database.kind})\n`);
      return 0;
    }
    case 'ingest': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const [system, file] = positionals;
      if (!system || !file) {
        throw new UsageError(`usage: relief-hub ingest <system> <file>\nknown systems: ${adapters.map((a) => a.code).join(', ')}`);
      }
      if (!adapters.some((a) => a.code === system)) throw new UnknownSystemError(system);
      const database = await openHubDatabase(config);
      try {
        log.debug({ system, file }, 'ingesting');
        const summary = await ingestFile(database, system, file, { batchSize: config.ingestBatchSize });
        const { runId: _r, message, ...printed } = summary;
        process.stdout.write(JSON.stringify(summary.rejected ? { ...printed, message } : printed) + '\n');
        return summary.rejected ? 2 : 0;
      } finally {
        await database.close();
      }
    }
    case 'load': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const [dir] = positionals;
      if (!dir) throw new UsageError('usage: relief-hub load <dir>   (exports under <dir>/<system>/)');
      const files = exportsIn(dir);
      if (files.length === 0) throw new UsageError(`no exports of a known system under ${dir}`);
      const database = await openHubDatabase(config);
      try {
        const batch = await ingestFiles(database, files, { batchSize: config.ingestBatchSize });
        for (const f of batch.files) {
          const { runId: _r, message, duplicates: _d, suspectedDuplicates: _s, ...printed } = f;
          process.stdout.write(JSON.stringify(f.rejected ? { ...printed, message } : printed) + '\n');
        }
        const total = batch.files.reduce((n, f) => n + f.records, 0);
        process.stdout.write(JSON.stringify({ files: batch.files.length, records: total, rejected: batch.files.filter((f) => f.rejected).length, duplicates: batch.duplicates, suspectedDuplicates: batch.suspectedDuplicates, ms: batch.ms }) + '\n');
        return batch.files.some((f) => f.rejected) ? 2 : 0;
      } finally {
        await database.close();
      }
    }
    case 'report': {
      const { values } = parseArgs({
        args: rest,
        options: {
          year: { type: 'string' },
          quarter: { type: 'string' },
          format: { type: 'string', default: 'json' },
          'group-by': { type: 'string' },
          section: { type: 'string', default: 'summary' },
          out: { type: 'string' },
          suppress: { type: 'boolean' },
        },
      });
      const format = values.format;
      if (format !== 'json' && format !== 'csv' && format !== 'xlsx') throw new UsageError('--format must be json, csv or xlsx');
      if (format === 'xlsx' && !values.out) throw new UsageError('--format xlsx needs --out FILE');
      const groupBy = (values['group-by'] ?? '').split(',').map((d) => d.trim().toUpperCase()).filter(Boolean);
      const { DIMENSIONS } = await import('../reports/quarterly.ts');
      const { SECTIONS } = await import('../reports/format.ts');
      const { reportDocument } = await import('../reports/document.ts');
      const { documentFile } = await import('../reports/bundle.ts');
      for (const d of groupBy) if (!(DIMENSIONS as readonly string[]).includes(d)) throw new UsageError(`--group-by takes ${DIMENSIONS.join(', ')}; got ${d}`);
      const section = values.section as (typeof SECTIONS)[number];
      if (!SECTIONS.includes(section)) throw new UsageError(`--section takes ${SECTIONS.join(', ')}; got ${values.section}`);
      const year = intOption(values.year, 'year');
      const quarter = intOption(values.quarter, 'quarter');
      const database = await openHubDatabase(config);
      try {
        // The operator's report is whole; --suppress gives what member units would see.
        const doc = await reportDocument(database.db, year, quarter, { groupBy: groupBy as never, suppress: !!values.suppress });
        const f = await documentFile(doc, format, section);
        if (values.out) {
          const fs = await import('node:fs');
          fs.writeFileSync(values.out, f.bytes);
          process.stdout.write(JSON.stringify({ out: values.out, bytes: f.bytes.length, sha256: f.sha256 }) + '\n');
        } else {
          process.stdout.write(f.bytes);
        }
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'publish': {
      const { values } = parseArgs({ args: rest, options: { year: { type: 'string' }, quarter: { type: 'string' }, out: { type: 'string' } } });
      if (!values.out) throw new UsageError('--out DIR is required');
      const year = intOption(values.year, 'year');
      const quarter = intOption(values.quarter, 'quarter');
      const database = await openHubDatabase(config);
      try {
        const { publishBundle } = await import('../reports/publish.ts');
        const os = await import('node:os');
        const r = await publishBundle(database.db, year, quarter, values.out, `cli:${os.userInfo().username}`);
        for (const f of r.files) process.stdout.write(JSON.stringify({ file: f.filename, bytes: f.bytes.length, sha256: f.sha256 }) + '\n');
        process.stdout.write(JSON.stringify({ year, quarter, published: r.published, identical: r.identical, out: values.out, files: r.identical ? r.files.length : 0 }) + '\n');
        if (!r.identical) process.stderr.write(`the bundle made again differs from the one issued (${r.differing.join(', ')}): this hub renders it differently; nothing written\n`);
        return r.identical ? 0 : 1;
      } finally {
        await database.close();
      }
    }
    case 'token': {
      const { values } = parseArgs({
        args: rest,
        options: { role: { type: 'string' }, agency: { type: 'string' }, county: { type: 'string' }, system: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } },
      });
      const role = values.role?.toUpperCase();
      if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      if (role === 'CASEWORKER' && (!values.agency || !values.county)) throw new UsageError('a CASEWORKER token needs --agency and --county');
      if (role === 'SOURCE_SYSTEM' && !values.system) throw new UsageError('a SOURCE_SYSTEM token needs --system');
      // Claims are exact known codes, never patterns (`--county %` is refused before anything is opened).
      const unknown = unknownClaim(values);
      if (unknown) throw new UsageError(`${unknown}: a token carries known codes only`);
      // The embedded hub's generated secret is kept beside its database: mint with it, without the database
      // (and its lock), so this works while `serve` holds DATA_DIR and the server verifies what it prints.
      const kept = !config.authSecret && !config.authJwksUrl && !config.databaseUrl && config.dataDir !== ':memory:' ? readKeptSecret(config.dataDir) : null;
      if (kept) {
        const claims = { role: role as Role, agency: values.agency, county: values.county, system: values.system, sub: values.sub, ttl: values.ttl };
        process.stdout.write((await Keys.ofSecret(kept).mint(claims)) + '\n');
        return 0;
      }
      const database = await openHubDatabase(config);
      try {
        const keys = await Keys.load(config, database);
        process.stdout.write((await keys.mint({ role: role as Role, agency: values.agency, county: values.county, system: values.system, sub: values.sub, ttl: values.ttl })) + '\n');
        return 0;
      } catch (e) {
        if (e instanceof TokenRefused) throw new UsageError(e.message);
        throw e;
      } finally {
        await database.close();
      }
    }
    case 'pull': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { base: { type: 'string' }, 'max-tries': { type: 'string' }, timeout: { type: 'string' } } });
      if (positionals[0] !== 'union-women') throw new UsageError('usage: relief-hub pull union-women --base URL (only union-women is pulled; the others deliver files)');
      if (!values.base || !/^https?:\/\//.test(values.base)) throw new UsageError('--base must be the http(s) URL of the claims API');
      const database = await openHubDatabase(config);
      try {
        const { pullUnionWomen } = await import('../ingest/pull.ts');
        // --timeout: seconds one request may take, its answer included (default limits.pullRequestTimeoutMs).
        const timeout = values.timeout === undefined ? undefined : intOption(values.timeout, 'timeout') * 1000;
        const summary = await pullUnionWomen(database, { base: values.base, maxTries: intOption(values['max-tries'], 'max-tries', 5), requestTimeoutMs: timeout, ingest: { batchSize: config.ingestBatchSize } });
        process.stdout.write(JSON.stringify(summary) + '\n');
        if (summary.error) process.stderr.write(`${summary.error.code}: ${summary.error.message} (kept ${summary.pages} applied pages)\n`);
        return summary.error ? 1 : 0;
      } finally {
        await database.close();
      }
    }
    case 'quarantine': {
      const { values } = parseArgs({ args: rest, options: { system: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } } });
      const database = await openHubDatabase(config);
      try {
        const r = await listQuarantine(database.db, { system: values.system, limit: intOption(values.limit, 'limit', 100), includeResolved: !!values.all });
        for (const q of r.items) {
          process.stdout.write(
            JSON.stringify({ id: q.id, system: q.system, file: q.file, location: q.location, recordId: q.recordId, reason: q.reasonCode, message: q.message, raw: q.raw }) + '\n',
          );
        }
        process.stderr.write(`${r.items.length} of ${r.total} quarantined records shown\n`);
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { persons: { type: 'string' }, seed: { type: 'string' } } });
      const database = await openHubDatabase(config);
      try {
        const summaries = await loadDemo(database, { persons: intOption(values.persons, 'persons', 300), seed: intOption(values.seed, 'seed', 7) });
        for (const s of summaries) process.stdout.write(JSON.stringify(s) + '\n');
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' }, subgraph: { type: 'boolean' } } });
      const database = await openHubDatabase(config);
      if (values.demo && (await isEmpty(database))) {
        log.info('empty database: loading demo data');
        const summaries = await loadDemo(database);
        log.info({ files: summaries.length, records: summaries.reduce((n, s) => n + s.records, 0) }, 'demo data loaded');
      }
      const readDatabase = await openReadDatabase(config);
      const server = await startServer(database, config, log, { subgraph: !!values.subgraph, readDatabase });
      log.info({ url: server.url, database: database.kind, readDatabase: readDatabase ? 'standby' : null }, 'relief-hub serving');
      process.stdout.write(`relief-hub serving GraphQL at ${server.url} (database: ${database.kind})\n`);
      if (values.demo) {
        const { demoSignIn } = await import('../demo.ts');
        process.stdout.write(await demoSignIn(database, server.keys, server.url.replace(/\/graphql$/, '/')));
      }
      // Ctrl-C or SIGTERM: stop accepting, let in-flight requests finish (10 s at most), then close the
      // database cleanly (an embedded database left unclean is recovered on the next start, at best). A second
      // signal does not cut this short: the close is what keeps the data.
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.stderr.write(`${signal}: still closing the database, please wait\n`);
          return;
        }
        stopping = true;
        log.info({ signal, inFlight: server.inFlight }, 'shutting down: draining requests');
        void (async () => {
          try {
            await server.shutdown(10_000);
          } finally {
            await readDatabase?.close();
            await database.close();
          }
          log.info('database closed; bye');
          process.exit(0);
        })().catch((err: unknown) => {
          process.stderr.write(`shutdown failed: ${(err as Error).stack ?? String(err)}\n`);
          process.exit(1);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return new Promise<number>(() => undefined);
    }
    case 'export-to-postgres': {
      const { values } = parseArgs({ args: rest, options: { to: { type: 'string' }, batch: { type: 'string' } } });
      if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) throw new UsageError('--to must be the postgres:// URL of the target database (its owner role)');
      if (config.dataDir === ':memory:') throw new UsageError('DATA_DIR names the embedded database to export; :memory: has nothing to export');
      const { exportToPostgres, ExportRefused } = await import('../db/export.ts');
      // The source is always the embedded database, whatever DATABASE_URL says.
      const source = await openHubDatabase({ ...config, databaseUrl: null, databaseReadUrl: null });
      try {
        const result = await exportToPostgres(source, values.to, { batchSize: intOption(values.batch, 'batch', 5000), progress: (l) => log.info(l) });
        for (const t of result.tables) process.stdout.write(JSON.stringify(t) + '\n');
        process.stdout.write(JSON.stringify({ tables: result.tables.length, sequences: result.sequences, ok: result.ok }) + '\n');
        return result.ok ? 0 : 1;
      } catch (e) {
        if (e instanceof ExportRefused) {
          process.stderr.write(`relief-hub: ${e.message}\n`);
          return 2;
        }
        throw e;
      } finally {
        await source.close();
      }
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof HubError) process.stderr.write(`${err.code}: ${err.message}\n`);
    else if (err instanceof DataDirLockedError) process.stderr.write(`${err.message}\n`);
    // Never the query parameters a database error carries: they are the records' personal data.
    else process.stderr.write(`${describeError(err)}\n`);
    process.exit(1);
  },
);
