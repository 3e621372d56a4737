import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_MONTHS } from '../../src/sandbox/demo-months.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cellText, type SandboxCard, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * The numbers on `npm start` (sandbox) with its five made-up months (SANDBOX_DEMO_HISTORY=on), the clock
 * starting on Tuesday 24 November 2026, 10:00 Beijing time:
 * - the history is in the Base (线索 and 阶段历史 rows) and in the store, each lead once;
 * - the sandbox's report link (/demo/report) serves the HTML report with months of cohorts;
 * - when the clock reaches Monday 30 November 09:00, 线索周报 for 23–29 November is in 管理层周报群,
 *   once, with the figures the database holds; its page draws the chart components with VChart.
 */
const bj = (s: string) => new Date(`${s}+08:00`).getTime();

describe('the numbers in the sandbox, over six months of demo history', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let sandboxUrl: string;
  sandboxForFile(
    (run) => {
      h = run.h;
      sandboxUrl = run.m.sandboxUrl!;
    },
    { SANDBOX_DEMO_HISTORY: 'on' },
  );
  const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;
  const moveTo = async (t: number) => h.control('POST', '/clock/advance', { ms: Math.max(0, t - (await sandboxNow())) });
  const managementChat = async () => (await h.control<{ chats: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state')).chats.find((c) => c.name === '管理层周报群')!.chat_id;
  const digests = async () => (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${await managementChat()}`)).filter((c) => c.card.header.title.content.startsWith('线索周报'));
  const texts = (c: SandboxCard) => (c.card.body as { elements: Array<{ tag: string; text?: { content: string } }> }).elements.filter((e) => e.tag === 'div').map((e) => e.text!.content);
  const createdIn = (from: string, to: string) => h.sql<{ n: number }>('SELECT count(*) AS n FROM leads WHERE deleted_at IS NULL AND created_at >= ? AND created_at < ?', bj(from), bj(to))[0]!.n;

  it('the made-up months are rows of 线索 and 阶段历史 and history in the store, each lead once', async () => {
    const rows = await h.rows();
    const keys = rows.map((r) => cellText(r.fields['线索编号']));
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows).toHaveLength(DEMO_MONTHS.leads + 5); // and the five demo rows typed at start
    const stored = h.sql<{ n: number }>('SELECT count(*) AS n FROM leads')[0]!.n;
    expect(stored).toBe(rows.length);
    const first = h.sql<{ at: number }>('SELECT min(created_at) AS at FROM leads')[0]!.at;
    expect(bj('2026-11-24T10:00:00') - first).toBeGreaterThan(140 * 86_400_000);
    const entries = h.sql<{ n: number }>('SELECT count(*) AS n FROM stage_transitions WHERE at < ?', bj('2026-11-24T10:00:00'))[0]!.n;
    const history = await h.rows(h.tableId('阶段历史'));
    expect(history.length).toBeGreaterThanOrEqual(entries);
    // a row's stage is the stage the store has for it
    const lead = h.lead(keys[0]!);
    expect(cellText(rows[0]!.fields['阶段'])).toBe({ lead: '线索', mql: 'MQL', sql: 'SQL', opportunity: '商机', won: '成单', nurture: '培育池', disqualified: '无效', lost: '输单' }[lead.stage]);
  });

  it('the report link serves the HTML report, months of cohorts in it', async () => {
    const r = await fetch(`${sandboxUrl}/demo/report`, { headers: { 'accept-language': 'zh-CN' } });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('<html lang="zh-CN">');
    for (const month of ['2026-09', '2026-10', '2026-11']) expect(html).toContain(`>${month}<`);
    // reps by name, as 销售团队 says (the server keeps the names it read for the report)
    expect(html).toContain('>李雷<');
    expect(html).not.toMatch(/>ou_[A-Za-z0-9]+</);
    expect((await fetch(`${sandboxUrl}/demo/report?since=nonsense`)).status).toBe(400);
  });

  it('线索周报 comes on Monday at 09:00 with the week’s numbers against the week before, once', async () => {
    // a new install does not send last week's digest a day late
    await h.until('the digest cursor set at start', async () => h.sql<{ value: number }>("SELECT value FROM sync_cursors WHERE name = 'digest.week'")[0]?.value === bj('2026-11-23T00:00:00'));
    expect(await digests()).toEqual([]);

    await moveTo(bj('2026-11-30T09:00:05'));
    const [card] = await h.until('the digest in 管理层周报群', async () => {
      const list = await digests();
      return list.length ? list : undefined;
    });
    expect(card!.card.header.title.content).toBe('线索周报：11-23 – 11-29');
    const week = createdIn('2026-11-23T00:00:00', '2026-11-30T00:00:00');
    const before = createdIn('2026-11-16T00:00:00', '2026-11-23T00:00:00');
    expect(before).toBeGreaterThan(0);
    const d = week - before;
    expect(texts(card!).find((t) => t.startsWith('线索 '))).toContain(`线索 ${week}（上周 ${before}，${d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '±0'}）`);
    expect(texts(card!).some((t) => /^MLG 指数（近 90 天）：\d+%/.test(t))).toBe(true);
    expect((card!.card.body as { elements: Array<{ tag: string }> }).elements.filter((e) => e.tag === 'chart')).toHaveLength(2);
    expect(h.sql<{ value: number }>("SELECT value FROM sync_cursors WHERE name = 'digest.week'")[0]!.value).toBe(bj('2026-11-30T00:00:00'));

    // the passes of the next day (every 2 s in the sandbox) send nothing more
    await moveTo(bj('2026-12-01T09:00:00'));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await digests()).toHaveLength(1);
  });

  it.skipIf(!hasChromium)('the pages draw: the digest’s charts with VChart, the report with ECharts, without a page error', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      page.setDefaultTimeout(20_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${sandboxUrl}/#/chat/${await managementChat()}`);
      await page.waitForSelector('body[data-ready="1"]');
      await page.locator('.fc-chart[data-drawn="1"] canvas').nth(1).waitFor();
      expect(await page.locator('.fc-chart[data-drawn="failed"]').count()).toBe(0);
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/weekly-digest.png', fullPage: true });
      // the header's report link
      const [report] = await Promise.all([page.waitForEvent('popup'), page.click('#demo-report')]);
      await report.waitForLoadState();
      report.on('pageerror', (e) => errors.push(e.message));
      await report.locator('#funnel svg').waitFor();
      await report.screenshot({ path: 'test-results/sandbox-report.png', fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
