/**
 * Reading alone: every export under a folder read through its adapter and prepared in batches by the ingest
 * pipeline's own `prepareBatch` (each record mapped and hashed, or its quarantine row made), with no database.
 * What a load costs before it writes anything; a file the adapter refuses (the data set's hostile files) is
 * counted and skipped.
 *
 *   npx tsx bench/parse.ts <exports dir>
 */
import { requireAdapter } from '../adapters/index.ts';
import { FileRejectedError, type SourceRecord } from '../src/ingest/adapter.ts';
import { exportsIn, fileInput } from '../src/ingest/service.ts';
import { prepareBatch } from '../src/ingest/batches.ts';
import { DEFAULT_BATCH } from '../src/ingest/pipeline.ts';
import { todayCst } from '../src/identity/dates.ts';

const [dir] = process.argv.slice(2);
if (!dir) {
  console.error('usage: npx tsx bench/parse.ts <exports dir>');
  process.exit(2);
}
const now = new Date();
const started = Date.now();
const cpuBefore = process.cpuUsage();
let records = 0;
let mapped = 0;
let refused = 0;
for (const { system, file } of exportsIn(dir)) {
  const adapter = requireAdapter(system);
  const ctx = { system, now, today: todayCst(now) };
  const input = fileInput(file);
  const prepare = (batch: SourceRecord[]) => {
    const prepared = prepareBatch(adapter, ctx, batch);
    records += prepared.records;
    mapped += prepared.good.length;
  };
  try {
    if (adapter.verify) await adapter.verify(input);
    let batch: SourceRecord[] = [];
    for await (const rec of adapter.read(input)) {
      batch.push(rec);
      if (batch.length >= DEFAULT_BATCH) {
        prepare(batch);
        batch = [];
      }
    }
    if (batch.length > 0) prepare(batch);
  } catch (e) {
    if (!(e instanceof FileRejectedError)) throw e;
    refused++;
  }
}
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ records, mapped, refusedFiles: refused, seconds: (Date.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
