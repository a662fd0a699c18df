/** `relief-hub publish`: freezes an ended quarter (once) and writes the bundle every member unit receives. */
import { openHubDatabase } from '../../app.ts';
import { intOption, UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'publish';
export const usage = [
  'publish --year Y --quarter Q --out DIR',
  '                                    freeze an ended quarter (once) and write the bundle every member unit receives',
  "                                    (XLSX, CSVs, JSON, manifest.json); a published quarter's bundle is made again as it was",
];
export const spec = { options: { year: { type: 'string' }, quarter: { type: 'string' }, out: { type: 'string' } } } as const;

export async function run({ values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  if (!values.out) throw new UsageError('--out DIR is required');
  const year = intOption(values.year, 'year');
  const quarter = intOption(values.quarter, 'quarter');
  const database = await openHubDatabase(config);
  try {
    const { publishBundle } = await import('../../reports/publish.ts');
    const os = await import('node:os');
    const r = await publishBundle(database.db, year, quarter, values.out, `cli:${os.userInfo().username}`);
    for (const f of r.files) process.stdout.write(JSON.stringify({ file: f.filename, bytes: f.bytes.length, sha256: f.sha256 }) + '\n');
    process.stdout.write(JSON.stringify({ year, quarter, published: r.published, identical: r.identical, out: values.out, files: r.identical ? r.files.length : 0 }) + '\n');
    if (!r.identical) process.stderr.write(`the bundle made again differs from the one issued (${r.differing.join(', ')}): this hub renders it differently; nothing written\n`);
    return r.identical ? 0 : 1;
  } finally {
    await database.close();
  }
}
