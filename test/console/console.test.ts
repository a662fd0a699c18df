/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a hub on loopback with
 * the demo province (the same data `npm start` loads): one test per task of each role, each page scanned
 * with axe-core, screenshots in test-output/console/. Skipped, with the reason printed, only when
 * /usr/bin/chromium is absent.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { rows, type Database } from '../../src/db/client.ts';
import { DEMO_CASEWORKER, demoLookups, loadDemo } from '../../src/demo.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import type { TokenClaims } from '../../src/access/auth.ts';
import { axe, choose, hasChromium, launch, openPage, screenshot, SKIP_REASON, type Watched } from './browser.ts';

if (!hasChromium) process.stdout.write(`\n[console] SKIPPED: ${SKIP_REASON}\n`);

let database: Database;
let hub: TestHub;
let origin: string;
let browser: Browser;
let ids: string[] = [];
const open: Watched[] = [];

const ROLES: Record<string, TokenClaims> = {
  caseworker: { role: 'CASEWORKER', ...DEMO_CASEWORKER, sub: 'test-caseworker' },
  platform: { role: 'PLATFORM', sub: 'test-platform' },
  charity: { role: 'CHARITY', sub: 'test-charity' },
  auditor: { role: 'AUDITOR', sub: 'test-auditor' },
};

/** The hub's own answer, as the platform (default) or as the role a page is signed in with. */
async function hubAnswer<T>(query: string, variables: Record<string, unknown> = {}, role?: keyof typeof ROLES): Promise<T> {
  const auth: Record<string, string> = role ? { authorization: `Bearer ${await hub.token(ROLES[role]!)}` } : {};
  const r = await gql<T>(hub.url, query, variables, { 'x-purpose': encodeURIComponent('测试核对'), ...auth });
  expect(r.body.errors).toBeUndefined();
  return r.body.data as T;
}

/** "1234.50" as the console writes it: "¥1,234.50". */
const money = (y: string) => `¥${y.replace(/\B(?=(\d{3})+(?!\d))(?=.*\.)/g, ',')}`;

async function signIn(role: keyof typeof ROLES): Promise<Watched> {
  const w = await openPage(browser);
  open.push(w);
  const token = await hub.token(ROLES[role]!);
  await w.page.goto(`${origin}/#token=${token}`);
  await w.page.locator('[data-testid="who"]').waitFor();
  // The token moved to session storage: the address bar and history keep no trace of it.
  expect(w.page.url()).toBe(`${origin}/`);
  expect(await w.page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('relief-hub.token'))).toBe(token);
  return w;
}

/** Screenshot, accessibility scan, and nothing fetched from anywhere but the hub, no error in the console. */
async function finish(w: Watched, name: string, expectedErrors: RegExp[] = []): Promise<void> {
  await screenshot(w.page, name);
  const violations = await axe(w.page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
  const foreign = w.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  expect(foreign).toEqual([]);
  expect(w.errors.filter((e) => !expectedErrors.some((x) => x.test(e)))).toEqual([]);
}

async function statePurpose(page: Page, choice = '审批临时救助申请', details?: string): Promise<void> {
  await choose(page, /查询用途/, choice);
  if (details) await page.getByRole('textbox', { name: /用途说明/ }).fill(details);
}

async function lookUp(page: Page, idNumber: string, details = '申请编号 LS-2026-001'): Promise<void> {
  await page.getByRole('textbox', { name: /身份证号/ }).fill(idNumber);
  await statePurpose(page, '审批临时救助申请', details);
  await page.getByRole('button', { name: /查\s*询/ }).click();
  await page.getByText('基本信息').waitFor();
}

/** Pages that read personal data ask for the purpose once per session. */
async function passPurposeGate(page: Page, choice = '审批临时救助申请'): Promise<void> {
  await statePurpose(page, choice);
  await page.getByRole('button', { name: /确\s*定/ }).click();
  await page.locator('[data-testid="purpose"]').waitFor();
}

async function personId(idNumber: string): Promise<number> {
  return Number((await rows<{ id: string }>(database.db, sql`SELECT id::text FROM persons WHERE id_number = ${idNumber}`))[0]!.id);
}

describe.skipIf(!hasChromium)('the console in Chromium', () => {
  beforeAll(async () => {
    database = await testDatabase();
    await resetDatabase(database);
    await loadDemo(database);
    hub = await startTestHub(database);
    origin = hub.url.replace(/\/graphql$/, '');
    ids = (await demoLookups(database)).map((l) => l.idNumber);
    browser = await launch();
  }, 600_000);

  afterAll(async () => {
    for (const w of open) await w.page.context().close().catch(() => undefined);
    await browser?.close();
    await hub?.close();
  });

  describe('caseworker', () => {
    it('looks up a person by exact identity number, refused without a purpose; identity, statuses, household, warnings', async () => {
      const w = await signIn('caseworker');
      const { page } = w;
      const id = ids[0]!;
      const pid = await personId(id);
      // Without a purpose the lookup is not sent: nothing is read, nothing logged.
      await page.getByRole('textbox', { name: /身份证号/ }).fill(id);
      await page.getByRole('button', { name: /查\s*询/ }).click();
      await page.getByText('请选择查询用途').waitFor();
      const logged = async () => (await rows<{ purpose: string | null }>(database.db, sql`SELECT purpose FROM access_log WHERE subject_person_id = ${pid} AND actor = 'test-caseworker'`)).map((r) => r.purpose);
      expect(await logged()).toEqual([]);
      // A malformed number is refused on the page itself.
      await page.getByRole('textbox', { name: /身份证号/ }).fill('46010519800101');
      await page.getByText('身份证号应为18位').waitFor();

      await lookUp(page, id);
      const p = (await hubAnswer<{ person: { name: string; statuses: Array<{ validFrom: string }>; household: { members: Array<{ person: { name: string } }> }; warnings: Array<{ closedAt: string | null }> } }>(
        `query($id: String!) { person(idNumber: $id) { name statuses { validFrom } household { members { person { name } } } warnings { closedAt } } }`,
        { id },
        'caseworker', // what the caseworker may see: household members of other counties stay out of reach
      )).person;
      await expect.poll(() => page.locator('[data-testid="id-number"]').textContent()).toBe(id); // in the caseworker's scope: in full
      const text = await page.locator('main').innerText();
      expect(text).toContain(p.name);
      for (const s of p.statuses) expect(text).toContain(s.validFrom);
      for (const m of p.household.members) expect(text).toContain(m.person.name);
      if (p.warnings.every((x) => x.closedAt)) expect(text).toContain('无未关闭的预警');
      // The read was logged with the purpose the caseworker gave (sent as x-purpose, URI-encoded).
      const purposes = (await logged()).map((x) => decodeURIComponent(x ?? ''));
      expect(purposes).toContain('审批临时救助申请：申请编号 LS-2026-001');
      await finish(w, 'caseworker-1-person');

      // A person outside the caseworker's county and agency: the number is masked.
      const outside = (await rows<{ id_number: string }>(
        database.db,
        sql`SELECT id_number FROM persons p WHERE id_number IS NOT NULL AND county_code IS DISTINCT FROM ${DEMO_CASEWORKER.county}
              AND NOT EXISTS (SELECT 1 FROM aid_records a WHERE a.person_id = p.id AND a.system = 'civil-affairs') ORDER BY id LIMIT 1`,
      ))[0]!.id_number;
      await lookUp(page, outside, '核对');
      await expect.poll(() => page.locator('[data-testid="id-number"]').textContent()).toBe(`${outside.slice(0, 6)}********${outside.slice(14)}`);
      await page.getByText('身份证号按规定部分隐藏').waitFor();
    });

    it('reads the whole aid history as a table and a timeline: duplicates struck through beside their primary, each flag explained', async () => {
      const w = await signIn('caseworker');
      const { page } = w;
      const dup = (await rows<{ id_number: string; dup: string; primary: string; n: string }>(
        database.db,
        sql`SELECT p.id_number, a.record_id AS dup, pr.record_id AS primary,
                   (SELECT count(*) FROM aid_records x WHERE x.person_id = p.id)::text AS n
            FROM aid_records a JOIN aid_records pr ON pr.id = a.duplicate_of JOIN persons p ON p.id = a.person_id
            WHERE p.id_number IS NOT NULL AND pr.person_id = a.person_id ORDER BY a.id LIMIT 1`,
      ))[0]!;
      await lookUp(page, dup.id_number, '核对重复');
      const table = page.locator('.ant-tabs-tabpane-active table');
      await table.waitFor();
      const bodyRows = table.locator('tbody tr.ant-table-row');
      expect(await bodyRows.count()).toBe(Number(dup.n));
      // The duplicate row is struck through and comes right after its primary.
      const texts = await bodyRows.allInnerTexts();
      const di = texts.findIndex((t) => t.includes(dup.dup));
      expect(di).toBeGreaterThan(0);
      expect(texts[di - 1]).toContain(dup.primary);
      const dupRow = bodyRows.nth(di);
      expect(await dupRow.getAttribute('class')).toContain('rh-dup');
      expect(await dupRow.locator('td').first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { textDecorationLine: string } }).getComputedStyle(el).textDecorationLine)).toBe('line-through');
      expect(texts[di]).toContain('重复上报');
      expect(texts[di]).toContain('同一笔救助被再次上报，不计入任何合计');
      expect(texts[di]).toContain(`首报记录`);
      await finish(w, 'caseworker-2-history');

      await page.getByRole('tab', { name: '时间轴' }).click();
      const items = page.locator('.ant-tabs-tabpane-active .ant-timeline-item');
      await items.first().waitFor();
      const stays = Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM settlements s JOIN persons p ON p.id = s.person_id WHERE p.id_number = ${dup.id_number} AND s.refunded_by IS NULL`))[0]!.n);
      expect(await items.count()).toBe(Number(dup.n) + stays);
      await finish(w, 'caseworker-3-timeline');
    });

    it('shows every stay as a printable one-bill statement with each layer and a stacked bar', async () => {
      const w = await signIn('caseworker');
      const { page } = w;
      const id = ids[0]!;
      await lookUp(page, id);
      const stays = (await hubAnswer<{ person: { settlements: Array<{ settlementId: string; total: string; basicInsurance: string; burden: string; countedAid: string; excess: string; remaining: string }> } }>(
        `query($id: String!) { person(idNumber: $id) { settlements { settlementId total basicInsurance burden countedAid excess remaining } } }`,
        { id },
      )).person.settlements;
      expect(stays.length).toBeGreaterThan(0);
      await page.getByRole('tab', { name: /一单制结算/ }).click();
      for (const s of stays) {
        const card = page.locator(`[id="stmt-${s.settlementId}"]`);
        await card.waitFor();
        const text = await card.innerText();
        for (const [label, v] of [['医疗总费用', s.total], ['基本医保', s.basicInsurance], ['个人负担', s.burden], ['已计入救助合计', s.countedAid], ['超额救助', s.excess], ['剩余可救助额度', s.remaining]] as const) {
          expect(text).toMatch(new RegExp(`${label}\\s*${money(v).replace(/[¥.]/g, (c) => `\\${c}`)}`));
        }
        expect(await card.locator('svg path').count()).toBeGreaterThan(0);
      }
      // Printing marks the one statement to print; the page's print stylesheet hides the rest.
      await page.evaluate(() => {
        const g = globalThis as unknown as { print: () => void; printed: string[]; document: { body: { className: string }; querySelector(s: string): { id: string } | null } };
        g.printed = [];
        g.print = () => g.printed.push(`${g.document.body.className}|${g.document.querySelector('.rh-print-target')?.id ?? ''}`);
      });
      await page.locator(`[id="stmt-${stays[0]!.settlementId}"]`).getByRole('button', { name: /打\s*印/ }).click();
      expect(await page.evaluate(() => (globalThis as unknown as { printed: string[] }).printed)).toEqual([`rh-printing|stmt-${stays[0]!.settlementId}`]);
      await finish(w, 'caseworker-4-statement');
    });

    it('records aid for its agency with the live capacity check, and an override reason above it', async () => {
      const w = await signIn('caseworker');
      const { page } = w;
      const id = ids[0]!;
      const stays = (await hubAnswer<{ person: { settlements: Array<{ settlementId: string; remaining: string; refundedBy: string | null }> } }>(
        `query($id: String!) { person(idNumber: $id) { settlements { settlementId remaining refundedBy } } }`,
        { id },
      )).person.settlements.filter((s) => !s.refundedBy);
      const stay = stays.sort((a, b) => Number(b.remaining) - Number(a.remaining))[0]!;
      await lookUp(page, id);
      await page.getByRole('tab', { name: '记录救助' }).click();
      // The program is the caseworker's agency's (civil affairs: 临时救助), already chosen.
      await page.locator('.ant-tabs-tabpane-active').getByText('临时救助').first().waitFor();
      await choose(page, /对应住院/, stay.settlementId);
      const capacity = page.locator('[data-testid="capacity"]');
      await capacity.waitFor();
      expect(await capacity.innerText()).toContain(money(stay.remaining));
      const above = (Number(stay.remaining) + 100).toFixed(2);
      await page.getByRole('textbox', { name: /救助金额/ }).fill(above);
      await page.getByText('金额超出该次住院的剩余可救助额度').waitFor();
      await page.getByRole('button', { name: /提交救助记录/ }).click();
      await page.getByText('超出剩余额度时必须填写理由').waitFor();
      const before = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM aid_records WHERE origin = 'API'`);
      expect(before[0]!.n).toBe('0');
      await page.getByRole('textbox', { name: /超额度发放理由/ }).fill('大病特殊困难，经局务会研究同意');
      await page.getByRole('button', { name: /提交救助记录/ }).click();
      await page.getByText(/已记录救助 .*（超额度发放，理由已保存）/).waitFor();
      const made = await rows<{ amount_fen: string; override_reason: string; settlement_ref: string; program: string; status: string }>(
        database.db,
        sql`SELECT amount_fen::text, override_reason, settlement_ref, program, status FROM aid_records WHERE origin = 'API'`,
      );
      expect(made).toEqual([{ amount_fen: String(Math.round(Number(above) * 100)), override_reason: '大病特殊困难，经局务会研究同意', settlement_ref: stay.settlementId, program: 'TEMPORARY_ASSISTANCE', status: 'PAID' }]);
      await finish(w, 'caseworker-5-record-aid');
      // The history now shows it, with the override and its excess explained.
      await page.getByRole('tab', { name: /救助记录/ }).click();
      await page.locator('.ant-tabs-tabpane-active').getByText('大病特殊困难，经局务会研究同意').waitFor();
    });

    it("decides its agency's review items and undoes a decision", async () => {
      const w = await signIn('caseworker');
      const { page } = w;
      await page.getByRole('menuitem', { name: '复核待办' }).click();
      await passPurposeGate(page, '核对重复或超额救助');
      const token = await hub.token(ROLES.caseworker!);
      const queue = await gql<{ reviewQueue: { totalCount: number; edges: Array<{ node: { id: string; aid: { id: string; system: string } } }> } }>(
        hub.url,
        '{ reviewQueue(first: 100) { totalCount edges { node { id aid { id system } } } } }',
        {},
        { authorization: `Bearer ${token}`, 'x-purpose': 'test' },
      );
      const total = queue.body.data!.reviewQueue.totalCount;
      expect(total).toBeGreaterThan(0);
      expect(queue.body.data!.reviewQueue.edges.every((e) => e.node.aid.system === 'civil-affairs')).toBe(true);
      await expect.poll(() => page.locator('[data-testid="review-total"]').textContent()).toBe(`待复核 ${total} 条`);
      const first = queue.body.data!.reviewQueue.edges[0]!.node;
      const row = page.locator('.ant-table-tbody tr.ant-table-row').first();
      await row.getByRole('textbox', { name: '决定理由' }).fill('经核对凭证与银行流水');
      await row.getByRole('button').first().click();
      await page.locator('[data-testid="decision"]').waitFor();
      await expect.poll(() => page.locator('[data-testid="review-total"]').textContent()).toBe(`待复核 ${total - 1} 条`);
      const decisions = async () => rows<{ decision: string; reason: string; decided_by: string }>(database.db, sql`SELECT decision, reason, decided_by FROM review_decisions WHERE aid_id = ${Number(first.aid.id)} ORDER BY id`);
      expect(await decisions()).toEqual([{ decision: 'CONFIRM', reason: '经核对凭证与银行流水', decided_by: 'test-caseworker' }]);
      await finish(w, 'caseworker-6-review');
      await page.getByRole('button', { name: /撤销此决定/ }).click();
      await expect.poll(async () => (await decisions()).map((d) => d.decision)).toEqual(['CONFIRM', 'DISMISS']);
    });
  });

  describe('platform', () => {
    it('sees a quarter on the dashboard: totals, tables and charts by agency, program, city, county and category, trends, funds', async () => {
      const w = await signIn('platform');
      const { page } = w;
      await page.getByText('各季度剔除重复上报与超额救助趋势').waitFor();
      await page.getByText('资金池').waitFor();
      const label = (await page.locator('.ant-select-selection-item').first().textContent())!;
      const m = label.match(/(\d{4})年第(\d)季度/)!;
      const report = (await hubAnswer<{ quarterlyReport: { totals: { persons: number; personTimes: number; amount: string } } }>(
        'query($y: Int!, $q: Int!) { quarterlyReport(year: $y, quarter: $q) { totals { persons personTimes amount } } }',
        { y: Number(m[1]), q: Number(m[2]) },
      )).quarterlyReport.totals;
      expect(report.personTimes).toBeGreaterThan(0);
      const stat = async (title: string) => (await page.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content').innerText()).replace(/\s/g, '');
      expect(await stat('救助人次')).toBe(String(report.personTimes));
      expect(await stat('救助人数')).toBe(String(report.persons));
      expect(await stat('救助金额')).toBe(money(report.amount));
      for (const title of ['按机构', '按救助项目', '按市县', '按救助对象类别', '按区县']) await page.locator('.ant-card-head-title', { hasText: title }).first().waitFor();
      expect(await page.locator('.rh-chart svg').count()).toBeGreaterThanOrEqual(6);
      // Funds that the agencies' history overdrew are flagged.
      const overdrawn = (await hubAnswer<{ funds: Array<{ overdrawn: boolean }> }>('{ funds { overdrawn } }')).funds.filter((f) => f.overdrawn).length;
      expect(overdrawn).toBeGreaterThan(0);
      expect(await page.locator('.ant-tag', { hasText: '透支' }).count()).toBeGreaterThan(0);
      await finish(w, 'platform-1-dashboard');
    });

    it('filters the warnings', async () => {
      const w = await signIn('platform');
      const { page } = w;
      await page.getByRole('menuitem', { name: '预警' }).click();
      await passPurposeGate(page, '处理预警线索');
      const count = async (kind: string | null) => (await hubAnswer<{ earlyWarnings: { totalCount: number } }>('query($k: WarningKind) { earlyWarnings(kind: $k, first: 1) { totalCount } }', { k: kind })).earlyWarnings.totalCount;
      await expect.poll(() => page.locator('[data-testid="warnings-total"]').textContent()).toBe(`共 ${await count(null)} 条`);
      await choose(page, /预警类型/, '应救未救');
      await expect.poll(() => page.locator('[data-testid="warnings-total"]').textContent()).toBe(`共 ${await count('MISSED_ASSISTANCE')} 条`);
      await page.getByText('结算单号').first().waitFor();
      await finish(w, 'platform-2-warnings');
    });

    it('works the review queue', async () => {
      const w = await signIn('platform');
      const { page } = w;
      await page.getByRole('menuitem', { name: '复核待办' }).click();
      await passPurposeGate(page, '核对重复或超额救助');
      const total = (await hubAnswer<{ reviewQueue: { totalCount: number } }>('{ reviewQueue(first: 1) { totalCount } }')).reviewQueue.totalCount;
      await expect.poll(() => page.locator('[data-testid="review-total"]').textContent()).toBe(`待复核 ${total} 条`);
      await choose(page, /复核类型/, '疑似重复救助');
      const suspected = (await hubAnswer<{ reviewQueue: { totalCount: number } }>('{ reviewQueue(kind: SUSPECTED_DUPLICATE, first: 1) { totalCount } }')).reviewQueue.totalCount;
      await expect.poll(() => page.locator('[data-testid="review-total"]').textContent()).toBe(`待复核 ${suspected} 条`);
      await finish(w, 'platform-3-review');
    });

    it('browses the quarantine (reason, location, raw text) and re-processes a record with a correction', async () => {
      const w = await signIn('platform');
      const { page } = w;
      await page.getByRole('menuitem', { name: '隔离区' }).click();
      await passPurposeGate(page, '审核医疗救助申请');
      const q = (await hubAnswer<{ quarantine: { totalCount: number; edges: Array<{ node: { id: string; raw: string } }> } }>('{ quarantine(first: 1) { totalCount edges { node { id raw } } } }')).quarantine;
      await expect.poll(() => page.locator('[data-testid="quarantine-total"]').textContent()).toBe(`共 ${q.totalCount} 条`);
      expect(await page.locator('.ant-table-tbody tr.ant-table-row').first().innerText()).toContain(q.edges[0]!.node.raw.slice(0, 20));
      // A civil-affairs aid record whose identity number has a wrong check character: the source corrects it.
      const item = (await rows<{ id: string; record_id: string; message: string }>(
        database.db,
        sql`SELECT id::text, record_id, message FROM quarantine WHERE system = 'civil-affairs' AND reason_code = 'INVALID_ID' AND resolved_at IS NULL
              AND message LIKE '身份证号:%wrong check character%' ORDER BY id LIMIT 1`,
      ))[0]!;
      const wrong = item.message.match(/"(\d{17}[\dX])"/)![1]!;
      const fixed = wrong.slice(0, 17) + checkCharacter(wrong.slice(0, 17));
      await choose(page, /来源系统/, '临时救助及救助对象认定');
      const row = page.locator('.ant-table-tbody tr.ant-table-row', { hasText: item.record_id });
      expect(await row.innerText()).toContain('身份证号无效');
      await row.getByRole('button', { name: /更正并重新处理/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('textbox', { name: /更正的字段/ }).fill(`身份证号=${fixed}`);
      // The dialog's opening animation has finished (a screenshot mid-animation shows it faded).
      await page.waitForFunction(() => {
        const m = (globalThis as unknown as { document: { querySelector(s: string): { className: string } | null } }).document.querySelector('.ant-modal');
        return m !== null && !/zoom/.test(m.className);
      });
      await finish(w, 'platform-4-quarantine');
      await dialog.getByRole('button', { name: /重新处理/ }).click();
      await dialog.getByText('已成功处理并入库').waitFor();
      const after = await rows<{ resolution: string | null }>(database.db, sql`SELECT resolution FROM quarantine WHERE id = ${Number(item.id)}`);
      expect(after).toEqual([{ resolution: 'REPROCESSED' }]);
      expect(await rows(database.db, sql`SELECT 1 FROM aid_records WHERE system = 'civil-affairs' AND record_id = ${item.record_id}`)).toHaveLength(1);
    });

    it('publishes a quarter and downloads its report as CSV', async () => {
      const w = await signIn('platform');
      const { page } = w;
      await page.getByRole('menuitem', { name: '季度通报与下载' }).click();
      await choose(page, /季度/, '2025年第4季度');
      await page.getByRole('button', { name: /发布季度通报/ }).click();
      await page.locator('.ant-popconfirm').getByRole('button', { name: /发\s*布/ }).click();
      await page.locator('[data-testid="published"]').waitFor();
      const published = await rows<{ year: number; quarter: number; published_by: string }>(database.db, sql`SELECT year, quarter, published_by FROM published_reports`);
      expect(published).toEqual([{ year: 2025, quarter: 4, published_by: 'test-platform' }]);

      // The browser offers the hub's own file: the same bytes quarterlyReportFile gives the platform.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载 CSV 汇总/ }).click()]);
      const csv = fs.readFileSync((await download.path())!);
      const file = (
        await hubAnswer<{ quarterlyReportFile: { filename: string; base64: string } }>(
          '{ quarterlyReportFile(year: 2025, quarter: 4, format: CSV, groupBy: [AGENCY, PROGRAM]) { filename base64 } }',
        )
      ).quarterlyReportFile;
      expect(download.suggestedFilename()).toBe(file.filename);
      expect(csv.equals(Buffer.from(file.base64, 'base64'))).toBe(true);
      const totals = (await hubAnswer<{ quarterlyReport: { totals: { amount: string } } }>('{ quarterlyReport(year: 2025, quarter: 4) { totals { amount } } }')).quarterlyReport.totals;
      const text = csv.toString('utf8');
      expect(text.startsWith('\ufeff')).toBe(true);
      expect(text.split('\r\n').at(-2)).toContain(totals.amount);
      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载 Excel/ }).click()]);
      expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
      expect(fs.readFileSync((await xlsx.path())!).subarray(0, 2).toString('latin1')).toBe('PK');
      await finish(w, 'platform-5-reports', [/status of 400/]);
    });
  });

  describe('charity', () => {
    it('asks whether a patient meets a charity rule: yes or no with the reasons in words, nothing else', async () => {
      const w = await signIn('charity');
      const { page } = w;
      await passPurposeGate(page, '审核医疗救助申请');
      const id = ids[0]!;
      const answer = (await hubAnswer<{ eligibility: { eligible: boolean; reasons: string[] } }>('query($id: String!) { eligibility(idNumber: $id, rule: "CHARITY_GENERAL_HARDSHIP") { eligible reasons } }', { id })).eligibility;
      await page.getByRole('textbox', { name: /患者身份证号/ }).fill(id);
      await page.getByRole('button', { name: /查询资格/ }).click();
      await page.locator('[data-testid="eligible"]').waitFor();
      expect(await page.locator('[data-testid="eligible"]').innerText()).toBe(answer.eligible ? '符合条件' : '不符合条件');
      const reasons = await page.locator('[data-testid="reasons"] li').allInnerTexts();
      expect(reasons).toHaveLength(answer.reasons.length);
      expect(reasons.join('')).toMatch(/个人负担(达到|未达到)规定标准|无可计入的医疗负担/);
      // Nothing of the patient but the answer: no name, no history.
      const name = (await rows<{ name: string }>(database.db, sql`SELECT name FROM persons WHERE id_number = ${id}`))[0]!.name;
      expect(await page.locator('main').innerText()).not.toContain(name);
      await finish(w, 'charity-1-eligibility');
    });

    it('answers a pasted list of numbers as a table to download', async () => {
      const w = await signIn('charity');
      const { page } = w;
      await passPurposeGate(page, '审核医疗救助申请');
      await page.getByRole('tab', { name: '批量查询' }).click();
      await page.getByRole('textbox', { name: /粘贴身份证号/ }).fill(ids.join('\n'));
      await page.getByRole('button', { name: /批量查询/ }).last().click();
      const table = page.locator('.ant-tabs-tabpane-active .ant-table-tbody tr.ant-table-row');
      await expect.poll(() => table.count()).toBe(ids.length);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载结果表/ }).click()]);
      const lines = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
      expect(lines).toHaveLength(ids.length + 1);
      for (const id of ids) expect(lines.some((l) => l.startsWith(`${id},`))).toBe(true);
      await finish(w, 'charity-2-batch');
    });
  });

  describe('auditor', () => {
    it('filters the access log by whose record, who, when, purpose and fields', async () => {
      const w = await signIn('auditor');
      const { page } = w;
      await passPurposeGate(page, '审计检查');
      const id = ids[0]!;
      await page.getByRole('textbox', { name: /被查询人身份证号/ }).fill(id);
      await page.getByRole('textbox', { name: /访问者/ }).fill('test-caseworker');
      await page.getByRole('button', { name: /查\s*询/ }).click();
      await page.locator('[data-testid="log-total"]').waitFor();
      const pid = await personId(id);
      const n = Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM access_log WHERE subject_person_id = ${pid} AND actor = 'test-caseworker'`))[0]!.n);
      expect(n).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="log-total"]').innerText()).toMatch(new RegExp(`^共 ${n} 条`));
      expect(await page.locator('main').innerText()).toContain('审批临时救助申请：申请编号 LS-2026-001');
      await page.getByRole('textbox', { name: /字段包含/ }).fill('Settlement.burden');
      await page.getByRole('button', { name: /查\s*询/ }).click();
      const withBurden = Number((await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM access_log WHERE subject_person_id = ${pid} AND actor = 'test-caseworker' AND 'Settlement.burden' = ANY(fields)`))[0]!.n);
      await expect.poll(() => page.locator('[data-testid="log-total"]').innerText()).toMatch(new RegExp(`符合用途/字段筛选 ${withBurden} 条$`));
      await finish(w, 'auditor-1-access-log');
    });
  });

  it('serves the console with a content-security policy, and switches to English', async () => {
    const r = await fetch(`${origin}/`);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await r.text();
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    const w = await signIn('caseworker');
    await w.page.getByText('English').click();
    await w.page.getByRole('menuitem', { name: 'Look up a person' }).waitFor();
    await w.page.getByRole('button', { name: /Look up/ }).waitFor();
    await finish(w, 'english-1-lookup');
    await w.page.getByRole('button', { name: /Sign out/ }).click();
    await w.page.getByText('Please sign in').waitFor();
    expect(await w.page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('relief-hub.token'))).toBeNull();
  });
});
