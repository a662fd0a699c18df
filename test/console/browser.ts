/**
 * The console's browser tests: one browser per test file (launched by dev/chromium.ts), a page per test.
 * Screenshots go to test-output/console/ (git-ignored); axe-core scans each page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../../dev/chromium.ts';

export { CHROMIUM, hasChromium, launch } from '../../dev/chromium.ts';
export const SKIP_REASON = `${CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk): the console's browser tests are skipped`;

export const shotsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output/console');

export interface Watched {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and uncaught exceptions (CSP violations show here). */
  errors: string[];
}

export async function openPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, requests, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(shotsDir, { recursive: true });
  const file = path.join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; html: string }>;
}

/**
 * axe-core's WCAG 2 A/AA rules over the page as it is. The script is evaluated through the DevTools protocol
 * (the page's CSP allows no inline script, rightly).
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const w = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(w.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  });
  return result;
}

/** Chooses an option of an Ant Design select by its accessible name and the option's text. */
export async function choose(page: Page, name: RegExp | string, option: string): Promise<void> {
  // The shown value or placeholder lies over the combobox input: click the selector that holds both.
  await page.getByRole('combobox', { name }).locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " ant-select-selector ")][1]').click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: option }).first().click();
}
