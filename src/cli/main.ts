/**
 * The `relief-hub` command line (contract.md "Command line"). Results go to stdout (ingest: one JSON object
 * on its last line), logs to stderr.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { openHubDatabase } from '../app.ts';
import { createLogger } from '../shared/log.ts';
import { startServer } from '../server/http.ts';
import { adapters } from '../../adapters/index.ts';
import { exportsIn, ingestFile, ingestFiles, UnknownSystemError } from '../ingest/service.ts';
import { listQuarantine } from '../ingest/quarantine.ts';
import { HubError } from '../shared/errors.ts';
import { isEmpty, loadDemo } from '../demo.ts';
import { Keys, ROLES, type Role } from '../access/auth.ts';

const USAGE = `relief-hub <command> [options]

Commands:
  serve [--demo] [--subgraph]         serve GraphQL at http://$HOST:$PORT/graphql (--demo: load demo data into an
                                      empty database; --subgraph: as an Apollo Federation 2 subgraph)
  migrate                             apply database migrations and exit
  ingest <system> <file>              ingest one export file; prints a JSON summary (exit 2 when the file is rejected whole)
  load <dir>                          ingest every export under <dir>/<system>/ in one transaction, deriving once at the
                                      end (bulk load); prints one JSON summary per file, then the batch's (exit 2 if any
                                      file was rejected whole)
  pull union-women --base URL         pull the women workers' claims API from the stored watermark (exit 1 if it gave up)
  quarantine [--system S] [--limit N] list quarantined records as JSON lines
  demo [--persons N] [--seed S]       load a small synthetic province
  generate --persons N --seed S --out DIR
                                      write a synthetic province in the twelve formats and expected.json
  report --year Y --quarter Q --format json|csv [--group-by AGENCY,COUNTY,…]
                                      the quarterly report on stdout
  token --role R [--agency A] [--county C] [--system S] [--sub S] [--ttl 8h]
                                      print a bearer token signed with this hub's key
  systems                             list the source systems and their programs
  schema                              print the full SDL the server serves (every adapter's fragment included)

Configuration (environment): DATABASE_URL (PostgreSQL; else embedded PGlite in DATA_DIR, default ./data),
HOST (127.0.0.1), PORT (4000), NODE_ENV, LOG_LEVEL, MAX_BODY_BYTES, INGEST_BATCH_SIZE, AUTH_SECRET, AUTH_JWKS_URL,
RATE_LIMIT_PER_MINUTE, MAX_QUERY_DEPTH, MAX_QUERY_FIELDS.`;

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
      const { values } = parseArgs({ args: rest, options: { persons: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } });
      if (!values.out) throw new UsageError('--out is required');
      const { generateProvince } = await import('../../bench/generator/index.ts');
      const expected = await generateProvince({ persons: intOption(values.persons, 'persons'), seed: intOption(values.seed, 'seed', 1), out: values.out });
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
      const { values } = parseArgs({ args: rest, options: { year: { type: 'string' }, quarter: { type: 'string' }, format: { type: 'string', default: 'json' }, 'group-by': { type: 'string' } } });
      const format = values.format;
      if (format !== 'json' && format !== 'csv') throw new UsageError('--format must be json or csv');
      const groupBy = (values['group-by'] ?? '').split(',').map((d) => d.trim().toUpperCase()).filter(Boolean);
      const { DIMENSIONS, quarterlyReport } = await import('../reports/quarterly.ts');
      const { reportCsv, reportJson } = await import('../reports/format.ts');
      for (const d of groupBy) if (!(DIMENSIONS as readonly string[]).includes(d)) throw new UsageError(`--group-by takes ${DIMENSIONS.join(', ')}; got ${d}`);
      const database = await openHubDatabase(config);
      try {
        const report = await quarterlyReport(database.db, intOption(values.year, 'year'), intOption(values.quarter, 'quarter'), groupBy as never);
        process.stdout.write(format === 'csv' ? reportCsv(report) : JSON.stringify(reportJson(report), null, 2) + '\n');
        return 0;
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
      const database = await openHubDatabase(config);
      try {
        const keys = await Keys.load(config, database);
        process.stdout.write((await keys.mint({ role: role as Role, agency: values.agency, county: values.county, system: values.system, sub: values.sub, ttl: values.ttl })) + '\n');
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'pull': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { base: { type: 'string' }, 'max-tries': { type: 'string' } } });
      if (positionals[0] !== 'union-women') throw new UsageError('usage: relief-hub pull union-women --base URL (only union-women is pulled; the others deliver files)');
      if (!values.base || !/^https?:\/\//.test(values.base)) throw new UsageError('--base must be the http(s) URL of the claims API');
      const database = await openHubDatabase(config);
      try {
        const { pullUnionWomen } = await import('../ingest/pull.ts');
        const summary = await pullUnionWomen(database, { base: values.base, maxTries: intOption(values['max-tries'], 'max-tries', 5), ingest: { batchSize: config.ingestBatchSize } });
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
      const server = await startServer(database, config, log, { subgraph: !!values.subgraph });
      log.info({ url: server.url, database: database.kind }, 'relief-hub serving');
      process.stdout.write(`relief-hub serving GraphQL at ${server.url} (database: ${database.kind})\n`);
      if (values.demo) {
        const { demoSignIn } = await import('../demo.ts');
        process.stdout.write(await demoSignIn(database, server.keys, server.url.replace(/\/graphql$/, '/')));
      }
      const stop = async () => {
        await server.close();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return new Promise<number>(() => undefined);
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
    else process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
