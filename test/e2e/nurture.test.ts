import { describe, expect, it } from 'vitest';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * Nurture on `npm start` (sandbox): the demo's 蓝鲸教育 sits in the 培育池 with nobody touching it.
 * Moving the sandbox clock to each of its nurture timers in turn (the UI's 快进时间 does the same)
 * brings, in the 线索作战群, the pool's day 1, 3 and 7 reminders and then the 30, 45 and 60-day
 * silence steps: each once, @ the SDR who owns it, and each noted in the row's 旅程备注.
 */
interface CardInfo {
  message_id: string;
  card: { header: { title: { content: string } }; body: unknown };
}
const DAY = 86_400_000;

describe('nurture steps in the sandbox group', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;

  const cards = async () => h.control<CardInfo[]>('GET', `/im/cards?chat_id=${chat}`);
  const nurtureCards = async (company: string) => (await cards()).filter((c) => /^(培育提醒|重新激活)/.test(c.card.header.title.content) && c.card.header.title.content.endsWith(`· ${company}`));
  const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;

  sandboxForFile((run) => ({ h, chat } = run));

  it('a silent lead in the pool gets day 1, 3, 7 and then 30, 45, 60-day steps, once each, as the clock moves', async () => {
    const key = text((await h.byCompany('蓝鲸教育')).fields['线索编号']);
    const lead = h.lead(key);
    expect(lead.stage).toBe('nurture');
    const timers = () => h.sql<{ id: number; kind: string; due_at: number; status: string }>("SELECT id, kind, due_at, status FROM timers WHERE lead_id = ? AND kind LIKE 'nurture.%' ORDER BY due_at, id", lead.id);
    await h.until('the pool steps planned', async () => timers().some((t) => t.kind === 'nurture.stage'));
    const created = h.sql<{ created_at: number }>('SELECT created_at FROM leads WHERE id = ?', lead.id)[0]!.created_at;

    // Two steps can come due at the same working moment (day 1 and day 3 of an entry late on a Thursday
    // both wait for Monday 09:00): they then arrive together, in the order of their days.
    let seen: string[] = [];
    while (seen.length < 6) {
      const next = await h.until(`nurture timer ${seen.length + 1} pending`, async () => timers().find((t) => t.status === 'pending'));
      if (seen.length >= 3) expect(next.due_at - created).toBeGreaterThanOrEqual([30, 45, 60][seen.length - 3]! * DAY);
      const dueBy = timers().filter((t) => t.due_at <= next.due_at).length;
      await h.control('POST', '/clock/advance', { ms: Math.max(0, next.due_at - (await sandboxNow())) + 1_000 });
      const got = await h.until(`nurture cards 1…${dueBy}`, async () => {
        const cs = await nurtureCards('蓝鲸教育');
        return cs.length === dueBy && cs;
      });
      for (const card of got) expect(JSON.stringify(card.card.body)).toContain(`<at id=${h.users['张伟']}></at>`);
      seen = got.map((c) => c.card.header.title.content.split(' · ')[0]!);
    }
    expect(seen).toEqual(['培育提醒：入池第1天：欢迎与白皮书', '培育提醒：入池第3天：直播邀请', '培育提醒：入池第7天：同行案例', '培育提醒：沉默30天：产品简报', '培育提醒：沉默45天：电话回访', '培育提醒：沉默60天：限时活动']);

    // another month: nothing more (each step once), and the row's 旅程备注 tells the last one
    await h.control('POST', '/clock/advance', { ms: 30 * DAY });
    await new Promise((r) => setTimeout(r, 5_000)); // a few sweeps (every 2 s in the sandbox)
    expect(await nurtureCards('蓝鲸教育')).toHaveLength(6);
    await h.until('旅程备注 names the step', async () => text((await h.byCompany('蓝鲸教育')).fields['旅程备注']).includes('沉默60天'));
  });
});
