/** `relief-hub load <dir>`: every export under <dir>/<system>/ in one transaction, derived once at the end. */
import { openHubDatabase } from '../../app.ts';
import { exportsIn, loadFiles } from '../../ingest/service.ts';
import { UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'load';
export const usage = [
  'load <dir>                          ingest every export under <dir>/<system>/ in one transaction, deriving once at the',
  "                                    end (bulk load); prints one JSON summary per file, then the batch's (exit 2 if any",
  '                                    file was rejected whole)',
];
export const spec = { allowPositionals: true, options: {} } as const;

export async function run({ positionals }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  const [dir] = positionals;
  if (!dir) throw new UsageError('usage: relief-hub load <dir>   (exports under <dir>/<system>/)');
  const files = exportsIn(dir);
  if (files.length === 0) throw new UsageError(`no exports of a known system under ${dir}`);
  const database = await openHubDatabase(config, undefined, 'batch');
  try {
    const batch = await loadFiles(database, files, { batchSize: config.ingestBatchSize });
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
