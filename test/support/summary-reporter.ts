/**
 * Closes the run with which databases the integration suite ran on, and one plain line
 * `tests: N passed, N failed, N skipped`.
 */
import fs from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import { findPgBinDir } from './pg-cluster.ts';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const projects = new Map<string, number>();
    for (const m of testModules) {
      const name = m.project.name;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        if (state === 'passed' || state === 'failed') projects.set(name, (projects.get(name) ?? 0) + 1);
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const dbs = [projects.has('pglite') ? `PGlite (${projects.get('pglite')} tests)` : null, projects.has('postgres') ? `PostgreSQL (${projects.get('postgres')} tests)` : null].filter(Boolean);
    const out = process.stdout;
    out.write(`\nintegration suite ran on: ${dbs.length ? dbs.join(', ') : 'no database'}\n`);
    if (!findPgBinDir()) out.write('PostgreSQL server binaries not found: the suite did not run on PostgreSQL (apt-get install postgresql)\n');
    const browser = projects.get('console');
    if (browser) out.write(`console browser tests ran in Chromium: ${browser} tests\n`);
    else if (!fs.existsSync('/usr/bin/chromium')) out.write('console browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)\n');
    out.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
