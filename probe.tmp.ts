import pino from 'pino';
import { openDatabase } from './src/db/client.ts';
import { migrate } from './src/db/migrate.ts';
import { loadConfig } from './src/config.ts';
import { startServer } from './src/server/http.ts';
const d = await openDatabase({ databaseUrl: null, dataDir: null });
await migrate(d);
const config = loadConfig({ PORT: '0', NODE_ENV: 'test', AUTH_SECRET: 'relief-hub-test-secret-0123456789abcdef' });
const s = await startServer(d, config, pino({ level: 'error' }));
const t = await s.keys.mint({ role: 'PLATFORM' });
let v: unknown = 'x'; for (let i = 0; i < 5000; i++) v = { a: v };
for (const [query, variables] of [[`{ ${'__typename '.repeat(20_000)}}`, {}], ['mutation($c: JSON) { reprocessQuarantined(id: "1", corrections: $c) { outcome } }', { c: v }]] as const) {
  const r = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` }, body: JSON.stringify({ query, variables }) });
  console.log(r.status, (await r.text()).slice(0, 500));
}
await s.close(); await d.close();
