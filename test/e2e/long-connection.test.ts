import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import type { RunningMain } from '../support/run-main.js';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * `npm start` (sandbox) with FEISHU_TRANSPORT=long-connection (docs/platform/feishu.md#55-long-connection):
 * the server holds a socket to the emulator and everything comes over it. The socket is cut in the
 * middle of the work; what happened meanwhile arrives once it is back, once, and nothing is doubled.
 */
interface Stats {
  stats: { handshakes: number; messagesSent: number; acks: number };
  connections: Array<{ id: string; pings: number }>;
}
interface Click {
  ok: boolean;
  delivered: boolean;
  toast?: { type?: string };
  error?: string;
}

describe('the sandbox over the long connection, its socket cut mid-flow', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;
  let m: RunningMain;
  sandboxForFile((run) => ({ h, chat, m } = run), { FEISHU_TRANSPORT: 'long-connection' });

  const longconn = () => h.control<Stats>('GET', '/longconn');
  /** the socket cut (no close handshake), and the server's client back on a new one */
  async function cut(): Promise<() => Promise<unknown>> {
    const before = (await longconn()).stats.handshakes;
    expect(await h.control('POST', '/longconn/drop', {})).toEqual({ dropped: 1 });
    return () => h.until('the socket back', async () => ((await longconn()).stats.handshakes > before && (await longconn()).connections[0]?.pings) || false, 30_000);
  }

  it('the server is on the socket: no request is posted to it, and a grid edit comes as a frame', async () => {
    const s = await longconn();
    expect(s.connections).toHaveLength(1);
    const deliveries = await h.control<Array<{ attempts: Array<{ url: string }> }>>('GET', '/events/deliveries');
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.attempts.every((a) => a.url === 'long-connection'))).toBe(true);
  });

  it('a row typed while the socket is down becomes a lead once it is back, once', async () => {
    const back = await cut();
    const made = await h.control<{ record_id: string }>('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: { 公司名称: '断线期间公司', 联系人: '钱', 电话: '13300002222', 需求描述: '试用' } });
    await back();
    const key = await h.until(
      'adopted',
      async () => {
        const x = (await h.rows()).find((y) => y.record_id === made.record_id);
        return x && text(x.fields['线索编号']).startsWith('XS-') && text(x.fields['线索编号']);
      },
      40_000,
    );
    expect(h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM leads WHERE json_extract(facts_json, '$.company') = '断线期间公司'")[0]!.n).toBe(1);
    expect(h.sql<{ n: number }>('SELECT COUNT(*) AS n FROM stage_transitions t JOIN leads l ON l.id = t.lead_id WHERE l.lead_key = ?', key)[0]!.n).toBe(1);
  });

  it('an approval clicked while the socket is down fails as Feishu shows it; clicked again once it is back, it is applied once', async () => {
    const r = await h.byCompany('南方医疗器械集团');
    await h.edit(r.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    const key = await h.until('MQL', async () => {
      const x = await h.byCompany('南方医疗器械集团');
      return text(x.fields['进入阶段次数']) === 'MQL-01' && text(x.fields['线索编号']);
    });
    await h.edit(r.record_id, '张伟', { 阶段: 'SQL' });
    const card = await h.until('approval card', async () =>
      (await h.control<Array<{ message_id: string; card: { header: { title: { content: string } } } }>>('GET', `/im/cards?chat_id=${chat}`)).find(
        (c) => c.card.header.title.content.includes('待审批') && c.card.header.title.content.includes('南方医疗器械集团'),
      ),
    );
    const approve = () => h.control<Click>('POST', '/cards/click', { message_id: card.message_id, operator_open_id: h.users['王敏'], name: 'approve', form_value: { comment: '' } });

    const back = await cut();
    const lost = await approve();
    expect(lost).toMatchObject({ ok: false, delivered: true });
    expect(h.lead(key).stage).toBe('mql');
    await back();
    expect(await approve()).toMatchObject({ ok: true, toast: { type: 'success' } });
    await h.until('SQL', async () => h.lead(key).stage === 'sql');
    expect(h.sql<{ to_stage: string }>('SELECT to_stage FROM stage_transitions t JOIN leads l ON l.id = t.lead_id WHERE l.lead_key = ? ORDER BY t.id', key).map((t) => t.to_stage)).toEqual(['lead', 'mql', 'sql']);
    // the card now shows the decision, with nothing left to click
    const decided = (await h.control<Array<{ message_id: string; interactive: unknown[] }>>('GET', `/im/cards?chat_id=${chat}`)).find((c) => c.message_id === card.message_id)!;
    expect(decided.interactive).toEqual([]);
  });

  it.skipIf(!hasChromium)('the sandbox page shows the connection, and its button cuts it; the server comes back by itself', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${m.sandboxUrl}/#/events`);
      await page.locator('#longconn tr[data-connection]').first().waitFor();
      expect(await page.locator('#longconn h3').textContent()).toBe('长连接');
      const before = (await longconn()).stats.handshakes;
      await page.click('#longconn-drop');
      await h.until('reconnected', async () => (await longconn()).stats.handshakes > before && (await longconn()).connections.length === 1, 30_000);
      await page.click('.view-actions button');
      await page.locator('#longconn tr[data-connection]').first().waitFor();
    } finally {
      await browser.close();
    }
  });
});
