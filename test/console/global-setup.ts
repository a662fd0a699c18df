/** The console project's setup: the console is built once (when stale) before any browser test runs. */
import fs from 'node:fs';
import { buildConsole } from '../../console/build.ts';
import { CHROMIUM } from './browser.ts';

export default async function setup(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stdout.write(`\n[console] SKIPPING the browser tests: ${CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)\n`);
    return;
  }
  await buildConsole({ quiet: true });
}
