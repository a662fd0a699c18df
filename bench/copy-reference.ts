/**
 * The physical-limit reference for ingest: the canonical rows the hub ended up holding, loaded into an empty
 * copy of the same schema (every index, constraint and trigger of the migrations) with PostgreSQL `COPY`
 * over one connection, in one transaction. Provenance columns (`source_record_ref`) are left null, because
 * the raw source records are the hub's own addition and are not part of the canonical rows.
 *
 * Beside it, the floor of any load (`stateTables`): everything the hub keeps after the load, every table and
 * column (source records and their heads, the canonical rows with their derived columns, households, the
 * ledger, warnings…), loaded the same way. No hub that keeps what domain.md asks it to keep can load faster than
 * COPY writes what it keeps, so canonical COPY ÷ state COPY is the highest ratio to COPY any hub could reach.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { openDatabase } from '../src/db/client.ts';
import { migrate, TRIGGER_KEPT_TABLES, TRIGGER_MARKED_TABLES } from '../src/db/migrate.ts';
import { hubTablesInOrder } from '../src/db/export.ts';

export type TableSpec = { table: string; omit: string[] };

/** The canonical model's tables, parents first, with the columns copied (all but provenance). */
export const CANONICAL_TABLES: TableSpec[] = [
  { table: 'persons', omit: [] },
  { table: 'households', omit: [] },
  { table: 'household_members', omit: [] },
  { table: 'statuses', omit: ['source_record_ref'] },
  { table: 'settlement_refunds', omit: ['source_record_ref'] },
  { table: 'settlements', omit: ['source_record_ref'] },
  { table: 'aid_records', omit: ['source_record_ref'] },
  { table: 'donations', omit: ['source_record_ref'] },
];

/**
 * Every table of the hub that holds rows in `sourceUrl`, parents first, every column, but those the target's
 * triggers fill from the others (copying them would count their rows twice).
 */
export async function stateTables(sourceUrl: string): Promise<TableSpec[]> {
  const skip: readonly string[] = [...TRIGGER_KEPT_TABLES, ...TRIGGER_MARKED_TABLES];
  const database = await openDatabase({ databaseUrl: sourceUrl, dataDir: null, maxConnections: 1 });
  try {
    return (await hubTablesInOrder(database)).filter((t) => !skip.includes(t)).map((table) => ({ table, omit: [] }));
  } finally {
    await database.close();
  }
}

export interface CopyResult {
  rows: number;
  ms: number;
  byTable: Record<string, number>;
  /** Milliseconds of each table's COPY (the commit is in `ms` alone). */
  msByTable: Record<string, number>;
}

async function columns(c: pg.Client, table: string, omit: string[]): Promise<string[]> {
  const r = await c.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((x) => x.column_name).filter((n) => !omit.includes(n));
}

/** Exports the rows of these tables of `sourceUrl` to files in `dir` (binary COPY format); returns rows per table (those with any). */
export async function exportRows(sourceUrl: string, dir: string, tables: TableSpec[]): Promise<Record<string, number>> {
  fs.mkdirSync(dir, { recursive: true });
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  const out: Record<string, number> = {};
  try {
    for (const t of tables) {
      const n = Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table}`)).rows[0]!.n);
      if (n === 0) continue;
      const cols = (await columns(c, t.table, t.omit)).map((x) => `"${x}"`).join(', ');
      await pipeline(c.query(copyTo(`COPY (SELECT ${cols} FROM ${t.table} ORDER BY 1) TO STDOUT (FORMAT binary)`)), fs.createWriteStream(path.join(dir, `${t.table}.bin`)));
      out[t.table] = n;
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
export async function copyInto(adminUrl: string, name: string, dir: string, tables: TableSpec[], rowsByTable: Record<string, number>): Promise<CopyResult> {
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
      // What to copy and its columns, looked up before the clock starts: the COPYs alone are timed.
      const plan: Array<{ table: string; cols: string }> = [];
      for (const t of tables) {
        if (!(t.table in rowsByTable)) continue;
        // Rows the migrations themselves write (fund accounts, the shipped policies) are there already.
        if ((await c.query(`SELECT EXISTS (SELECT 1 FROM ${t.table}) AS any`)).rows[0].any) continue;
        plan.push({ table: t.table, cols: (await columns(c, t.table, t.omit)).map((x) => `"${x}"`).join(', ') });
      }
      const started = process.hrtime.bigint();
      await c.query('BEGIN');
      // As in the hub's first load (`bookingEverything`): the ledger's marks of inserted aid records are off.
      await c.query(`SET LOCAL relief_hub.ledger_marks = 'off'`);
      let rows = 0;
      const copied: Record<string, number> = {};
      const msByTable: Record<string, number> = {};
      for (const { table, cols } of plan) {
        rows += rowsByTable[table]!;
        copied[table] = rowsByTable[table]!;
        const tableStarted = process.hrtime.bigint();
        await pipeline(fs.createReadStream(path.join(dir, `${table}.bin`)), c.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN (FORMAT binary)`)));
        msByTable[table] = Number(process.hrtime.bigint() - tableStarted) / 1e6;
      }
      await c.query('COMMIT');
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      return { rows, ms, byTable: copied, msByTable };
    } finally {
      await c.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
