import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON, submitDemoForm } from '../support/browser.js';
import { cellText as text, type sandboxHarness, type SandboxCard, sandboxForFile } from '../support/sandbox-main.js';

/**
 * Intake on `npm start` (sandbox): a visitor fills the demo website's form (/demo/form beside the
 * emulator), the browser posts it cross-origin to the product's /api/leads with the demo source's key,
 * and the lead appears in the grid scored, with its phone written the way a Bitable phone cell takes,
 * and an assignment card @-mentions a rep; the same person submitting again, their phone written
 * another way, is the same lead; the demo CRM (/demo/crm), a webhook subscriber, gets the lead's events.
 */
describe('intake in the sandbox: the demo web form posts to /api/leads', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;
  let m: { url: string; sandboxUrl: string | undefined };
  sandboxForFile((run) => ({ h, chat, m } = run));

  it.skipIf(!hasChromium)(`a visitor's form becomes a scored, carded lead in the grid; a second submission is merged (${hasChromium ? 'chromium' : NO_CHROMIUM_REASON})`, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${m.sandboxUrl}/demo/form`);
      await submitDemoForm(page, { company: '远航智能装备有限公司', contact_name: '赵磊', phone: '138 0013 9999', industry: '制造业', size: '1000人以上', need: '产线设备联网' });
      await page.waitForFunction(() => document.getElementById('result')!.className === 'ok' && document.getElementById('result')!.textContent!.includes('线索编号'), null, { timeout: 15_000 });
      const id = (await page.getAttribute('#lead-form', 'data-lead-id'))!;
      expect(id).toMatch(/^XS-\d{6}$/);
      // a field the API refuses is shown beside it, in Chinese
      await page.fill('#email', 'zhao@');
      await page.click('#submit');
      await page.waitForFunction(() => document.getElementById('result')!.className === 'bad', null, { timeout: 15_000 });
      expect(await page.textContent('.err[data-for="email"]')).toBe('邮箱格式不正确');
      expect(errors).toEqual([]);

      const row = await h.until(`${id} in the grid, scored`, async () => {
        const r = await h.byCompany('远航智能装备有限公司');
        return r && text(r.fields['线索编号']) === id && Number(r.fields['线索评分']) > 0 ? r : undefined;
      });
      expect(text(row.fields['电话'])).toBe('13800139999');
      expect(text(row.fields['来源渠道'])).toBe('官网咨询');
      expect(Number(row.fields['线索评分'])).toBe(25 + 15 + 10 + 25); // 官网咨询, 1000人以上, 制造业, 申请演示
      // the white paper downloaded: an activity through POST /api/activities, scored
      await page.click('#download');
      await page.waitForFunction(() => document.getElementById('download-result')!.className === 'ok', null, { timeout: 15_000 });
      expect(await page.textContent('#download-result')).toBe(`已开始下载（下载资料活动已计入线索评分，线索编号 ${id}）`);
      await h.until('the download scored', async () => Number((await h.byCompany('远航智能装备有限公司')).fields['线索评分']) === 75 + 5 || undefined);
      await h.until('an assignment card for it', async () => (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${chat}`)).find((c) => JSON.stringify(c.card).includes('远航智能装备有限公司')));

      // the same visitor again, from another system, the phone written another way: the same lead
      const keyOf = await (await fetch(`${m.sandboxUrl}/demo/form/config`)).json();
      const again = await fetch(`${m.url}/api/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keyOf.apiKey}` },
        body: JSON.stringify({ contact_name: '赵磊', phone: '+86 138-0013-9999', email: 'Zhao.Lei@yuanhang.cn', activity: '下载资料' }),
      });
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ id, status: 'merged' });
      const merged = await h.until('the e-mail filled in', async () => {
        const r = await h.byCompany('远航智能装备有限公司');
        return text(r.fields['邮箱']) === 'Zhao.Lei@yuanhang.cn' ? r : undefined;
      });
      expect(merged.record_id).toBe(row.record_id);
      const notes = h.sql<{ p: string }>("SELECT payload_json AS p FROM outbox WHERE kind = 'bitable.update' AND payload_json LIKE '%再次提交%'");
      expect(notes.map((n) => JSON.parse(n.p).fields.旅程备注)).toEqual([expect.stringContaining('「官网表单（演示）」再次提交（按电话识别为同一线索）；补充了 邮箱')]);
      expect((await h.rows()).filter((r) => text(r.fields['公司名称']) === '远航智能装备有限公司')).toHaveLength(1);

      // the demo CRM (/demo/crm) is a webhook subscriber: it verified and took each of the lead's events once
      type Crm = { ready: boolean; counts: { accepted: number; duplicates: number; refused: number }; events: Array<{ type: string; deliveries: number; data: { lead?: { key?: string; company?: string } } }> };
      const crm = await h.until('the lead events at the demo CRM', async () => {
        const r = (await (await fetch(`${m.sandboxUrl}/demo/crm/events`)).json()) as Crm;
        const mine = r.events.filter((e) => e.data.lead?.key === id).map((e) => e.type);
        return mine.includes('lead.created') && mine.includes('lead.assigned') ? r : undefined;
      });
      expect(crm.ready).toBe(true);
      expect(crm.counts.refused).toBe(0);
      expect(crm.events.filter((e) => e.data.lead?.key === id).every((e) => e.deliveries === 1)).toBe(true);
      expect(crm.events.some((e) => e.data.lead?.key !== id && e.type === 'lead.created')).toBe(true); // the demo rows adopted at start too
      await page.goto(`${m.sandboxUrl}/demo/crm`);
      await page.waitForFunction((key) => document.getElementById('events')!.textContent!.includes(key), id, { timeout: 15_000 });
      const shown = await page.textContent('#events');
      expect(shown).toContain('远航智能装备有限公司');
      expect(shown).toContain('新线索');
      // its times read as the sandbox page's: Beijing time, "12-07 09:31:05"
      const first = await page.textContent('#events tr td');
      expect(first).toMatch(/^\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(await page.textContent('#summary')).toContain('签名均已校验');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
