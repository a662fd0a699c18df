/** `relief-hub quarantine`: quarantined records as JSON lines, how many of how many on stderr. */
import { openHubDatabase } from '../../app.ts';
import { listQuarantine } from '../../ingest/quarantine.ts';
import { intOption, type CommandContext, type Parsed } from '../command.ts';

export const name = 'quarantine';
export const usage = ['quarantine [--system S] [--limit N] list quarantined records as JSON lines'];
export const spec = { options: { system: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } } } as const;

export async function run({ values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
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
