import { describe, expect, it } from 'vitest';
import { cellText as text, type SandboxCard, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * The working calendar on `npm start` (sandbox), with the sandbox clock started on Wednesday
 * 2026-09-30 16:00 Beijing time (SANDBOX_START_AT), two working hours before 国庆 (1–7 October).
 * Moving the clock on (the UI's 快进时间 does the same):
 * - nothing falls due in the holiday: 南方医疗器械集团, approved into SQL at start, has an accept SLA of 4
 *   working hours that keeps two for Thursday 8 October, and 蓝鲸教育's day 1, 3 and 7 pool steps all wait
 *   for 09:00 that day;
 * - the 调休 Saturday (10 October) is a working day: a lead offered on Friday 9 October at 16:00 is
 *   reminded on Saturday morning, not on Monday.
 */
const HOUR = 3_600_000;
const bj = (s: string) => new Date(`${s}+08:00`).getTime();

describe('the working calendar in the sandbox: 国庆 and a 调休 Saturday', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;
  sandboxForFile((run) => ({ h, chat } = run), { SANDBOX_START_AT: '2026-09-30T16:00:00+08:00' });

  const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;
  const moveTo = async (t: number) => h.control('POST', '/clock/advance', { ms: Math.max(0, t - (await sandboxNow())) });
  const leadOf = async (company: string) => h.lead(text((await h.byCompany(company)).fields['线索编号']));
  const offer = (leadId: number) => h.sql<{ offered_at: number; accept_due_at: number }>("SELECT offered_at, accept_due_at FROM assignments WHERE lead_id = ? AND status = 'offered' ORDER BY id DESC", leadId)[0];
  const escalations = (leadId: number) => h.sql<{ sla: string; step: string; at: number }>('SELECT sla, step, at FROM escalations WHERE lead_id = ? ORDER BY id', leadId);
  const nurtureCards = async (company: string) =>
    (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${chat}`)).filter((c) => c.card.header.title.content.startsWith('培育提醒') && c.card.header.title.content.endsWith(`· ${company}`));
  /** Move a lead to SQL in the grid (as the SDR 张伟) and approve it on its card (as 王敏): it is offered to a rep. */
  async function approvedIntoSql(company: string, first?: Record<string, unknown>) {
    const row = await h.byCompany(company);
    if (first) {
      await h.edit(row.record_id, '张伟', first);
      await h.until(`${company} at MQL`, async () => text((await h.byCompany(company)).fields['进入阶段次数']) === 'MQL-01');
    }
    await h.edit(row.record_id, '张伟', { 阶段: 'SQL' });
    const approval = await h.until(`approval card for ${company}`, async () =>
      (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${chat}`)).find((c) => c.card.header.title.content.includes('待审批') && c.card.header.title.content.includes(company)),
    );
    const ok = await h.control<{ toast?: { type?: string } }>('POST', '/cards/click', { message_id: approval.message_id, operator_open_id: h.users['王敏'], name: 'approve', form_value: { comment: '同意' } });
    expect(ok.toast?.type).toBe('success');
    const lead = await leadOf(company);
    return { lead, offered: await h.until(`${company} offered to a rep`, async () => offer(lead.id)) };
  }
  /** a few timer sweeps (every 2 s in the sandbox) */
  const sweeps = () => new Promise((r) => setTimeout(r, 5_000));

  it('nothing falls due during 国庆: the accept SLA and the pool steps wait for the first working day after it', async () => {
    expect(await sandboxNow()).toBeGreaterThanOrEqual(bj('2026-09-30T16:00'));
    const { lead: nanfang, offered: o } = await approvedIntoSql('南方医疗器械集团', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    expect(o.offered_at).toBeLessThan(bj('2026-09-30T18:00'));
    // 4 working hours: what is left of Wednesday (until 18:00), the rest from 09:00 on Thursday 8 October
    expect(bj('2026-09-30T18:00') - o.offered_at + (o.accept_due_at - bj('2026-10-08T09:00'))).toBe(4 * HOUR);
    expect(o.accept_due_at).toBeLessThan(bj('2026-10-08T12:00'));

    const lanjing = await leadOf('蓝鲸教育');
    const steps = () => h.sql<{ due_at: number; status: string }>("SELECT due_at, status FROM timers WHERE lead_id = ? AND kind = 'nurture.stage' ORDER BY due_at, id", lanjing.id);
    await h.until('the pool steps planned', async () => steps().length === 3);
    expect(steps().map((s) => s.due_at)).toEqual([bj('2026-10-08T09:00'), bj('2026-10-08T09:00'), bj('2026-10-08T09:00')]);

    // the last evening of the holiday: nothing has come
    await moveTo(bj('2026-10-07T23:00'));
    await sweeps();
    expect(escalations(nanfang.id)).toEqual([]);
    expect(await nurtureCards('蓝鲸教育')).toEqual([]);

    // Thursday 09:00: the three pool steps; the SLA still has two hours to run
    await moveTo(bj('2026-10-08T09:00') + 30_000);
    await h.until('three nurture cards', async () => (await nurtureCards('蓝鲸教育')).length === 3);
    expect(escalations(nanfang.id)).toEqual([]);

    // its due time: the rep is reminded, once
    await moveTo(o.accept_due_at + 30_000);
    const reminded = await h.until('the accept reminder', async () => escalations(nanfang.id).find((e) => e.step === 'remind'));
    expect(reminded.sla).toBe('accept');
    expect(reminded.at).toBeGreaterThanOrEqual(o.accept_due_at);
    expect(reminded.at).toBeLessThan(bj('2026-10-08T12:00'));
  });

  it('the 调休 Saturday counts: a lead offered on Friday at 16:00 is reminded on Saturday morning', async () => {
    await moveTo(bj('2026-10-09T16:00'));
    const { lead, offered: o } = await approvedIntoSql('华东精密仪器有限公司');
    expect(o.offered_at).toBeGreaterThanOrEqual(bj('2026-10-09T16:00'));
    // two hours on Friday, two on Saturday 10 October (a working day: 国庆's 调休), not on Monday
    expect(bj('2026-10-09T18:00') - o.offered_at + (o.accept_due_at - bj('2026-10-10T09:00'))).toBe(4 * HOUR);

    await moveTo(bj('2026-10-10T08:59'));
    await sweeps();
    expect(escalations(lead.id)).toEqual([]);
    await moveTo(o.accept_due_at + 30_000);
    const reminded = await h.until('the accept reminder on Saturday', async () => escalations(lead.id).find((e) => e.step === 'remind'));
    expect(reminded.at).toBeLessThan(bj('2026-10-10T12:00'));
  });
});
