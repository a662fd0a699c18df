/** `relief-hub ingest <system> <file>`: one export; its summary as JSON on the last line, exit 2 when refused whole. */
import { openHubDatabase } from '../../app.ts';
import { adapters, requireAdapter } from '../../../adapters/index.ts';
import { ingestFile } from '../../ingest/service.ts';
import { UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'ingest';
export const usage = ['ingest <system> <file>              ingest one export file; prints a JSON summary (exit 2 when the file is rejected whole)'];
export const spec = { allowPositionals: true, options: {} } as const;

export async function run({ positionals }: Parsed<typeof spec>, { config, log }: CommandContext): Promise<number> {
  const [system, file] = positionals;
  if (!system || !file) {
    throw new UsageError(`usage: relief-hub ingest <system> <file>\nknown systems: ${adapters.map((a) => a.code).join(', ')}`);
  }
  requireAdapter(system);
  const database = await openHubDatabase(config, undefined, 'batch');
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
