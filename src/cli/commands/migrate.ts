/** `relief-hub migrate`: applies the migrations and exits. */
import { openHubDatabase } from '../../app.ts';
import type { CommandContext } from '../command.ts';

export const name = 'migrate';
export const usage = ['migrate                             apply database migrations and exit'];
/** Takes no arguments, and ignores any. */
export const spec = { options: {}, strict: false } as const;

export async function run(_parsed: unknown, { config }: CommandContext): Promise<number> {
  const database = await openHubDatabase(config);
  await database.close();
  process.stdout.write(`migrations applied (${database.kind})\n`);
  return 0;
}
