/**
 * No import runs the wrong way (issue 13): src/, adapters/ and generator/ never import bench/, test/ or the
 * shared harness in dev/; bench/ never imports test/; dev/ imports neither. The checker (dev/import-directions.ts)
 * parses every .ts/.tsx file; the fixtures below show it catches each kind of import, so a green run means
 * something.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImportDirections, importsOf, sourceFiles, targetFolder } from '../../dev/import-directions.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('import directions over the tree', () => {
  const files = sourceFiles(ROOT);

  it('reads every top-level source folder', () => {
    const folders = new Set([...files.keys()].map((f) => f.split('/')[0]));
    for (const f of ['src', 'adapters', 'generator', 'bench', 'test', 'dev']) expect(folders, f).toContain(f);
    expect([...files.keys()]).toContain('test/unit/import-directions.test.ts');
    expect([...files.keys()].some((f) => f.includes('node_modules/'))).toBe(false);
  });

  it('has no import running the wrong way', () => {
    const violations = checkImportDirections(files).map((v) => v.message);
    expect(violations, violations.join('\n')).toEqual([]);
  });
});

describe('the checker on planted violations', () => {
  const fixture = new Map<string, string>([
    // every kind of import, each the wrong way
    ['src/cli/x.ts', `import { a } from '../../bench/a.ts';\nimport type { T } from '../../test/support/t.ts';\n`],
    ['src/demo.ts', `export { b } from '../bench/b.ts';\nexport * from '../dev/pg-cluster.ts';\nimport '../test/side.ts';\n`],
    ['src/late.ts', `// import('../bench/in-a-comment.ts') is no import\nconst s = "import('../test/in-a-string.ts')";\nconst re = /["']/;\nexport async function f(name: string) {\n  await import(name);\n  return import(\`../test/dyn.ts\`);\n}\n`],
    ['adapters/x/index.tsx', `import { c } from '../../test/support/builders.ts';\nexport const el = <div>{c}</div>;\n`],
    ['generator/index.ts', `const g = await import('../bench/main.ts');\n`],
    ['bench/ingest.ts', `import { d } from '../test/support/pg-cluster.ts';\n`],
    ['dev/chromium.ts', `import { e } from '../test/console/browser.ts';\n`],
    // allowed directions
    ['bench/ok.ts', `import { f } from '../dev/pg-cluster.ts';\nimport { g } from '../generator/index.ts';\nimport { h } from '../src/db/client.ts';\n`],
    ['test/ok.ts', `import { i } from '../bench/x.ts';\nimport { j } from '../dev/chromium.ts';\n`],
    ['src/ok.ts', `import { k } from '../generator/index.ts';\nimport { l } from './db/bench.ts';\nimport pg from 'pg';\nimport { m } from 'test';\n`],
  ]);

  it('names the file, line and import of each violation, and nothing else', () => {
    const found = checkImportDirections(fixture).map((v) => `${v.file}:${v.line} ${v.specifier} → ${v.target}`);
    expect(found).toEqual([
      'src/cli/x.ts:1 ../../bench/a.ts → bench',
      'src/cli/x.ts:2 ../../test/support/t.ts → test',
      'src/demo.ts:3 ../test/side.ts → test',
      'src/demo.ts:1 ../bench/b.ts → bench',
      'src/demo.ts:2 ../dev/pg-cluster.ts → dev',
      'src/late.ts:6 ../test/dyn.ts → test',
      'adapters/x/index.tsx:1 ../../test/support/builders.ts → test',
      'generator/index.ts:1 ../bench/main.ts → bench',
      'bench/ingest.ts:1 ../test/support/pg-cluster.ts → test',
      'dev/chromium.ts:1 ../test/console/browser.ts → test',
    ]);
    const message = checkImportDirections(new Map([['bench/ingest.ts', fixture.get('bench/ingest.ts')!]]))[0]!.message;
    expect(message).toContain('bench/ingest.ts:1');
    expect(message).toContain("'../test/support/pg-cluster.ts'");
  });

  it('refuses a file it cannot parse rather than skipping its imports', () => {
    expect(() => checkImportDirections(new Map([['src/broken.ts', `import { a from '../bench/a.ts';\n`]]))).toThrow(/src\/broken\.ts: does not parse/);
  });

  it('resolves a specifier against its file', () => {
    expect(targetFolder('src/cli/main.ts', '../../generator/index.ts')).toBe('generator');
    expect(targetFolder('src/cli/main.ts', '../demo.ts')).toBe('src');
    expect(targetFolder('bench/x.ts', '../../outside/y.ts')).toBe(null);
    expect(targetFolder('bench/x.ts', 'node:fs')).toBe(null);
    expect(importsOf('a.ts', `import x from './x.ts';\nexport { y } from './y.ts';\nawait import('./z.ts');\n`).map((r) => `${r.kind} ${r.specifier} ${r.line}`)).toEqual([
      'import ./x.ts 1',
      'export ./y.ts 2',
      'dynamic ./z.ts 3',
    ]);
  });
});
