/** `relief-hub generate`: a synthetic province in the twelve formats and its expected.json (generator/). */
import { intOption, UsageError, type Parsed } from '../command.ts';

export const name = 'generate';
export const usage = [
  'generate --persons N --seed S --out DIR [--corrections]',
  '                                    write a synthetic province in the twelve formats and expected.json',
];
export const spec = { options: { persons: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, corrections: { type: 'boolean' } } } as const;

export async function run({ values }: Parsed<typeof spec>): Promise<number> {
  if (!values.out) throw new UsageError('--out is required');
  const { generateProvince } = await import('../../../generator/index.ts');
  const expected = await generateProvince({ persons: intOption(values.persons, 'persons'), seed: intOption(values.seed, 'seed', 1), out: values.out, corrections: values.corrections === true });
  process.stdout.write(JSON.stringify({ out: values.out, persons: expected.persons, files: expected.files.length }) + '\n');
  return 0;
}
