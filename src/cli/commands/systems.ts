/** `relief-hub systems`: the source systems and their programs, one per line (tab-separated). */
import { adapters } from '../../../adapters/index.ts';

export const name = 'systems';
export const usage = ['systems                             list the source systems and their programs'];
/** Takes no arguments, and ignores any. */
export const spec = { options: {}, strict: false } as const;

export async function run(): Promise<number> {
  for (const a of adapters) process.stdout.write(`${a.code}\t${a.agency}\t${a.programs.map((p) => p.code).join(',') || '-'}\t${a.title}\n`);
  return 0;
}
