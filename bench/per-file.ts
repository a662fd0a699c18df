/**
 * What one ingest costs against a province already loaded (issue 17, the fixed cost per file): small correction
 * files of `--records` records each, `--rounds` times per system, then (with `--delivery`) the whole correction
 * delivery of `--share` of the records, one ingest per system. The corrections are those of bench/corrections.ts,
 * read back from the exports the province was loaded from. Each run changes the database: time a copy of it
 * (`CREATE DATABASE copy TEMPLATE loaded`) to compare two versions of the code on the same data.
 *
 *   npx tsx bench/per-file.ts --pg-url postgres://…/copy --data <export dir> [--rounds 3] [--records 10]
 *     [--systems veterans,union-women,civil-affairs,medical-insurance,charity] [--delivery] [--share 0.01] [--offset 0]
 * --offset N picks other records than the bench's own delivery (bench/main.ts applied that one already).
 */
import { parseArgs } from 'node:util';
import { adapters, adapterFor } from '../adapters/index.ts';
import { openDatabase } from '../src/db/client.ts';
import { ingestSource } from '../src/ingest/pipeline.ts';
import type { SourceRecord } from '../src/ingest/adapter.ts';
import { correctionDelivery } from './corrections.ts';

const { values } = parseArgs({
  options: {
    'pg-url': { type: 'string' },
    data: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    records: { type: 'string', default: '10' },
    systems: { type: 'string', default: 'veterans,union-women,civil-affairs,medical-insurance,charity' },
    delivery: { type: 'boolean', default: false },
    share: { type: 'string', default: '0.01' },
    offset: { type: 'string', default: '0' },
  },
});
if (!values['pg-url'] || !values.data) throw new Error('--pg-url and --data are required');
const now = new Date('2026-11-01T00:00:00+08:00');
const rounds = Number(values.rounds);
const per = Number(values.records);
const delivery = await correctionDelivery(values.data, Number(values.share), Number(values.offset));
const database = await openDatabase({ databaseUrl: values['pg-url'], dataDir: null });

async function timed(system: string, name: string, recs: SourceRecord[]) {
  const t = Date.now();
  const s = await ingestSource(database, adapterFor(system)!, { name, records: async function* () { yield* recs; } }, { now });
  return { ms: Date.now() - t, s };
}

try {
  const small: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const system of values.systems!.split(',')) {
      // Each round corrects other records than the last, so that every file applies corrections.
      const recs = (delivery.get(system) ?? []).slice((r + 1) * per, (r + 2) * per);
      if (recs.length === 0) continue;
      const { ms, s } = await timed(system, `per-file/${system}/${r}`, recs);
      small.push(ms);
      console.log(`| ${r + 1} | ${system} | ${s.records} | ${s.updated} | ${ms} |`);
    }
  }
  small.sort((a, b) => a - b);
  if (small.length) console.log(`files of ${per} records: median ${small[Math.floor(small.length / 2)]} ms, total ${small.reduce((a, b) => a + b, 0)} ms over ${small.length} files`);
  if (values.delivery) {
    let total = 0;
    let records = 0;
    for (const a of adapters) {
      const recs = delivery.get(a.code);
      if (!recs?.length) continue;
      const { ms, s } = await timed(a.code, `corrections/${a.code}`, recs);
      total += ms;
      records += s.records;
      console.log(`| delivery | ${a.code} | ${s.records} | ${s.updated} | ${ms} |`);
    }
    console.log(`delivery: ${records} records in ${total} ms`);
  }
} finally {
  await database.close();
}
