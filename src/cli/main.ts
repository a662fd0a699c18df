/**
 * The `relief-hub` command line (contract.md "Command line"). Results go to stdout (ingest: one JSON object
 * on its last line), logs to stderr. Each command is a file of its own under commands/ (its usage lines, its
 * options, its run function); this file reads the configuration, dispatches and reports errors.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createLogger, describeError } from '../shared/log.ts';
import { applyLimits } from '../formats/limits.ts';
import { HubError } from '../shared/errors.ts';
import { DataDirLockedError } from '../db/data-dir.ts';
import { UsageError, type Command } from './command.ts';
import * as serve from './commands/serve.ts';
import * as migrate from './commands/migrate.ts';
import * as ingest from './commands/ingest.ts';
import * as load from './commands/load.ts';
import * as rederive from './commands/rederive.ts';
import * as pull from './commands/pull.ts';
import * as quarantine from './commands/quarantine.ts';
import * as demo from './commands/demo.ts';
import * as generate from './commands/generate.ts';
import * as report from './commands/report.ts';
import * as publish from './commands/publish.ts';
import * as token from './commands/token.ts';
import * as systems from './commands/systems.ts';
import * as exportToPostgres from './commands/export-to-postgres.ts';
import * as schema from './commands/schema.ts';

/** Every command, in the order of the usage text. */
export const COMMANDS: readonly Command[] = [serve, migrate, ingest, load, rederive, pull, quarantine, demo, generate, report, publish, token, systems, exportToPostgres, schema];

const USAGE = [
  'relief-hub <command> [options]',
  '',
  'Commands:',
  ...COMMANDS.flatMap((c) => c.usage.map((line) => `  ${line}`)),
  '',
  'Configuration (environment): DATABASE_URL (PostgreSQL; else embedded PGlite in DATA_DIR, default ./data),',
  'HOST (127.0.0.1), PORT (4000), NODE_ENV, LOG_LEVEL, MAX_BODY_BYTES, INGEST_BATCH_SIZE, AUTH_SECRET, AUTH_JWKS_URL,',
  'RATE_LIMIT_PER_MINUTE, MAX_QUERY_DEPTH, MAX_QUERY_FIELDS, MAX_QUERY_TOKENS, DATABASE_READ_URL, DB_POOL_SIZE,',
  'DB_STATEMENT_TIMEOUT_MS, DB_BATCH_STATEMENT_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS.',
].join('\n');

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 1;
  }
  const config: Config = loadConfig();
  applyLimits(config.ingestLimits);
  const log = createLogger(config.logLevel);

  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  return command.run(parseArgs({ ...command.spec, args: rest }), { config, log });
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
