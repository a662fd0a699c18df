/**
 * The honesty of `npm test` itself. Every project of vitest.config.ts runs with the root's timeouts (inline
 * projects inherit nothing without `extends: true`, and PGlite's hooks then died at vitest's 10 s default).
 * The summary line of `npm test` (test/support/summary-reporter.ts) counts a file whose hooks failed, or that
 * failed to import, as failed, and vitest exits non-zero: vitest runs the fixture files of
 * test/unit/reporter-fixture/ in a child process (one passes, one's beforeAll throws, one throws on import).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the summary reporter', () => {
  it('counts files that failed outside their tests as failed, and the run exits non-zero', async () => {
    const vitest = path.resolve('node_modules/vitest/vitest.mjs');
    const config = path.resolve('test/unit/reporter-fixture/vitest.config.ts');
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    let code = 0;
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, [vitest, 'run', '--config', config], { env, encoding: 'utf8' }));
    } catch (e) {
      const err = e as { code: number; stdout: string };
      code = err.code;
      stdout = err.stdout;
    }
    expect(code).not.toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('tests: '));
    expect(line).toBe('tests: 1 passed, 2 failed, 2 skipped');
    expect(stdout).toContain('failed outside its tests: hook-throws.fixture.ts: the database did not open');
    expect(stdout).toContain('failed outside its tests: import-fails.fixture.ts: this module fails while it is collected');
  });

  it('every project of vitest.config.ts has the root hook and test timeouts', async () => {
    const script = `import { createVitest } from 'vitest/node';
      const v = await createVitest('test', { config: 'vitest.config.ts', watch: false, reporters: [] });
      console.log(JSON.stringify(v.projects.map((p) => [p.name, p.config.hookTimeout, p.config.testTimeout])));
      await v.close();`;
    const env = { ...process.env };
    delete env.VITEST;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    const projects = JSON.parse(stdout.trim().split('\n').at(-1)!) as Array<[string, number, number]>;
    expect(projects.map((p) => p[0])).toEqual(expect.arrayContaining(['unit', 'pglite']));
    for (const [, hookTimeout, testTimeout] of projects) expect([hookTimeout, testTimeout]).toEqual([120_000, 60_000]);
  });
});
