/**
 * `relief-hub pull <system> --base URL`: a pulled source (an adapter with a pull spec; today union-women's claims
 * API), page by page from the stored watermark. A system that delivers files is refused with NOT_PULLED.
 */
import { openHubDatabase } from '../../app.ts';
import { pull, pulledAdapter } from '../../ingest/pull.ts';
import { intOption, UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'pull';
export const usage = [
  'pull <system> --base URL [--max-tries N] [--timeout S]',
  "                                    pull a pulled source (union-women's claims API) from the stored watermark (exit 1 if it gave up);",
  '                                    --timeout: seconds per request (answer included)',
];
export const spec = { allowPositionals: true, options: { base: { type: 'string' }, 'max-tries': { type: 'string' }, timeout: { type: 'string' } } } as const;

export async function run({ positionals, values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  const system = positionals[0];
  if (!system) throw new UsageError('usage: relief-hub pull <system> --base URL (a pulled source, e.g. union-women)');
  pulledAdapter(system); // UNKNOWN_SYSTEM or NOT_PULLED before anything is opened
  if (!values.base || !/^https?:\/\//.test(values.base)) throw new UsageError('--base must be the http(s) URL of the claims API');
  const database = await openHubDatabase(config, undefined, 'batch');
  try {
    // --timeout: seconds one request may take, its answer included (default limits.pullRequestTimeoutMs).
    const timeout = values.timeout === undefined ? undefined : intOption(values.timeout, 'timeout') * 1000;
    const summary = await pull(database, system, { base: values.base, maxTries: intOption(values['max-tries'], 'max-tries', 5), requestTimeoutMs: timeout, ingest: { batchSize: config.ingestBatchSize } });
    process.stdout.write(JSON.stringify(summary) + '\n');
    if (summary.error) process.stderr.write(`${summary.error.code}: ${summary.error.message} (kept ${summary.pages} applied pages)\n`);
    return summary.error ? 1 : 0;
  } finally {
    await database.close();
  }
}
