/** `relief-hub pull union-women --base URL`: the women workers' claims API, page by page from the stored watermark. */
import { openHubDatabase } from '../../app.ts';
import { intOption, UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'pull';
export const usage = [
  'pull union-women --base URL [--max-tries N] [--timeout S]',
  "                                    pull the women workers' claims API from the stored watermark (exit 1 if it gave up);",
  '                                    --timeout: seconds per request (answer included)',
];
export const spec = { allowPositionals: true, options: { base: { type: 'string' }, 'max-tries': { type: 'string' }, timeout: { type: 'string' } } } as const;

export async function run({ positionals, values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  if (positionals[0] !== 'union-women') throw new UsageError('usage: relief-hub pull union-women --base URL (only union-women is pulled; the others deliver files)');
  if (!values.base || !/^https?:\/\//.test(values.base)) throw new UsageError('--base must be the http(s) URL of the claims API');
  const database = await openHubDatabase(config);
  try {
    const { pullUnionWomen } = await import('../../ingest/pull.ts');
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
