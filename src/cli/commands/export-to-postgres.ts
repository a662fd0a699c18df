/** `relief-hub export-to-postgres --to URL`: the embedded database copied into an empty PostgreSQL database, then checked. */
import { openHubDatabase } from '../../app.ts';
import { intOption, UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'export-to-postgres';
export const usage = [
  'export-to-postgres --to URL [--batch N]',
  '                                    copy the embedded database (DATA_DIR) into an empty PostgreSQL database (URL:',
  '                                    its owner role), every table and history; prints the per-table check as JSON',
  '                                    (exit 1 if counts or money sums differ, 2 if the target is not empty)',
];
export const spec = { options: { to: { type: 'string' }, batch: { type: 'string' } } } as const;

export async function run({ values }: Parsed<typeof spec>, { config, log }: CommandContext): Promise<number> {
  if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) throw new UsageError('--to must be the postgres:// URL of the target database (its owner role)');
  if (config.dataDir === ':memory:') throw new UsageError('DATA_DIR names the embedded database to export; :memory: has nothing to export');
  const { exportToPostgres, ExportRefused } = await import('../../db/export.ts');
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
