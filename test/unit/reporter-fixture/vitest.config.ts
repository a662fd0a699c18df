/** A run of three fixture files (one passes, one's beforeAll throws, one fails to import) for summary-reporter.test.ts. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.fixture.ts'],
    reporters: ['../../support/summary-reporter.ts'],
  },
});
