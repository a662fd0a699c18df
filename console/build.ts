/**
 * Builds the console into console/dist with Vite's API, only when the build is missing or older than its
 * sources (`npm start` runs it first, so a fresh clone serves the console; the browser tests run it once).
 *
 *   tsx console/build.ts            build when stale
 *   tsx console/build.ts --force    build always
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
export const distIndex = path.join(here, 'dist', 'index.html');

/** Everything the bundle is made of: the console's sources and the hub modules it imports. */
const SOURCES = [path.join(here, 'src'), path.join(here, 'index.html'), path.join(here, 'vite.config.ts'), path.join(repo, 'src/identity'), path.join(repo, 'src/reports/format.ts'), path.join(repo, 'package-lock.json')];

function newest(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

export function consoleIsStale(): boolean {
  let built: number;
  try {
    built = fs.statSync(distIndex).mtimeMs;
  } catch {
    return true;
  }
  return SOURCES.some((s) => newest(s) > built);
}

export async function buildConsole(opts: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !consoleIsStale()) return false;
  const { build } = await import('vite');
  const started = Date.now();
  // A production bundle whatever NODE_ENV the caller runs under (vitest sets "test": Vite and the React plugin
  // would then mix development JSX with production React).
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(here, 'vite.config.ts'), mode: 'production', logLevel: opts.quiet ? 'silent' : 'warn' });
  } finally {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  }
  if (!opts.quiet) process.stderr.write(`[console] built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildConsole({ force: process.argv.includes('--force') });
  if (!built) process.stderr.write('[console] console/dist is up to date\n');
}
