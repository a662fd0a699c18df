/**
 * Which way imports may run between the top-level folders (README "Layout"), checked on the parsed source of
 * every .ts/.tsx file: static `import … from`, `import '…'`, `export … from` and dynamic `import('…')` with a
 * literal specifier (type-only imports count too: they tie the folders as much as any other). A relative
 * specifier is resolved against its file; package specifiers are not the layout's business.
 *
 * test/unit/import-directions.test.ts runs it over the tree, and over small in-memory fixtures to show it
 * can fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'vite';

/** A folder and the folders its files must never import. */
export interface DirectionRule {
  from: string;
  never: readonly string[];
  why: string;
}

export const RULES: readonly DirectionRule[] = [
  { from: 'src', never: ['bench', 'test', 'dev'], why: 'the product never depends on benchmarks, tests or their harness' },
  { from: 'adapters', never: ['bench', 'test', 'dev'], why: 'adapters are product' },
  { from: 'generator', never: ['bench', 'test', 'dev'], why: 'the generator is product (demo data, relief-hub generate)' },
  { from: 'bench', never: ['test'], why: 'benchmarks share the harness in dev/, not the tests' },
  { from: 'dev', never: ['bench', 'test'], why: 'the harness is shared by tests and benchmarks, so it depends on neither' },
];

export interface ImportRef {
  specifier: string;
  line: number;
  kind: 'import' | 'export' | 'dynamic';
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  /** The top-level folder the specifier resolves into. */
  target: string;
  message: string;
}

/** The import specifiers of one file. Throws when the file does not parse (an unread file would hide imports). */
export function importsOf(file: string, source: string): ImportRef[] {
  const parsed = parseSync(path.basename(file), source);
  if (parsed.errors.length) throw new Error(`${file}: does not parse: ${parsed.errors[0]!.message}`);
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length;
  const refs: ImportRef[] = [];
  for (const i of parsed.module.staticImports) refs.push({ specifier: i.moduleRequest.value, line: lineAt(i.start), kind: 'import' });
  for (const e of parsed.module.staticExports) {
    for (const entry of e.entries) if (entry.moduleRequest) refs.push({ specifier: entry.moduleRequest.value, line: lineAt(entry.moduleRequest.start), kind: 'export' });
  }
  for (const d of parsed.module.dynamicImports) {
    // The argument as written; only a plain string literal names a module (a computed one cannot be checked).
    const text = source.slice(d.moduleRequest.start, d.moduleRequest.end).trim();
    const literal = /^(['"`])([^'"`$\\]*)\1$/.exec(text);
    if (literal) refs.push({ specifier: literal[2]!, line: lineAt(d.start), kind: 'dynamic' });
  }
  return refs;
}

/** The top-level folder a relative specifier of `file` (a path relative to the root, with `/`) resolves into. */
export function targetFolder(file: string, specifier: string): string | null {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (resolved.startsWith('../')) return null;
  const [top, ...rest] = resolved.split('/');
  return rest.length ? top! : null;
}

/** Every violation in `files` (path relative to the root, with `/` → source text). */
export function checkImportDirections(files: ReadonlyMap<string, string>, rules: readonly DirectionRule[] = RULES): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const rule = rules.find((r) => file.startsWith(`${r.from}/`));
    if (!rule) continue;
    for (const ref of importsOf(file, source)) {
      const target = targetFolder(file, ref.specifier);
      if (target && rule.never.includes(target)) {
        out.push({ file, line: ref.line, specifier: ref.specifier, target, message: `${file}:${ref.line}: ${ref.kind} '${ref.specifier}' runs ${rule.from}/ → ${target}/ (${rule.why})` });
      }
    }
  }
  return out;
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'data', 'test-output', 'coverage', '.scratch', 'tmp']);

/** Every .ts/.tsx file under `root` (outside dependencies and build output), keyed by its path relative to `root`. */
export function sourceFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) walk(rel);
      } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.set(rel, fs.readFileSync(path.join(root, rel), 'utf8'));
      }
    }
  };
  walk('');
  return files;
}
