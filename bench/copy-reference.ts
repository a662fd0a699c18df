/**
 * The physical-limit reference for ingest: the canonical rows the hub ended up holding, loaded into an empty
 * copy of the same schema (every index, constraint and trigger of the migrations) with PostgreSQL `COPY`
 * over one connection, in one transaction. Provenance columns (`source_record_ref`) are left null, because
 * the raw source records are the hub's own addition and are not part of the canonical rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';

/** The canonical model's tables, parents first, with the columns copied (all but provenance). */
const TABLES: Array<{ table: string; omit: string[] }> = [
  { table: 'persons', omit: [] },
  { table: 'households', omit: [] },
  { table: 'household_members', omit: [] },
  { table: 'statuses', omit: ['source_record_ref'] },
  { table: 'settlement_refunds', omit: ['source_record_ref'] },
  { table: 'settlements', omit: ['source_record_ref'] },
  { table: 'aid_records', omit: ['source_record_ref'] },
  { table: 'donations', omit: ['source_record_ref'] },
];

export interface CopyResult {
  rows: number;
  ms: number;
  byTable: Record<string, number>;
}

async function columns(c: pg.Client, table: string, omit: string[]): Promise<string[]> {
  const r = await c.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((x) => x.column_name).filter((n) => !omit.includes(n));
}

/** Exports the canonical rows of `sourceUrl` to files in `dir` (binary COPY format); returns rows per table. */
export async function exportCanonical(sourceUrl: string, dir: string): Promise<Record<string, number>> {
  fs.mkdirSync(dir, { recursive: true });
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  const out: Record<string, number> = {};
  try {
    for (const t of TABLES) {
      const cols = (await columns(c, t.table, t.omit)).map((x) => `"${x}"`).join(', ');
      await pipeline(c.query(copyTo(`COPY (SELECT ${cols} FROM ${t.table} ORDER BY 1) TO STDOUT (FORMAT binary)`)), fs.createWriteStream(path.join(dir, `${t.table}.bin`)));
      out[t.table] = Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table}`)).rows[0]!.n);
    }
  } finally {
    await c.end();
  }
  return out;
}

/**
 * Loads the exported rows into a fresh database `name` on the server of `adminUrl` (created, migrated, and
 * dropped after) and times the COPYs alone.
 */
export async function copyInto(adminUrl: string, name: string, dir: string, rowsByTable: Record<string, number>): Promise<CopyResult> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
    await migrate(database);
    await database.close();
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      const started = process.hrtime.bigint();
      await c.query('BEGIN');
      for (const t of TABLES) {
        const cols = (await columns(c, t.table, t.omit)).map((x) => `"${x}"`).join(', ');
        await pipeline(fs.createReadStream(path.join(dir, `${t.table}.bin`)), c.query(copyFrom(`COPY ${t.table} (${cols}) FROM STDIN (FORMAT binary)`)));
      }
      await c.query('COMMIT');
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const rows = Object.values(rowsByTable).reduce((a, b) => a + b, 0);
      return { rows, ms, byTable: rowsByTable };
    } finally {
      await c.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
