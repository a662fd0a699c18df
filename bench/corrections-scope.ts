/**
 * What a correction costs: a province bulk-loaded on a throwaway PostgreSQL, then civil-affairs payment
 * records re-sent moved to another person (the heaviest correction: old and new owner, their stays, vouchers
 * and households). Prints the affected set the pipeline derives over (the scope closed over shared vouchers and
 * stays) and the time of the correcting ingest, against re-deriving every person (slice by slice).
 *
 *   npx tsx bench/corrections-scope.ts [--persons 20000] [--seed 1] [--corrections 1,100,1000] [--data DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { generateProvince } from '../generator/index.ts';
import { adapterFor } from '../adapters/index.ts';
import { openDatabase, rows } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { exportsIn, ingestFiles, bufferInput } from '../src/ingest/service.ts';
import { ingest } from '../src/ingest/pipeline.ts';
import { Scope, widen } from '../src/overlap/derive.ts';
import { applyConsequences } from '../src/overlap/consequences.ts';
import { findPgBinDir, startCluster } from '../dev/pg-cluster.ts';
import { CIVIL_PAYMENT_HEADER } from '../generator/formats.ts';
import { csvLine } from '../generator/render.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    corrections: { type: 'string', default: '1,100,1000' },
    data: { type: 'string' },
  },
});
const persons = Number(values.persons);
const dir = path.resolve(values.data ?? path.join(os.tmpdir(), `relief-hub-corrections-${persons}-${values.seed}`));
const now = new Date('2026-11-01T00:00:00+08:00');
const log = (m: string) => process.stderr.write(`${m}\n`);
const slash = (d: string | null) => (d ? d.replace(/^(\d{4})-0?(\d{1,2})-0?(\d{1,2})$/, '$1/$2/$3') : '');

/** The correcting delivery: a civil-affairs payment file as the generator writes one (its header, GB18030). */
function civilPaymentFile(rows: { id: string; person: string; amount: string; approved: string; paid: string; voucher: string; settlement: string; hospital: string; status: string }[]): Buffer {
  const lines = rows.map((r) => csvLine([r.id, r.person, '某某', r.amount, r.approved, r.paid, r.voucher, r.settlement, r.hospital, r.status]));
  return iconv.encode(CIVIL_PAYMENT_HEADER + lines.join(''), 'gb18030');
}

if (!fs.existsSync(path.join(dir, 'expected.json'))) {
  log(`generating ${persons} persons into ${dir}`);
  await generateProvince({ persons, seed: Number(values.seed), out: dir });
}
const bin = findPgBinDir();
if (!bin) throw new Error('PostgreSQL server binaries not found');
const cluster = await startCluster(bin);
const database = await openDatabase({ databaseUrl: cluster.url, dataDir: null });
try {
  await migrate(database);
  let t = Date.now();
  const load = await ingestFiles(database, exportsIn(dir), { now });
  const out: Record<string, unknown> = { persons, loadMs: Date.now() - t, loadSettleMs: load.settleMs };
  log(`loaded in ${out.loadMs} ms (settle ${load.settleMs} ms)`);

  const everyone = await rows<{ id_number: string }>(database.db, sql`SELECT id_number FROM persons WHERE id_number IS NOT NULL ORDER BY id`);
  let round = 0;
  for (const n of values.corrections!.split(',').map(Number)) {
    round++;
    const picked = await rows<{ record_id: string; person: string; amount: string; approved: string | null; paid: string | null; voucher: string | null; settlement: string | null; hospital: string | null; status: string }>(
      database.db,
      sql`SELECT a.record_id, p.id_number AS person, (a.amount_fen / 100.0)::numeric(20,2)::text AS amount, a.approved_on::text AS approved, a.paid_on::text AS paid,
            a.voucher, a.settlement_ref AS settlement, a.hospital_code AS hospital, a.status
          FROM aid_records a JOIN persons p ON p.id = a.person_id
          WHERE a.system = 'civil-affairs' AND p.id_number IS NOT NULL AND a.paid_on IS NOT NULL
          ORDER BY md5(a.record_id || ${String(round)}) LIMIT ${n}`,
    );
    const moved = picked.map((a, i) => ({
      id: a.record_id,
      person: everyone[(i * 7919 + round * 104729) % everyone.length]!.id_number,
      amount: a.amount,
      approved: slash(a.approved),
      paid: slash(a.paid),
      voucher: a.voucher ?? '',
      settlement: a.settlement ?? '',
      hospital: a.hospital ?? '',
      status: a.status === 'REVERSED' ? '已撤销' : '已发放',
    }));
    // The affected set the pipeline derives over: old and new owners, old and new stays and vouchers, closed.
    const scope = new Scope();
    const ids = await rows<{ id: string }>(database.db, sql`SELECT id::text FROM persons WHERE id_number = ANY(${`{${[...picked.map((a) => a.person), ...moved.map((m) => m.person)].join(',')}}`}::text[])`);
    for (const x of ids) scope.addPerson(Number(x.id));
    for (const a of picked) {
      scope.addSettlement(a.settlement);
    }
    const affected = await database.db.transaction(async (tx) => widen(tx, scope));
    t = Date.now();
    const s = await ingest(database, adapterFor('civil-affairs')!, bufferInput(`correction-${n}.csv`, civilPaymentFile(moved)), { now });
    const ms = Date.now() - t;
    out[`correct${n}`] = { updated: s.updated, affectedPersons: affected.all ? 'all' : 'ids' in affected ? affected.ids.length : null, ms };
    log(`${n} records moved: ${s.updated} updated, ~${JSON.stringify(out[`correct${n}`])}`);
  }
  const all = new Scope();
  all.everything();
  t = Date.now();
  await database.db.transaction((tx) => applyConsequences(tx, all, now));
  out.rederiveEverythingMs = Date.now() - t;
  log(`re-deriving every person: ${out.rederiveEverythingMs} ms`);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
} finally {
  await database.close();
  cluster.stop();
}
