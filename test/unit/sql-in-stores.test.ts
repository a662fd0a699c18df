/**
 * SQL lives in stores (issue 13): a domain is schema fragment + thin resolvers + service + store, and only the
 * store (`src/<domain>/store.ts`) speaks SQL. This test reads every source file under src/ and adapters/ and
 * fails when
 *   - a file that is not a store (nor allow-listed below) imports drizzle-orm's `sql` (or any value of
 *     drizzle-orm), imports `rows` from the database client, or calls `.execute(`, `.select(`, `.insert(` or
 *     `.transaction(` (a service opens its unit of work with `transaction()` of src/db/client.ts);
 *   - a statement in a store does not begin with a `/* label *\/` comment (the label PostgreSQL sees in
 *     pg_stat_statements and in its logs): an `sql` template passed as it stands to `rows(…)` or `.execute(…)`,
 *     or one that begins with INSERT, UPDATE or DELETE; a query-builder read (`.select(`) carries its label in
 *     a `sql` condition. (A SELECT or WITH fragment composed into a labelled statement, e.g. a CTE or a
 *     sub-query, needs none.)
 * Allow-listed files (below, with the reason) are not read at all.
 * The checker is proved on planted in-memory files first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Files that may speak SQL outside a store, and why. */
const ALLOWED: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: 'src/db/', why: 'the database itself: connection, drizzle schema, migrations runner, export to PostgreSQL, the demo loader\'s two reads' },
  { prefix: 'src/shared/person-sets.ts', why: 'person sets: personIn is the SQL condition of a set that stores compose into their statements; it runs no statement (the id range it slices is read by src/shared/store.ts)' },
  { prefix: 'src/shared/rules.ts', why: 'the shared rules written once as SQL fragments that stores compose into their labelled statements; it runs no statement' },
];

const isStore = (file: string) => /(^|\/)store\.ts$/.test(file);
const isAllowed = (file: string) => ALLOWED.some((a) => file === a.prefix || (a.prefix.endsWith('/') && file.startsWith(a.prefix)));

interface Template {
  /** Offset of the `sql` tag. */
  at: number;
  /** The literal text before the first interpolation. */
  head: string;
}

/**
 * The code of a TypeScript file with comments and string contents blanked (same length, so offsets hold), and
 * every `sql` tagged template with its head. Handles nested templates inside interpolations; regular
 * expression literals are not told from division (none in the files read holds a quote or a backtick).
 */
export function lex(text: string): { code: string; templates: Template[] } {
  const out = text.split('');
  const templates: Template[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  // Lexes code until an unmatched `}` (inside an interpolation) or the end; returns the offset after it.
  const code = (inInterpolation: boolean): number => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i]!;
      const n = text[i + 1];
      if (c === '/' && n === '/') {
        const end = text.indexOf('\n', i);
        blank(i, end < 0 ? text.length : end);
        i = end < 0 ? text.length : end;
      } else if (c === '/' && n === '*') {
        const end = text.indexOf('*/', i + 2);
        blank(i, end < 0 ? text.length : end + 2);
        i = end < 0 ? text.length : end + 2;
      } else if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
        blank(i + 1, j);
        i = j + 1;
      } else if (c === '`') {
        const tagged = /\bsql\s*$/.test(text.slice(Math.max(0, i - 8), i));
        const start = i;
        i++;
        let headEnd = -1;
        while (i < text.length && text[i] !== '`') {
          if (text[i] === '\\') i += 2;
          else if (text[i] === '$' && text[i + 1] === '{') {
            if (headEnd < 0) headEnd = i;
            i += 2;
            code(true);
          } else i++;
        }
        if (tagged) templates.push({ at: text.lastIndexOf('sql', start), head: text.slice(start + 1, headEnd < 0 ? i : headEnd) });
        i++;
      } else if (c === '{') {
        depth++;
        i++;
      } else if (c === '}') {
        i++;
        if (depth === 0 && inInterpolation) return i;
        depth--;
      } else i++;
    }
    return i;
  };
  code(false);
  return { code: out.join(''), templates };
}

const LABEL = /^\s*\/\*\s*[a-z][\w.-]*(\s[^*]*)?\*\//i;
const STATEMENT = /^\s*(INSERT|UPDATE|DELETE)\b/i;
/** What precedes an `sql` template that is run as it stands: `rows(db, ` / `rows<…>(tx, ` or `.execute(`. */
const RUN = /(\brows\s*(<[\s\S]*?>)?\s*\(\s*[\w.]+\s*,|\.execute\s*\()\s*$/;

/** What is wrong with one file, as `file:line: message` lines. */
export function sqlFindings(file: string, text: string): string[] {
  const findings: string[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  if (isAllowed(file)) return findings;
  const { code, templates } = lex(text);
  if (isStore(file)) {
    for (const t of templates) {
      const before = code.slice(Math.max(0, t.at - 400), t.at);
      const statement = STATEMENT.test(t.head) || RUN.test(before);
      if (statement && !LABEL.test(t.head)) findings.push(`${file}:${lineOf(t.at)}: a statement without a leading /* label */ comment`);
    }
    for (const m of code.matchAll(/\.select\(/g)) {
      const rest = text.slice(m.index);
      const end = Math.min(...[rest.indexOf('.prepare('), rest.indexOf(';')].filter((x) => x >= 0), rest.length);
      if (!/\/\*\s*[a-z][\w.-]*\s*\*\//i.test(rest.slice(0, end))) findings.push(`${file}:${lineOf(m.index)}: a query-builder read without a /* label */ in its condition`);
    }
    return findings;
  }
  // (module specifiers are blanked in `code` with the strings: imports are matched on the text, where `code` says it is code)
  for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'drizzle-orm'/g)) {
    if (code[m.index] !== 'i') continue;
    const values = m[1] ? [] : m[2]!.split(',').map((x) => x.trim()).filter((x) => x && !x.startsWith('type '));
    if (values.length > 0) findings.push(`${file}:${lineOf(m.index)}: imports ${values.join(', ')} from drizzle-orm outside a store`);
  }
  for (const m of text.matchAll(/import\s+\{([^}]*)\}\s+from\s+'[./]*(src\/)?db\/client(\.ts)?'/g)) {
    if (code[m.index] === 'i' && /\brows\b/.test(m[1]!.replace(/\btype\s+\w+/g, ''))) findings.push(`${file}:${lineOf(m.index)}: imports rows from the database client outside a store`);
  }
  for (const m of code.matchAll(/\.(execute|select|insert|transaction)\s*\(/g)) {
    findings.push(`${file}:${lineOf(m.index)}: calls .${m[1]}( outside a store`);
  }
  for (const t of templates) findings.push(`${file}:${lineOf(t.at)}: an sql template outside a store`);
  return [...new Set(findings)];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [rel] : [];
  });
}

describe('SQL only in stores, every statement labelled', () => {
  it('the checker finds what it is for (planted files)', () => {
    const resolver = `import { sql } from 'drizzle-orm';\nimport { A, rows } from '../db/client.ts';\nexport const r = (db) => rows(db, sql\`/* x.y */ SELECT 1\`);\n`;
    expect(sqlFindings('src/ledger/resolvers.ts', resolver)).toEqual([
      'src/ledger/resolvers.ts:1: imports sql from drizzle-orm outside a store',
      'src/ledger/resolvers.ts:2: imports rows from the database client outside a store',
      'src/ledger/resolvers.ts:3: an sql template outside a store',
    ]);
    const service = `export async function f(database) {\n  return database.db.transaction(async (tx) => tx.execute(q));\n}\n`;
    expect(sqlFindings('src/policy/service.ts', service)).toEqual([
      'src/policy/service.ts:2: calls .transaction( outside a store',
      'src/policy/service.ts:2: calls .execute( outside a store',
    ]);
    const store = [
      "import { sql } from 'drizzle-orm';",
      'export const a = (db) => rows<{ n: string; m: string }>(db, sql`SELECT count(*) FROM t`);',
      'export const b = (db) => db.execute(sql`${fragment} SELECT 1`);',
      "export const c = (db) => rows(db, sql`/* ok.c */ SELECT ${sql`x`} FROM t WHERE y = ${'}'}`);",
      'export const d = sql`   UPDATE t SET x = 1`;',
      'export const e = sql`a.status = ${"PAID"}`; // a fragment: no label needed',
      'export const e2 = sql`WITH x AS (SELECT 1) `; // a CTE composed into a labelled statement',
      'export const f = (db) => db.select().from(t).where(eq(t.id, 1)).prepare("f");',
      'export const g = (db) => db.select().from(t).where(sql`/* ok.g */ ${t.id} = 1`).prepare("g");',
      '// sql`SELECT 1` in a comment is not code',
    ].join('\n');
    expect(sqlFindings('src/warnings/store.ts', store)).toEqual([
      'src/warnings/store.ts:2: a statement without a leading /* label */ comment',
      'src/warnings/store.ts:3: a statement without a leading /* label */ comment',
      'src/warnings/store.ts:5: a statement without a leading /* label */ comment',
      'src/warnings/store.ts:8: a query-builder read without a /* label */ in its condition',
    ]);
    // The allow-list lets its files be, and only them
    expect(sqlFindings('src/db/demo.ts', resolver)).toEqual([]);
    expect(sqlFindings('src/reports/publish.ts', resolver)).not.toEqual([]);
    // Entries that left the list once their SQL moved into stores are read again
    expect(sqlFindings('src/reports/quarterly.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/server/http.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/demo.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/ingest/pipeline.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/overlap/derive.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/identity/persons.ts', resolver)).not.toEqual([]);
    expect(sqlFindings('src/review/service.ts', resolver)).not.toEqual([]);
  });

  it('holds for every source file under src/ and adapters/', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('adapters')];
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter(isStore).length).toBeGreaterThanOrEqual(7);
    const findings = files.flatMap((f) => sqlFindings(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(findings).toEqual([]);
  });
});
