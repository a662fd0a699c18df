/**
 * Bulk-loads every export under a folder through the hub's `loadFiles` (`ingestBatch`, then the aid table
 * vacuumed: the path of `relief-hub load`), in a process of its own so that its peak resident set size is the
 * ingest's alone. Prints one JSON line: the per-file summaries, the settle time, the wall time and the peak RSS.
 *
 *   DATABASE_URL=… node --import tsx bench/load-child.ts <dir>
 */
import { loadConfig } from '../src/config.ts';
import { openHubDatabase } from '../src/app.ts';
import { exportsIn, loadFiles } from '../src/ingest/service.ts';

const [dir] = process.argv.slice(2);
const config = loadConfig();
const database = await openHubDatabase(config, undefined, 'batch');
const started = Date.now();
// A first load into an empty database: everything is touched, so derivation runs over every person at once.
// `relief-hub load`'s path, its VACUUM timed with it (the full run of 2026-12-01 predates the VACUUM)
const batch = await loadFiles(database, exportsIn(dir!), { batchSize: config.ingestBatchSize, deriveEverything: true });
const ms = Date.now() - started;
await database.close();
console.log(
  JSON.stringify({
    files: batch.files.map((f) => ({ system: f.system, file: f.file, records: f.records, quarantined: f.quarantined, rejected: f.rejected, ms: f.ms })),
    duplicates: batch.duplicates,
    settleMs: batch.settleMs,
    ms,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
