/**
 * Ingest benchmark: generates a province, ingests every file on embedded PGlite and on a throwaway
 * PostgreSQL cluster, and reports records/s per format; then the peak RSS of ingesting one file of at least
 * a million records, measured in a child process of its own.
 *
 *   npx tsx bench/ingest.ts [--persons 20000] [--big 1000000] [--db pglite,postgres]
 *
 * With `--corrections 0.01`: instead, what a correction delivery of 1% of the records costs against the full
 * load (bench/corrections.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { generateProvince } from '../generator/index.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { ingestFile } from '../src/ingest/service.ts';
import { checkCharacter } from '../src/identity/id-number.ts';
import { formatYuan } from '../src/identity/money.ts';
import { findPgBinDir, startCluster } from '../dev/pg-cluster.ts';
import { correctionBench } from './corrections.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '20000' },
    big: { type: 'string', default: '1000000' },
    db: { type: 'string', default: 'pglite,postgres' },
    corrections: { type: 'string' },
  },
});
const persons = Number(values.persons);
const bigRecords = Number(values.big);
const dbs = values.db!.split(',');

interface Row {
  db: string;
  system: string;
  records: number;
  ms: number;
}

async function runOn(kind: string, database: Database, dir: string, files: Array<{ system: string; file: string }>): Promise<Row[]> {
  const out = new Map<string, Row>();
  for (const f of files) {
    const s = await ingestFile(database, f.system, path.join(dir, f.file));
    const r = out.get(f.system) ?? { db: kind, system: f.system, records: 0, ms: 0 };
    r.records += s.records;
    r.ms += s.ms;
    out.set(f.system, r);
  }
  return [...out.values()];
}

function table(rows: Row[]): string {
  const lines = ['| database | system | records | seconds | records/s |', '|---|---|---:|---:|---:|'];
  const byDb = new Map<string, Row[]>();
  for (const r of rows) byDb.set(r.db, [...(byDb.get(r.db) ?? []), r]);
  for (const [db, rs] of byDb) {
    for (const r of rs) lines.push(`| ${db} | ${r.system} | ${r.records} | ${(r.ms / 1000).toFixed(2)} | ${Math.round((r.records * 1000) / Math.max(1, r.ms))} |`);
    const rec = rs.reduce((a, r) => a + r.records, 0);
    const ms = rs.reduce((a, r) => a + r.ms, 0);
    lines.push(`| ${db} | **all** | ${rec} | ${(ms / 1000).toFixed(2)} | ${Math.round((rec * 1000) / Math.max(1, ms))} |`);
  }
  return lines.join('\n');
}

async function main() {
  if (values.corrections) {
    const share = Number(values.corrections);
    if (!(share > 0 && share <= 0.5)) throw new Error('--corrections is a share of the records, e.g. 0.01');
    return correctionBench({ persons, share, dbs });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-bench-'));
  try {
    const t0 = Date.now();
    const expected = await generateProvince({ persons, seed: 1, out: dir });
    console.error(`generated ${persons} persons in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const files = expected.files.map((f) => ({ system: f.system, file: f.file }));
    const rows: Row[] = [];
    if (dbs.includes('pglite')) {
      const database = await openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'pglite') });
      await migrate(database);
      rows.push(...(await runOn('PGlite', database, dir, files)));
      await database.close();
    }
    let pgUrl: string | null = null;
    let stop: (() => void) | null = null;
    if (dbs.includes('postgres')) {
      const bin = findPgBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found');
      const cluster = await startCluster(bin);
      pgUrl = cluster.url;
      stop = () => cluster.stop();
      const database = await openDatabase({ databaseUrl: cluster.url, dataDir: null });
      await migrate(database);
      rows.push(...(await runOn(`PostgreSQL`, database, dir, files)));
      await database.close();
    }
    console.log(`\n### Ingest throughput, ${persons} persons (seed 1)\n\n${table(rows)}\n`);

    if (bigRecords > 0) {
      // One NDJSON settlement file of `big` lines, ingested by the CLI in a process of its own so that its
      // peak RSS is the ingest's alone.
      const big = path.join(dir, 'big-settlements.ndjson');
      writeBigSettlements(big, bigRecords);
      const env = { ...process.env, LOG_LEVEL: 'warn', ...(pgUrl ? { DATABASE_URL: pgUrl } : { DATA_DIR: path.join(dir, 'pglite-big') }) };
      const t1 = Date.now();
      const out = execFileSync(
        process.execPath,
        ['--max-old-space-size=512', '--import', 'tsx', path.resolve('bench/peak-rss.ts'), 'medical-insurance', big], // the heap cap of a bulk load (bench/main.ts)
        { env, encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const res = JSON.parse(out.trim().split('\n').at(-1)!) as { records: number; maxRssMiB: number };
      console.log(
        `### Peak RSS, one file of ${res.records} records (${pgUrl ? 'PostgreSQL' : 'PGlite'})\n\n` +
          `| records | seconds | records/s | peak RSS |\n|---:|---:|---:|---:|\n` +
          `| ${res.records} | ${((Date.now() - t1) / 1000).toFixed(1)} | ${Math.round((res.records * 1000) / (Date.now() - t1))} | ${res.maxRssMiB} MiB |\n`,
      );
    }
    stop?.();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeBigSettlements(file: string, n: number) {
  const fd = fs.openSync(file, 'w');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const first = `460102${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
    const id = first + checkCharacter(first);
    const total = 1_000_000 + (i % 5000) * 100;
    const basic = Math.floor(total * 0.5);
    const crit = Math.floor(total * 0.1);
    const burden = total - basic - crit;
    buf +=
      JSON.stringify({
        setl_id: `B${String(i).padStart(9, '0')}`,
        psn_no: `P${i}`,
        certno: id,
        psn_name: '测试',
        fixmedins_code: 'H46010200001',
        fixmedins_name: '海南省人民医院',
        begndate: '2026-01-03',
        enddate: '2026-01-12',
        diag_code: 'C50.9',
        medfee_sumamt: formatYuan(BigInt(total)),
        inscp_scp_amt: formatYuan(BigInt(total)),
        hifp_pay: formatYuan(BigInt(basic)),
        hifmi_pay: formatYuan(BigInt(crit)),
        hifob_pay: '0',
        maf_pay: '0',
        psn_part_amt: formatYuan(BigInt(burden)),
        setl_time: '2026-01-12T16:20:00+08:00',
        refd_setl_flag: '0',
      }) + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

await main();
