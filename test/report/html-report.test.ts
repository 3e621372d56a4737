import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html-report.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadMetricsConfig } from '../../src/rules/metrics-config.js';
import { buildReport, type Report } from '../../src/usecases/report.js';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { cardWorld, T0 } from '../support/card-world.js';
import { DAY, fillJourneys } from '../support/report-world.js';
import { ROOT } from '../support/run-main.js';
import { tempDbPath } from '../support/temp-db.js';

/**
 * The HTML report (issue 11 item 2): one file that opens from disk in headless Chromium with no network
 * and no console error, draws its three charts (funnel, velocity over months, channels), shows the
 * tables, and treats the data as text (a company named like markup stays text). A screenshot is kept in
 * test-results/ for a person to look at.
 */
describe('the HTML report', () => {
  const dir = tempDbPath();
  afterAll(() => dir.remove());

  async function report(): Promise<Report> {
    const w = await cardWorld();
    await fillJourneys(w);
    // a company name that is markup, and a lead stuck long in 线索
    await w.startLead({ leadKey: 'XS-100009', facts: { company: '<img src=x onerror="window.__pwned=1">', phone: '13900000000', source: '官网咨询' }, actor: { id: 'ou_zhangwei', roles: ['sdr'] } });
    const r = await buildReport({ store: w.store, journey: w.journey, config: loadMetricsConfig(loadBaseTemplate()) }, { since: new Date(T0 - DAY), until: new Date(T0 + 40 * DAY) });
    const row = { key: 'XS-100009', company: '<img src=x onerror="window.__pwned=1">', stage: 'lead', days: 40, usualDays: 2, owner: null };
    return { ...r, stuck: { total: r.stuck.total + 1, byStage: [...r.stuck.byStage, { stage: 'lead', count: 1, usualDays: 2 }], slowest: [...r.stuck.slowest, row] } };
  }

  it.skipIf(!hasChromium)(`opens from disk with no network and no console error, with its charts and tables (${hasChromium ? 'chromium' : NO_CHROMIUM_REASON})`, async () => {
    const r = await report();
    const file = join(dir.dir, 'report.html');
    writeFileSync(file, renderHtml(r, 'zh-CN'));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (q) => requests.push(q.url()));
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => ['funnel', 'velocity', 'channels'].every((id) => document.querySelector(`#${id} svg path`)), null, { timeout: 15_000 });
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${file}`]); // nothing fetched: ECharts and the data are in the file
      const text = await page.textContent('body');
      expect(text).toContain('线索旅程报表');
      expect(text).toContain('本期新线索');
      // the funnel chart labels each stage with its count; the velocity chart has a line per stage
      const funnel = await page.textContent('#funnel');
      expect(funnel).toContain('MQL  3');
      expect(await page.locator('#velocity svg path').count()).toBeGreaterThan(4);
      expect(await page.locator('#channels svg path').count()).toBeGreaterThan(4);
      // the markup in a company name is shown as text, never run
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(text).toContain('<img src=x onerror="window.__pwned=1">');
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      const png = await page.screenshot({ path: join(ROOT, 'test-results', 'report.png'), fullPage: true });
      expect(png.length).toBeGreaterThan(50_000);
    } finally {
      await browser.close();
    }
  });

  it('in English too, and with no moves in the period it says so instead of drawing an empty chart', async () => {
    const r = await report();
    const en = renderHtml(r, 'en');
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Lead Journey report');
    expect(en).toContain('Stage velocity');
    const quiet = renderHtml({ ...r, velocity: { overall: [], byMonth: [] } }, 'zh-CN');
    expect(quiet).toContain('本期没有阶段推进。');
    expect(quiet).not.toContain('id="velocity"');
    expect(en).not.toContain('<img src=x'); // escaped in the tables, and as \u003c in the data
  });

  it('dates read as everywhere else: the period in Beijing days, the time it was made in Beijing time (never UTC ISO)', async () => {
    const r = { ...(await report()), since: '2026-09-30T16:00:00.000Z', until: '2026-12-06T16:00:00.000Z', generatedAt: '2026-12-06T16:00:00.000Z' };
    const zh = renderHtml(r, 'zh-CN');
    expect(zh).toContain('2026-10-01 – 2026-12-06');
    expect(zh).toContain('生成于 2026-12-07 00:00（北京时间）');
    expect(renderHtml(r, 'en')).toContain('Generated 2026-12-07 00:00 (Beijing time)');
    expect(zh).not.toContain('生成于 2026-12-06T');
  });
});
