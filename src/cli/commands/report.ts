/** `relief-hub report`: the quarterly report, whole (the platform's figures) unless --suppress. */
import { openHubDatabase } from '../../app.ts';
import { intOption, UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'report';
export const usage = [
  'report --year Y --quarter Q --format json|csv|xlsx [--group-by AGENCY,COUNTY,…] [--section summary|funds|indicators]',
  '       [--suppress] [--out FILE]    the quarterly report on stdout (or into FILE; xlsx needs --out); whole figures',
  '                                    unless --suppress (small cells as member units receive them)',
];
export const spec = {
  options: {
    year: { type: 'string' },
    quarter: { type: 'string' },
    format: { type: 'string', default: 'json' },
    'group-by': { type: 'string' },
    section: { type: 'string', default: 'summary' },
    out: { type: 'string' },
    suppress: { type: 'boolean' },
  },
} as const;

export async function run({ values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  const format = values.format;
  if (format !== 'json' && format !== 'csv' && format !== 'xlsx') throw new UsageError('--format must be json, csv or xlsx');
  if (format === 'xlsx' && !values.out) throw new UsageError('--format xlsx needs --out FILE');
  const groupBy = (values['group-by'] ?? '').split(',').map((d) => d.trim().toUpperCase()).filter(Boolean);
  const { DIMENSIONS } = await import('../../reports/quarterly.ts');
  const { SECTIONS } = await import('../../reports/format.ts');
  const { reportDocument } = await import('../../reports/document.ts');
  const { documentFile } = await import('../../reports/bundle.ts');
  for (const d of groupBy) if (!(DIMENSIONS as readonly string[]).includes(d)) throw new UsageError(`--group-by takes ${DIMENSIONS.join(', ')}; got ${d}`);
  const section = values.section as (typeof SECTIONS)[number];
  if (!SECTIONS.includes(section)) throw new UsageError(`--section takes ${SECTIONS.join(', ')}; got ${values.section}`);
  const year = intOption(values.year, 'year');
  const quarter = intOption(values.quarter, 'quarter');
  const database = await openHubDatabase(config);
  try {
    // The operator's report is whole; --suppress gives what member units would see.
    const doc = await reportDocument(database.db, year, quarter, { groupBy: groupBy as never, suppress: !!values.suppress });
    const f = await documentFile(doc, format, section);
    if (values.out) {
      const fs = await import('node:fs');
      fs.writeFileSync(values.out, f.bytes);
      process.stdout.write(JSON.stringify({ out: values.out, bytes: f.bytes.length, sha256: f.sha256 }) + '\n');
    } else {
      process.stdout.write(f.bytes);
    }
    return 0;
  } finally {
    await database.close();
  }
}
