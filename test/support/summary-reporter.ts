/**
 * Closes the run with which databases the integration suite ran on, and one plain line
 * `tests: N passed, N failed, N skipped`. A test file that failed outside its tests (a hook that threw, a
 * module that did not import or collect) counts as one failed test, its tests as skipped, and is named
 * below: such a file never reads as `0 failed`. So does an error no test caught.
 */
import fs from 'node:fs';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';
import { findPgBinDir } from '../../dev/pg-cluster.ts';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = [], _reason?: TestRunEndReason): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const projects = new Map<string, number>();
    const brokenFiles: string[] = [];
    for (const m of testModules) {
      const name = m.project.name;
      let testFailed = false;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') {
          failed++;
          testFailed = true;
        } else skipped++;
        if (state === 'passed' || state === 'failed') projects.set(name, (projects.get(name) ?? 0) + 1);
      }
      if ((m.state() === 'failed' || m.errors().length > 0) && !testFailed) {
        failed++;
        brokenFiles.push(`${name ? `[${name}] ` : ''}${m.relativeModuleId}: ${m.errors()[0]?.message ?? 'failed outside its tests'}`);
      }
    }
    failed += unhandledErrors.length;
    const dbs = [projects.has('pglite') ? `PGlite (${projects.get('pglite')} tests)` : null, projects.has('postgres') ? `PostgreSQL (${projects.get('postgres')} tests)` : null].filter(Boolean);
    const out = process.stdout;
    out.write(`\nintegration suite ran on: ${dbs.length ? dbs.join(', ') : 'no database'}\n`);
    if (!findPgBinDir()) out.write('PostgreSQL server binaries not found: the suite did not run on PostgreSQL (apt-get install postgresql)\n');
    for (const f of brokenFiles) out.write(`failed outside its tests: ${f}\n`);
    if (unhandledErrors.length > 0) out.write(`errors outside any test: ${unhandledErrors.length}\n`);
    const browser = projects.get('console');
    if (browser) out.write(`console browser tests ran in Chromium: ${browser} tests\n`);
    else if (!fs.existsSync('/usr/bin/chromium')) out.write('console browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)\n');
    out.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
