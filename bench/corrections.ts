/**
 * What a correction delivery costs against the full load (issue 12): a province is loaded in one batch
 * (`ingestFiles`, the first load), then a correction delivery of `share` of its records is ingested system by
 * system as the agencies send it — amounts corrected, records moved to another person, vouchers added, dropped or
 * changed (veterans vouchers upgraded), payments revoked, refund lines re-pointed to another stay, settlements'
 * insurance payments corrected (the burden moves). Each correction is a real record of the export, read by its
 * adapter, changed in its fields and delivered again under its record id; the hub re-derives what it touches.
 *
 *   npm run bench:files -- --corrections 0.01 --persons 20000 --db pglite
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateProvince } from '../generator/index.ts';
import { adapters, adapterFor } from '../adapters/index.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { exportFile, exportsIn, ingestFiles } from '../src/ingest/service.ts';
import { ingestSource } from '../src/ingest/pipeline.ts';
import { stableJson } from '../src/ingest/hashing.ts';
import { mapRecord } from '../src/ingest/common-rules.ts';
import type { SourceRecord } from '../src/ingest/adapter.ts';
import { findPgBinDir, startCluster } from '../dev/pg-cluster.ts';

const now = new Date('2026-11-01T00:00:00+08:00');
const ctx = { now, today: '2026-11-01' };

type Value = Record<string, unknown>;
const ID_FIELDS = ['身份证号', '公民身份号码', 'certno', 'patientIdNo', 'idNo', 'idCard', 'idNumber'];
const AMOUNT_FIELDS = ['救助金额(元)', '帮扶金额', '金额', 'amount', 'payout', 'amountFen', '金额(元)'];
const VOUCHER_FIELDS = ['发放凭证号', '凭证号', 'voucherNo', 'voucher'];

/** A field of a record's parsed value, looked up one level deep (JSON sources nest the person). */
function locate(v: Value, names: string[]): { holder: Value; key: string } | null {
  for (const n of names) if (typeof v[n] === 'string' || typeof v[n] === 'number') return { holder: v, key: n };
  for (const x of Object.values(v)) {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const hit = locate(x as Value, names);
      if (hit) return hit;
    }
  }
  return null;
}

const bumpYuan = (s: string) => {
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) && n > 1 ? (n + 1).toFixed(2) : null;
};

/** The `i`-th kind of correction applied to one record, or null when the record has nothing to correct that way. */
function correct(system: string, value: Value, i: number, otherId: string | null, otherSettlement: string | null): Value | null {
  const v = structuredClone(value);
  if (system === 'medical-insurance') {
    const d = (v.parsed === true ? v.data : v) as Value; // an NDJSON line's parsed object
    if (d.refd_setl_flag === '1') {
      if (!otherSettlement) return null;
      d.init_setl_id = otherSettlement; // a refund corrected to name another stay
      return v;
    }
    const own = Number(d.psn_part_amt);
    if (!(own > 10)) return null;
    d.hifp_pay = (Number(d.hifp_pay) + 10).toFixed(2); // basic insurance paid 10 yuan more: the burden moves
    d.psn_part_amt = (own - 10).toFixed(2);
    return v;
  }
  const voucher = locate(v, VOUCHER_FIELDS);
  const hasVoucher = voucher !== null && String(voucher.holder[voucher.key] ?? '').trim() !== '';
  if (system === 'veterans' || system === 'disabled-rehab') {
    // Their record id without a voucher holds the person, day and amount: correcting those makes another record.
    if (!hasVoucher) {
      if (system !== 'veterans' || !voucher) return null;
      voucher.holder[voucher.key] = `PZU${i}`; // the voucher upgrade: one record, corrected (sources.md §8)
      return v;
    }
  } else {
    const kind = i % 3;
    if (kind === 1 && otherId) {
      const id = locate(v, ID_FIELDS);
      if (id && String(id.holder[id.key] ?? '').trim() !== '') {
        id.holder[id.key] = otherId; // moved to another person
        return v;
      }
    }
    if (kind === 2 && voucher) {
      voucher.holder[voucher.key] = hasVoucher ? `${String(voucher.holder[voucher.key])}C` : `PZC${i}`; // changed or added
      return v;
    }
    if (kind === 2 && v['状态'] === '已发放') {
      v['状态'] = '已撤销'; // revoked
      return v;
    }
  }
  const amount = locate(v, AMOUNT_FIELDS);
  if (!amount) return null;
  const was = amount.holder[amount.key];
  if (typeof was === 'number') amount.holder[amount.key] = was + 100;
  else if (system === 'union-hardship' && /^\d+$/.test(String(was))) amount.holder[amount.key] = String(Number(was) + 100); // fen
  else {
    const b = bumpYuan(String(was));
    if (!b) return null;
    amount.holder[amount.key] = b;
  }
  return v;
}

/**
 * Reads every export back through its adapter and picks `share` of the valid records of each system, corrected:
 * every `1 / share`-th. `offset` shifts which records are picked (0: the bench's own delivery), to deliver other
 * corrections to a database that already had that one.
 */
export async function correctionDelivery(dir: string, share: number, offset = 0): Promise<Map<string, SourceRecord[]>> {
  const out = new Map<string, SourceRecord[]>();
  const every = Math.max(1, Math.round(1 / share));
  let n = 0;
  for (const f of exportsIn(dir)) {
    if (/roster/.test(f.file)) continue; // rosters carry no payments
    const { adapter, source } = exportFile(f.system, f.file);
    try {
      await source.verify?.();
    } catch {
      continue; // a file refused whole is not corrected
    }
    const picked: SourceRecord[] = [];
    let ids: string[] = [];
    let setl: string[] = [];
    for await (const rec of source.records()) {
      const m = mapRecord(adapter, rec, { ...ctx, system: f.system });
      if (!m.ok || !rec.value || typeof rec.value !== 'object') continue;
      const value = rec.value as Value;
      const id = locate(value, ID_FIELDS);
      if (id) ids.push(String(id.holder[id.key]));
      const line = (value.parsed === true ? value.data : value) as Value;
      if (typeof line.setl_id === 'string' && line.refd_setl_flag !== '1') setl.push(line.setl_id);
      if (ids.length > 64) ids = ids.slice(-32);
      if (setl.length > 64) setl = setl.slice(-32);
      // A rural monitoring row's record id holds its household, person and day: changing any is another record.
      if (f.system === 'rural-revitalization' && value.sheet !== '帮扶记录') continue;
      if ((++n + offset) % every !== 0) continue;
      const corrected = correct(f.system, value, n, ids[ids.length - 2] ?? null, setl[setl.length - 2] ?? null);
      if (corrected) picked.push({ location: { ...rec.location, file: `corrections/${path.basename(f.file)}` }, raw: stableJson(corrected), value: corrected });
    }
    out.set(f.system, [...(out.get(f.system) ?? []), ...picked]);
  }
  return out;
}

export interface DeliveredSystem {
  system: string;
  records: number;
  updated: number;
  new: number;
  quarantined: number;
  ms: number;
}

/** Ingests a correction delivery one system at a time, as the agencies send it: what each ingest did and took. */
export async function deliverCorrections(database: Database, delivery: Map<string, SourceRecord[]>, opts: { now?: Date } = {}): Promise<DeliveredSystem[]> {
  const out: DeliveredSystem[] = [];
  for (const a of adapters) {
    const recs = delivery.get(a.code);
    if (!recs?.length) continue;
    const t1 = Date.now();
    const s = await ingestSource(database, adapterFor(a.code)!, { name: `corrections/${a.code}`, records: async function* () { yield* recs; } }, opts);
    out.push({ system: a.code, records: s.records, updated: s.updated, new: s.new, quarantined: s.quarantined, ms: Date.now() - t1 });
  }
  return out;
}

async function measure(kind: string, database: Database, dir: string, share: number): Promise<string> {
  const files = exportsIn(dir);
  const t0 = Date.now();
  const full = await ingestFiles(database, files, { now });
  const fullMs = Date.now() - t0;
  const fullRecords = full.files.reduce((s, f) => s + f.records, 0);
  const delivered = await deliverCorrections(database, await correctionDelivery(dir, share), { now });
  const corrRecords = delivered.reduce((n, d) => n + d.records, 0);
  const corrMs = delivered.reduce((n, d) => n + d.ms, 0);
  const updated = delivered.reduce((n, d) => n + d.updated, 0);
  const rows = delivered.map((d) => `| ${kind} | ${d.system} | ${d.records} | ${d.updated} | ${d.new} | ${d.quarantined} | ${(d.ms / 1000).toFixed(2)} |`);
  return [
    `### Correction delivery of ${(share * 100).toFixed(1)}% against the full load (${kind})`,
    '',
    `Full load (one batch): ${fullRecords} records in ${(fullMs / 1000).toFixed(1)} s. Correction delivery: ${corrRecords} records (${updated} corrections applied) in ${(corrMs / 1000).toFixed(1)} s, ` +
      `one ingest per system. Ratio of times: ${(corrMs / fullMs).toFixed(3)} for ${(corrRecords / fullRecords).toFixed(3)} of the records ` +
      `(per record: ${(corrMs / Math.max(1, corrRecords) / (fullMs / fullRecords)).toFixed(1)}× the full load's cost).`,
    '',
    '| database | system | records | updated | new | quarantined | seconds |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

export async function correctionBench(opts: { persons: number; share: number; dbs: string[] }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-corrections-'));
  try {
    await generateProvince({ persons: opts.persons, seed: 1, out: dir });
    if (opts.dbs.includes('pglite')) {
      const database = await openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'pglite') });
      await migrate(database);
      console.log(await measure('PGlite', database, dir, opts.share));
      await database.close();
    }
    if (opts.dbs.includes('postgres')) {
      const bin = findPgBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found');
      const cluster = await startCluster(bin);
      try {
        const database = await openDatabase({ databaseUrl: cluster.url, dataDir: null });
        await migrate(database);
        console.log(await measure('PostgreSQL', database, dir, opts.share));
        await database.close();
      } finally {
        cluster.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
