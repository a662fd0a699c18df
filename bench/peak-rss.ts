/** Ingests one file through the hub's configuration and prints its summary with the process's peak RSS. */
import { loadConfig } from '../src/config.ts';
import { openHubDatabase } from '../src/app.ts';
import { ingestFile } from '../src/ingest/service.ts';

const [system, file] = process.argv.slice(2);
const config = loadConfig();
const database = await openHubDatabase(config, undefined, 'batch');
const s = await ingestFile(database, system!, file!, { batchSize: config.ingestBatchSize });
await database.close();
console.log(JSON.stringify({ ...s, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
