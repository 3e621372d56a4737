import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { type SandboxCard, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * 线索周报 on `npm start` (sandbox), whose clock starts on Tuesday 24 November 2026, 10:00 Beijing time:
 * the demo leads come in that week. When the clock reaches Monday 30 November 09:00, the digest of
 * 23–29 November is in the 管理层周报群, once, with the figures the database holds; the emulator
 * accepted its chart components, and its page draws them with VChart.
 */
const bj = (s: string) => new Date(`${s}+08:00`).getTime();

describe('the weekly digest in the sandbox', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let sandboxUrl: string;
  sandboxForFile((run) => {
    h = run.h;
    sandboxUrl = run.m.sandboxUrl!;
  });
  const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;
  const moveTo = async (t: number) => h.control('POST', '/clock/advance', { ms: Math.max(0, t - (await sandboxNow())) });
  const managementChat = async () => (await h.control<{ chats: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state')).chats.find((c) => c.name === '管理层周报群')!.chat_id;
  const digests = async () => (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${await managementChat()}`)).filter((c) => c.card.header.title.content.startsWith('线索周报'));
  const texts = (c: SandboxCard) => (c.card.body as { elements: Array<{ tag: string; text?: { content: string } }> }).elements.filter((e) => e.tag === 'div').map((e) => e.text!.content);

  it('comes on Monday at 09:00 with the week’s numbers, once', async () => {
    // a new install does not send last week's digest a day late
    await h.until('the digest cursor set at start', async () => h.sql<{ value: number }>("SELECT value FROM sync_cursors WHERE name = 'digest.week'")[0]?.value === bj('2026-11-23T00:00:00'));
    expect(await digests()).toEqual([]);

    await moveTo(bj('2026-11-30T09:00:05'));
    const [card] = await h.until('the digest in 管理层周报群', async () => {
      const list = await digests();
      return list.length ? list : undefined;
    });
    expect(card!.card.header.title.content).toBe('线索周报：11月23日—11月29日');
    // the demo leads came in on the 24th: every one is a new 线索 of the week
    const week = h.sql<{ n: number }>('SELECT count(*) AS n FROM leads WHERE deleted_at IS NULL AND created_at >= ? AND created_at < ?', bj('2026-11-23T00:00:00'), bj('2026-11-30T00:00:00'))[0]!.n;
    expect(week).toBeGreaterThan(0);
    expect(texts(card!).find((t) => t.startsWith('线索 '))).toContain(`线索 ${week}（上周 0，+${week}）`);
    const charts = (card!.card.body as { elements: Array<{ tag: string }> }).elements.filter((e) => e.tag === 'chart');
    expect(charts).toHaveLength(2);

    expect(h.sql<{ value: number }>("SELECT value FROM sync_cursors WHERE name = 'digest.week'")[0]!.value).toBe(bj('2026-11-30T00:00:00'));
    // the passes of the next day (every 2 s in the sandbox) send nothing more
    await moveTo(bj('2026-12-01T09:00:00'));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await digests()).toHaveLength(1);
  });

  it.skipIf(!hasChromium)('the sandbox page draws its charts with VChart, without a page error', async () => {
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
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
