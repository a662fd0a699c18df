/** `relief-hub demo`: generates a small province and ingests it file by file. */
import { openHubDatabase } from '../../app.ts';
import { loadDemo } from '../../demo.ts';
import { intOption, type CommandContext, type Parsed } from '../command.ts';

export const name = 'demo';
export const usage = ['demo [--persons N] [--seed S]       load a small synthetic province'];
export const spec = { options: { persons: { type: 'string' }, seed: { type: 'string' } } } as const;

export async function run({ values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  const database = await openHubDatabase(config, undefined, 'batch');
  try {
    const summaries = await loadDemo(database, { persons: intOption(values.persons, 'persons', 300), seed: intOption(values.seed, 'seed', 7) });
    for (const s of summaries) process.stdout.write(JSON.stringify(s) + '\n');
    return 0;
  } finally {
    await database.close();
  }
}
