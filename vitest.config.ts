/**
 * `npm test`: unit tests once, then the integration suite on embedded PGlite and again on a throwaway real
 * PostgreSQL cluster whenever the server binaries are installed (test/support/global-postgres.ts starts it).
 * The summary reporter says which databases the suite ran on.
 */
import { defineConfig } from 'vitest/config';
import { findPgBinDir } from './dev/pg-cluster.ts';

const integration = ['test/integration/**/*.test.ts'];
const pgBin = findPgBinDir();

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    projects: [
      // `extends: true`: inline projects do not inherit the root options (testTimeout, hookTimeout, reporters'
      // settings) otherwise, and PGlite's hooks then time out at vitest's 10 s default on a loaded machine.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'generator/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: integration,
          env: { RELIEF_TEST_DB: 'pglite' },
          // One PGlite per worker, shared by the files it runs (test/support/db.ts).
          isolate: false,
        },
      },
      {
        // The console in Debian's Chromium (test/console/): one browser, a page per test; the setup builds the console.
        extends: true,
        test: {
          name: 'console',
          include: ['test/console/**/*.test.ts'],
          env: { RELIEF_TEST_DB: 'pglite' },
          isolate: false,
          fileParallelism: false,
          // After the other projects (a project with its own worker count needs its own group): the browser
          // does not compete with the integration suite for the two cores.
          sequence: { groupOrder: 1 },
          globalSetup: ['./test/console/global-setup.ts'],
        },
      },
      ...(pgBin
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: integration,
                env: { RELIEF_TEST_DB: 'postgres' },
                isolate: false,
                globalSetup: ['./test/support/global-postgres.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
