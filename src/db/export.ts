/**
 * `relief-hub export-to-postgres --to URL`: moves an embedded database (PGlite in DATA_DIR) into a PostgreSQL
 * server, every table and its whole history, then checks both sides agree.
 *
 * - The target is migrated first (same migrations, so the same tables and column order) and must be empty:
 *   a target with any row is refused (the access log cannot be emptied, and mixing two hubs' data is never
 *   what an operator wants). Connect as the tables' owner (DATABASE_OWNER_URL's role); no trigger is disabled.
 * - Tables are copied parents before children (foreign keys), each in primary-key order, in batches
 *   (bounded memory): each row travels as its composite literal (`t::text`) and is read back on the target
 *   with the same row type (`(r::t).*`), so every type (bigint fen, jsonb, arrays, timestamptz) is exact.
 * - A table that triggers keep from other tables (TRIGGER_KEPT_TABLES) is not copied: the target's triggers
 *   build it from the rows copied, and the check below compares it like any other. A table that triggers mark
 *   as others are written (TRIGGER_MARKED_TABLES: the aid records the ledger has yet to book) is copied last,
 *   in place of what the target's triggers marked.
 * - All of it is one transaction on the target: it commits whole or not at all. Sequences are set to the
 *   source's values, so ids continue where they stopped.
 * - Then, per table, the row count and the sum of every money column (`*_fen`) are compared on both sides;
 *   any difference fails the export (and the target keeps what was committed: rerun into a fresh database).
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { rows, type Database } from './client.ts';
import { migrate, TRIGGER_KEPT_TABLES, TRIGGER_MARKED_TABLES } from './migrate.ts';
import { openDatabase } from './client.ts';

export interface TableCheck {
  table: string;
  rows: { source: number; target: number };
  /** Money columns: sum of fen on each side (as decimal strings). */
  sums: Record<string, { source: string; target: string }>;
  ok: boolean;
}

export interface ExportResult {
  tables: TableCheck[];
  sequences: number;
  ok: boolean;
}

export class ExportRefused extends Error {}

interface TableInfo {
  name: string;
  pk: Array<{ column: string; type: string }>;
  money: string[];
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The hub's tables (partitioned parents, not their partitions), their primary keys and money columns. */
async function tablesOf(database: Database): Promise<TableInfo[]> {
  // User tables of the public schema with their primary key columns in key order
  const t = await rows<{ name: string; pk: string[] | null; money: string[] | null }>(
    database.db,
    sql`/* export.tables */ SELECT c.relname AS name,
          (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY k.ord)
             FROM pg_constraint pk, unnest(pk.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS pk,
          (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '%\\_fen' AND a.atttypid = 'int8'::regtype) AS money
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       ORDER BY c.relname`,
  );
  return t.map((x) => ({
    name: x.name,
    pk: (x.pk ?? []).map((p) => {
      const i = p.indexOf(' ');
      return { column: p.slice(0, i), type: p.slice(i + 1) };
    }),
    money: x.money ?? [],
  }));
}

/** Tables ordered so that every table comes after the tables its foreign keys reference. */
async function dependencyOrder(database: Database, tables: TableInfo[]): Promise<TableInfo[]> {
  // Which table references which
  const fks = await rows<{ child: string; parent: string }>(
    database.db,
    sql`/* export.foreign-keys */ SELECT DISTINCT c.relname AS child, p.relname AS parent FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE k.contype = 'f' AND n.nspname = 'public' AND NOT c.relispartition AND c.oid <> p.oid`,
  );
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || !byName.has(name)) return;
    if (path.has(name)) throw new Error(`foreign keys form a cycle through ${name}`);
    path.add(name);
    for (const f of fks) if (f.child === name) visit(f.parent, path);
    path.delete(name);
    done.add(name);
    out.push(byName.get(name)!);
  };
  for (const t of tables) visit(t.name, new Set());
  return out;
}

/** The names of the hub's tables, every table after those its foreign keys reference (the bench's COPY floor copies them so). */
export async function hubTablesInOrder(database: Database): Promise<string[]> {
  return (await dependencyOrder(database, await tablesOf(database))).map((t) => t.name);
}

async function countAndSums(database: Database | pg.Client, t: TableInfo): Promise<{ n: number; sums: Record<string, string> }> {
  const sums = t.money.map((m) => `coalesce(sum(${ident(m)}), 0)::text AS ${ident(m)}`).join(', ');
  // label: export.check — row count and money sums of one table
  const text = `/* export.check */ SELECT count(*)::text AS n${sums ? `, ${sums}` : ''} FROM ${ident(t.name)}`;
  const r = database instanceof pg.Client ? (await database.query<Record<string, string>>(text)).rows : await rows<Record<string, string>>(database.db, sql.raw(text));
  const row = r[0]!;
  return { n: Number(row.n), sums: Object.fromEntries(t.money.map((m) => [m, row[m]!])) };
}

export interface ExportOptions {
  batchSize?: number;
  /** Told of progress (one line per table). */
  progress?: (line: string) => void;
}

export async function exportToPostgres(source: Database, targetUrl: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const batchSize = opts.batchSize ?? 5000;
  const progress = opts.progress ?? (() => undefined);
  // The target gets the same migrations as the source (so the same tables, columns and partitions).
  const target = await openDatabase({ databaseUrl: targetUrl, dataDir: null, maxConnections: 1 });
  try {
    await migrate(target);
  } finally {
    await target.close();
  }
  // Tables the target's triggers mark as the others are copied go last: their marks are replaced by the source's.
  const marked = (t: TableInfo) => (TRIGGER_MARKED_TABLES as readonly string[]).includes(t.name);
  const ordered = await dependencyOrder(source, await tablesOf(source));
  const tables = [...ordered.filter((t) => !marked(t)), ...ordered.filter(marked)];
  const client = new pg.Client({ connectionString: targetUrl });
  await client.connect();
  try {
    for (const t of tables) {
      const r = await client.query(`SELECT EXISTS (SELECT 1 FROM ${ident(t.name)}) AS any`);
      if (r.rows[0].any) throw new ExportRefused(`the target is not empty (table ${t.name} has rows); export into a freshly created database`);
    }
    await client.query('BEGIN');
    for (const t of tables) {
      // Kept by the target's own triggers from the rows copied (compared like every table below)
      if ((TRIGGER_KEPT_TABLES as readonly string[]).includes(t.name)) continue;
      if (marked(t)) await client.query(`DELETE FROM ${ident(t.name)}`);
      let copied = 0;
      const order = t.pk.length > 0 ? t.pk.map((p) => ident(p.column)).join(', ') : 'x::text';
      let after: string[] | null = null;
      for (;;) {
        const keyCols = t.pk.map((p, i) => `${ident(p.column)}::text AS k${i}`).join(', ');
        const where: string =
          after === null || t.pk.length === 0
            ? ''
            : `WHERE (${t.pk.map((p) => ident(p.column)).join(', ')}) > (${t.pk.map((p, i) => `${sqlLiteral(after![i]!)}::${p.type}`).join(', ')})`;
        // Without a primary key (none today) the table is read whole in one batch, ordered by its rows' text.
        const limit = t.pk.length > 0 ? `LIMIT ${batchSize}` : '';
        // label: export.read-batch — one batch of a table in primary-key order, each row as its composite literal
        const batch: Array<Record<string, string>> = await rows<Record<string, string>>(
          source.db,
          sql.raw(`/* export.read-batch */ SELECT x::text AS r${keyCols ? `, ${keyCols}` : ''} FROM ${ident(t.name)} x ${where} ORDER BY ${order} ${limit}`),
        );
        if (batch.length === 0) break;
        // label: export.write-batch — the same rows, read back as the table's row type on the target
        await client.query(`/* export.write-batch */ INSERT INTO ${ident(t.name)} SELECT (r::${ident(t.name)}).* FROM unnest($1::text[]) AS r`, [batch.map((b) => b.r)]);
        copied += batch.length;
        if (t.pk.length === 0 || batch.length < batchSize) break;
        const last: Record<string, string> = batch[batch.length - 1]!;
        after = t.pk.map((_, i): string => last[`k${i}`]!);
      }
      progress(`${t.name}: ${copied} rows`);
    }
    // Sequences continue where the source's stopped.
    // The source's sequence positions
    const seqs = await rows<{ name: string; last: string | null }>(
      source.db,
      sql`/* export.sequences */ SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public'`,
    );
    for (const s of seqs) {
      if (s.last !== null) await client.query(`SELECT setval($1::regclass, $2::bigint, true)`, [`public.${ident(s.name)}`, s.last]);
    }
    await client.query('COMMIT');
    const checks: TableCheck[] = [];
    for (const t of tables) {
      const a = await countAndSums(source, t);
      const b = await countAndSums(client, t);
      const sums = Object.fromEntries(t.money.map((m) => [m, { source: a.sums[m]!, target: b.sums[m]! }]));
      const ok = a.n === b.n && t.money.every((m) => a.sums[m] === b.sums[m]);
      checks.push({ table: t.name, rows: { source: a.n, target: b.n }, sums, ok });
    }
    return { tables: checks, sequences: seqs.filter((s) => s.last !== null).length, ok: checks.every((c) => c.ok) };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

function sqlLiteral(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}
