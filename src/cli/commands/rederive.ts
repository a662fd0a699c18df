/** `relief-hub rederive`: everything derived anew for every person (after a migration that adds a derived value). */
import { openHubDatabase } from '../../app.ts';
import { rederiveEverything } from '../../overlap/consequences.ts';
import type { CommandContext } from '../command.ts';

export const name = 'rederive';
export const usage = [
  'rederive                            derive the overlap rules, the fund pool and the warnings anew for every person, in',
  '                                    one transaction (after a migration that adds a derived value, e.g. 0020); prints',
  '                                    one JSON summary: what was newly flagged (0 on a database the ingests kept derived)',
];
/** Takes no arguments. */
export const spec = { options: {} } as const;

export async function run(_parsed: unknown, { config }: CommandContext): Promise<number> {
  const database = await openHubDatabase(config, undefined, 'batch');
  try {
    const started = Date.now();
    const d = await rederiveEverything(database);
    process.stdout.write(JSON.stringify({ persons: 'all', duplicates: d.duplicates, suspectedDuplicates: d.suspectedDuplicates, ms: Date.now() - started }) + '\n');
    return 0;
  } finally {
    await database.close();
  }
}
