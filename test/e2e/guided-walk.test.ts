import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON, submitDemoForm } from '../support/browser.js';
import { cellText, startSandbox } from '../support/sandbox-main.js';

/**
 * The whole walk of the sandbox's 「试一试」 panel in Chromium against `npm start` on a fresh database
 * (demo history on, as a newcomer gets it): a lead from the demo web form is scored and routed, the rep
 * the card @-mentions accepts it, a lead moves to SQL in the grid and waits for approval, the director
 * approves it from the card, a day passes and an SLA reminder comes, and the report opens. Each step
 * checks what the page shows, and that the panel ticked it. The screenshots are the README's:
 * `npm run docs:screenshots` writes them to docs/images (otherwise to a temporary directory).
 */
const SHOTS = resolve(process.env.LJ_SCREENSHOT_DIR || join(tmpdir(), 'lead-journey-screenshots'));
const COMPANY = '杭州数联智造有限公司';
const GRID_LEAD = '华东精密仪器有限公司';

describe.skipIf(!hasChromium)(hasChromium ? 'the guided walk (试一试) in Chromium against npm start' : NO_CHROMIUM_REASON, () => {
  let run: Awaited<ReturnType<typeof startSandbox>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // a Monday morning with no holiday near: routing assigns in working hours, and a day later SLAs are due
    [run, browser] = await Promise.all([startSandbox({ SANDBOX_DEMO_HISTORY: 'on', SANDBOX_START_AT: '2026-12-07T09:30:00+08:00' }), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    // each step waits for what it needs; the limit is what a step may take on a busy 2-core machine
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (run) expect(await run.stop()).toEqual([]);
  });

  const step = (id: string) => page.locator(`#tour [data-step="${id}"]`);
  const ticked = (id: string) => page.locator(`#tour [data-step="${id}"][data-done="1"]`).waitFor();
  const saved = new Set<string>();
  const shot = async (p: Page, name: string) => {
    await p.screenshot({ path: join(SHOTS, `${name}.png`) });
    saved.add(name);
  };

  it('walks the journey from the web form to the report, each step showing its result', async () => {
    const { h } = run;
    await page.goto(`${run.m.sandboxUrl}/`);
    await page.waitForSelector('body[data-ready="1"]');
    // the panel is open on the first visit, on step 1
    await page.locator('#tour .tour-step.current[data-step="form"]').waitFor();
    expect(await page.locator('#tour-progress').textContent()).toBe('0/7 步');
    await shot(page, 'sandbox');

    // 1. the demo web form, in its own tab
    const [form] = await Promise.all([context.waitForEvent('page'), step('form').locator('a').click()]);
    await submitDemoForm(form, { company: COMPANY, contact_name: '陈工', phone: '13600001234', title: '信息化总监', industry: '制造业', size: '200-999人', need: '设备数据采集与产线看板，预算已批' });
    await form.locator('#result.ok', { hasText: 'XS-' }).waitFor();
    const leadId = /XS-\d{6}/.exec((await form.locator('#result').textContent()) ?? '')![0];
    await shot(form, 'web-form');
    await form.close();
    await ticked('form');
    expect(await step('form').textContent()).toContain(leadId);

    // 2. scored and routed: the panel says the score and whom the card @-mentions; the 待审批 view shows the row
    await ticked('scored');
    const lead = await h.until('the lead row scored', async () => {
      const r = (await h.rows()).find((x) => cellText(x.fields['线索编号']) === leadId);
      return r && cellText(r.fields['线索评分']) ? r : undefined;
    });
    expect(Number(cellText(lead.fields['线索评分']))).toBeGreaterThanOrEqual(60);
    await step('scored').getByText('@李雷').waitFor();
    await step('scored').locator('button', { hasText: '待审批' }).click();
    await page.locator('.view-tabs a.active', { hasText: '待审批' }).waitFor();
    await page.locator(`td[data-record-id="${lead.record_id}"][data-field-name="公司名称"]`, { hasText: COMPANY }).waitFor();

    // 3. as the rep the card @-mentions: 认领 on the 新线索待认领 card
    await step('accept').locator('button').click();
    await expect.poll(() => page.locator('#act-as').inputValue()).toBe(h.users['李雷']);
    const offer = page.locator('.msg-card', { hasText: '新线索待认领' }).filter({ hasText: COMPANY }).last();
    await offer.locator('button', { hasText: '认领' }).first().click();
    await page.locator('.msg-card', { hasText: `李雷 于` }).filter({ hasText: COMPANY }).first().waitFor();
    await ticked('accept');

    // 4. in the grid, as 李雷: 华东精密仪器有限公司 MQL → SQL is held for the director
    await step('grid').locator('button').click();
    const gridRow = await h.byCompany(GRID_LEAD);
    const cell = (field: string) => page.locator(`td[data-record-id="${gridRow.record_id}"][data-field-name="${field}"]`);
    await cell('阶段').click();
    await cell('阶段').locator('select').selectOption('SQL');
    await cell('待审批').filter({ hasText: '待市场总监审批' }).waitFor();
    await cell('阶段').filter({ hasText: 'MQL' }).waitFor();
    await ticked('grid');

    // 5. as 王敏: 通过 on that approval card
    await step('approve').locator('button').click();
    await expect.poll(() => page.locator('#act-as').inputValue()).toBe(h.users['王敏']);
    const approval = page.locator('.msg-card', { hasText: '待审批：MQL → SQL' }).filter({ hasText: GRID_LEAD }).last();
    await approval.locator('button', { hasText: '通过' }).click();
    await page.locator('.msg-card', { hasText: '已通过：MQL → SQL' }).filter({ hasText: GRID_LEAD }).first().waitFor();
    await ticked('approve');
    expect(cellText((await h.byCompany(GRID_LEAD)).fields['阶段'])).toBe('SQL');
    await shot(page, 'chat-approved');

    // 6. a day later: the web-form lead's approval (left waiting) is overdue, and the group hears it
    await step('sla').locator('button', { hasText: '快进 1 天' }).click();
    await page.locator('.msg', { hasText: '超时' }).filter({ hasText: leadId }).first().waitFor();
    await ticked('sla');
    await page.locator('#sandbox-time', { hasText: /12-08 周二/ }).waitFor();

    // 7. the report, in its own tab
    const [report] = await Promise.all([context.waitForEvent('page'), step('report').locator('a').click()]);
    await report.locator('h1').waitFor();
    await report.locator('#chart-data').waitFor({ state: 'attached' });
    expect(await report.locator('h2').count()).toBeGreaterThanOrEqual(4);
    await report.waitForTimeout(500); // charts draw after load
    await shot(report, 'report');
    await report.close();
    await ticked('report');
    expect(await page.locator('#tour-progress').textContent()).toBe('7/7 步');
    await page.locator('#tour .tour-finished').waitFor();

    // the kanban of the same Base, for the README
    await page.locator('nav a', { hasText: '线索' }).first().click();
    await page.locator('.view-tabs a', { hasText: '看板' }).click();
    await page.locator('.kanban-col[data-group="SQL"]').locator('.kanban-card', { hasText: GRID_LEAD }).waitFor();
    await shot(page, 'kanban');
    expect(pageErrors).toEqual([]);
    // every picture the READMEs show is one this walk takes
    for (const readme of ['README.md', 'README.en.md']) {
      const shown = [...readFileSync(resolve(import.meta.dirname, '../..', readme), 'utf8').matchAll(/docs\/images\/([\w-]+)\.png/g)].map((m) => m[1]!);
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.filter((n) => !saved.has(n))).toEqual([]);
    }
  }, 300_000);

  it('reads the same in English: the panel, its progress and the sandbox clock', async () => {
    await page.click('#lang-toggle');
    await page.locator('#tour strong', { hasText: 'Try this' }).waitFor();
    expect(await page.locator('#tour-progress').textContent()).toBe('7/7 steps');
    await page.locator('#sandbox-time', { hasText: /12-08 Tue/ }).waitFor();
    await page.click('#lang-toggle'); // back to Chinese for whoever looks next
    expect(pageErrors).toEqual([]);
  });
});
