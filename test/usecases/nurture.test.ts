import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { asSent, cardWorld, type CardWorld } from '../support/card-world.js';
import { tempDbPath } from '../support/temp-db.js';
import { createNurtureJob } from '../../src/jobs/nurture-job.js';
import { testLogger } from '../support/log-capture.js';
import { createChangeStage } from '../../src/usecases/change-stage.js';
import { NURTURE_SILENCE, NURTURE_STAGE } from '../../src/usecases/nurture.js';
import { WEBHOOK_SEND, type WebhookSendPayload } from '../../src/webhooks/sender.js';

/**
 * 培育步骤 on each lead's clock (in-memory store, fixed clock, the shipped steps, 2026 working calendar):
 * what the nurture job plans from stage entries and activities, and what the timer sweep sends. T0 is
 * Tuesday 2026-11-24 10:00 Beijing time.
 */
const DAY = 86_400_000;
const bjIso = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

interface Sent {
  title: string;
  to: string[];
  body: string;
}
/** The reminder cards queued for the group, oldest first. */
async function reminders(w: CardWorld): Promise<Sent[]> {
  return ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id")) as Array<{ payload_json: string }>)
    .map((r) => asSent('im.send', r.payload_json) as { msgType: string; content: { header?: { title: { content: string } } } })
    .filter((p) => p.msgType === 'interactive' && /^(培育提醒|重新激活)/.test(p.content.header?.title.content ?? ''))
    .map((p) => {
      const body = JSON.stringify(p.content);
      return { title: p.content.header!.title.content, to: [...body.matchAll(/<at id=(ou_\w+)>/g)].map((m) => m[1]!), body };
    });
}

/** Move the clock to `ms` and let the job and the sweep catch up, as the server's loops would. */
async function runUntil(w: CardWorld, ms: number) {
  w.clock.set(ms);
  await w.nurtureJob.kick();
  await w.sweep().kick();
}

/** A content-download lead that lands in the pool; the job plans it at once, as the server's would within seconds. */
async function poolLead(w: CardWorld, facts: Record<string, string> = {}) {
  const lead = await w.newLead({ company: '蓝鲸教育', source: '内容下载', phone: '13912345678', email: 'li@lanjing.cn', need: '排课系统', ...facts }, { stage: 'nurture' });
  await w.nurtureJob.kick();
  return lead;
}

describe('nurture sequences (the shipped 培育步骤)', () => {
  it('a lead in the pool gets day 1, 3 and 7 reminders on working days, to the SDR when it has no owner, each once', async () => {
    const w = await cardWorld();
    const T0 = w.clock.now().getTime();
    await poolLead(w);
    await w.nurtureJob.kick();
    const due = (await w.store.sql.all(`SELECT kind, due_at FROM timers WHERE kind LIKE 'nurture.%' ORDER BY due_at`)) as Array<{ kind: string; due_at: number }>;
    expect(due.map((t) => [t.kind, bjIso(t.due_at)])).toEqual([
      [NURTURE_STAGE, '2026-11-25 10:00'],
      [NURTURE_STAGE, '2026-11-27 10:00'],
      [NURTURE_STAGE, '2026-12-01 10:00'],
      [NURTURE_SILENCE, '2026-12-24 10:00'],
      [NURTURE_SILENCE, '2027-01-08 10:00'],
      [NURTURE_SILENCE, '2027-01-25 09:00'], // day 60 is Saturday 01-23 (not a 调休 day): Monday morning
    ]);
    await runUntil(w, T0 + DAY - 60_000);
    expect(await reminders(w)).toEqual([]);
    await runUntil(w, T0 + DAY);
    expect((await reminders(w)).map((r) => [r.title, r.to])).toEqual([['培育提醒：入池第1天：欢迎与白皮书 · 蓝鲸教育', ['ou_zhangwei']]]);
    expect((await reminders(w))[0]!.body).toContain('发送欢迎邮件和《行业数字化白皮书》');
    expect((await reminders(w))[0]!.body).toContain('进入培育池第 1 天');
    expect((await reminders(w))[0]!.body).not.toContain('13912345678'); // the phone is masked on cards
    await runUntil(w, T0 + 7 * DAY);
    await runUntil(w, T0 + 7 * DAY); // sweeping again sends nothing twice
    expect((await reminders(w)).map((r) => r.title.split(' · ')[0])).toEqual(['培育提醒：入池第1天：欢迎与白皮书', '培育提醒：入池第3天：直播邀请', '培育提醒：入池第7天：同行案例']);
  });

  it('the owner gets the card when the lead has one', async () => {
    const w = await cardWorld();
    const lead = await poolLead(w, { owner: 'ou_hanmeimei' });
    expect(lead.facts.owner).toBe('ou_hanmeimei');
    await runUntil(w, w.clock.now().getTime() + DAY);
    expect((await reminders(w)).map((r) => r.to)).toEqual([['ou_hanmeimei']]);
  });

  it('leaving the pool ends its sequence; coming back starts it again from day 1', async () => {
    const w = await cardWorld();
    const T0 = w.clock.now().getTime();
    const lead = await poolLead(w);
    await runUntil(w, T0 + DAY);
    const change = createChangeStage({ store: w.store, journey: w.journey, clock: w.clock });
    expect((await change({ leadId: lead.id, to: 'mql', actor: { id: 'ou_zhangwei', roles: ['sdr'] } })).ok).toBe(true);
    await runUntil(w, T0 + 10 * DAY);
    expect(await reminders(w)).toHaveLength(1);
    expect((await w.store.timers.pendingForLead(lead.id)).filter((t) => t.kind === NURTURE_STAGE)).toEqual([]);
    expect((await change({ leadId: lead.id, to: 'nurture', actor: { id: 'ou_zhangwei', roles: ['sdr'] }, reason: '暂无预算' })).ok).toBe(true);
    await runUntil(w, T0 + 11 * DAY); // 12-05 is a Saturday: day 1 of the new entry waits for Monday
    expect(await reminders(w)).toHaveLength(1);
    await runUntil(w, T0 + 13 * DAY - 3_600_000); // Monday 09:00 (its day 3 is Monday 10:00)
    expect((await reminders(w)).map((r) => r.title.split(' · ')[0])).toEqual(['培育提醒：入池第1天：欢迎与白皮书', '培育提醒：入池第1天：欢迎与白皮书']);
  });

  it('an activity after entering ends the steps marked 遇互动停止 (day 7) and starts a new silence', async () => {
    const w = await cardWorld();
    const T0 = w.clock.now().getTime();
    const lead = await poolLead(w);
    await runUntil(w, T0 + 4 * DAY);
    await w.store.transaction(async () => w.engine.onActivity((await w.store.leads.get(lead.id))!, { type: '下载白皮书', at: w.clock.now(), key: 'a1' }, w.members, w.clock.now()));
    await runUntil(w, T0 + 8 * DAY);
    expect((await reminders(w)).map((r) => r.title.split('：')[1]!.split(' · ')[0])).toEqual(['入池第1天', '入池第3天']);
    // the silence counts from the download now: 30 days from T0+4d
    const silence = (await w.store.timers.pendingForLead(lead.id)).filter((t) => t.kind === NURTURE_SILENCE);
    expect(silence.map((t) => bjIso(t.dueAt.getTime()))).toEqual(['2026-12-28 10:00', '2027-01-12 10:00', '2027-01-27 10:00']);
  });

  it('a silent lead gets its 30, 45 and 60-day steps once each, even when the job and the sweep start over', async () => {
    const w = await cardWorld();
    const T0 = w.clock.now().getTime();
    await poolLead(w, { owner: 'ou_hanmeimei' });
    await runUntil(w, T0 + 8 * DAY);
    const stageSteps = (await reminders(w)).length;
    for (const d of [30, 31, 45, 46, 60, 61, 90]) {
      await runUntil(w, T0 + d * DAY + 3_600_000);
      await runUntil(w, T0 + d * DAY + 3_600_000); // a second sweep, as after a restart
    }
    expect((await reminders(w)).slice(stageSteps).map((r) => [r.title.split(' · ')[0], r.to])).toEqual([
      ['培育提醒：沉默30天：产品简报', ['ou_hanmeimei']],
      ['培育提醒：沉默45天：电话回访', ['ou_hanmeimei']],
      ['培育提醒：沉默60天：限时活动', ['ou_hanmeimei']],
    ]);
  });

  it('a restart between the 30 and the 45-day step (same SQLite file) loses none and sends none twice', async () => {
    const db = tempDbPath();
    try {
      const before = await cardWorld({ dbPath: db.path });
      const T0 = before.clock.now().getTime();
      await poolLead(before, { owner: 'ou_hanmeimei' });
      await runUntil(before, T0 + 31 * DAY);
      const sent = (await reminders(before)).length;
      expect((await reminders(before)).at(-1)!.title).toMatch(/^培育提醒：沉默30天/);
      await before.store.close(); // the process stops

      const after = await cardWorld({ dbPath: db.path, at: T0 + 31 * DAY });
      await runUntil(after, T0 + 31 * DAY + 60_000); // start-up: the job re-reads its cursors, the sweep finds nothing due
      expect(await reminders(after)).toHaveLength(sent);
      for (const d of [45, 46, 60, 61, 90]) await runUntil(after, T0 + d * DAY + 3_600_000);
      expect((await reminders(after)).slice(sent - 1).map((r) => r.title.split(' · ')[0])).toEqual(['培育提醒：沉默30天：产品简报', '培育提醒：沉默45天：电话回访', '培育提醒：沉默60天：限时活动']);
      await after.store.close();
    } finally {
      db.remove();
    }
  });

  it('steps edited in the Base re-plan every lead once (not before the Base was read); a restart with the same steps re-plans none', async () => {
    const db = tempDbPath();
    const stepsCursor = async (w: CardWorld) => (await w.store.sql.all("SELECT updated_at FROM sync_cursors WHERE name = 'nurture.steps'")) as Array<{ updated_at: number }>;
    const stageTimers = async (w: CardWorld) => ((await w.store.sql.all(`SELECT due_at FROM timers WHERE kind = '${NURTURE_STAGE}' AND status = 'pending' ORDER BY due_at`)) as Array<{ due_at: number }>).map((t) => bjIso(t.due_at));
    try {
      const w = await cardWorld({ dbPath: db.path });
      const T0 = w.clock.now().getTime();
      await poolLead(w);
      expect(await stageTimers(w)).toEqual(['2026-11-25 10:00', '2026-11-27 10:00', '2026-12-01 10:00']);
      const edited = w.nurtureSteps().map((x) => (x.name === '入池第1天：欢迎与白皮书' ? { ...x, day: 2 } : x));

      // a job whose steps are not known yet (the Base's rule tables not read) leaves the plan alone
      let settled = false;
      const job = createNurtureJob({ store: w.store, nurture: w.nurture, steps: () => (settled ? edited : undefined), clock: w.clock, log: testLogger(), pollMs: 60_000 });
      const before = await stepsCursor(w);
      await job.kick();
      expect(await stepsCursor(w)).toEqual(before);
      // read: the edited steps are in force, with no stage entry or activity since
      w.setNurtureSteps(edited);
      settled = true;
      w.clock.set(T0 + 3_600_000);
      await job.kick();
      expect(await stageTimers(w)).toEqual(['2026-11-26 10:00', '2026-11-27 10:00', '2026-12-01 10:00']);
      expect(await stepsCursor(w)).toEqual([{ updated_at: T0 + 3_600_000 }]);
      await w.store.close();

      // a restart: the same steps in force, nothing to re-plan
      const after = await cardWorld({ dbPath: db.path, at: T0 + 7_200_000 });
      after.setNurtureSteps(edited);
      await after.nurtureJob.kick();
      expect(await stepsCursor(after)).toEqual([{ updated_at: T0 + 3_600_000 }]);
      await after.store.close();
    } finally {
      db.remove();
    }
  });

  it('a re-plan (the steps edited, or a first plan after an upgrade) keeps timers already due but not yet fired', async () => {
    const w = await cardWorld();
    const T0 = w.clock.now().getTime();
    const lead = await poolLead(w);
    w.clock.set(T0 + 10 * DAY); // day 1, 3 and 7 are due; the sweep has not run (the server was busy or down)
    await w.store.transaction(async () => w.nurture.plan((await w.store.leads.get(lead.id))!, w.clock.now()));
    const pending = (await w.store.timers.pendingForLead(lead.id)).filter((t) => t.kind === NURTURE_STAGE);
    expect(pending).toHaveLength(3);
    await w.sweep().kick();
    expect((await reminders(w)).map((r) => r.title.split('：')[1])).toEqual(['入池第1天', '入池第3天', '入池第7天']);
  });

  it('a lead that was already past a step when planning began is not sent that step late', async () => {
    const w = await cardWorld();
    const lead = await w.newLead({ company: '蓝鲸教育', source: '内容下载' }, { stage: 'nurture' });
    w.clock.advance(10 * DAY); // the job first runs ten days later (new rules, or the server was off)
    await w.nurtureJob.kick();
    const kinds = (await w.store.timers.pendingForLead(lead.id)).map((t) => t.kind);
    expect(kinds).toEqual([NURTURE_SILENCE, NURTURE_SILENCE, NURTURE_SILENCE]);
  });

  it('a webhook step queues one Standard Webhooks request for the marketing tool, with the phone masked', async () => {
    const w = await cardWorld();
    w.setNurtureSteps([
      {
        name: '推送到 MA',
        sequence: '自动化',
        trigger: 'stage',
        stages: ['nurture'],
        day: 2,
        action: 'webhook',
        url: 'https://ma.example.cn/hooks/lead',
        content: '加入“培育-教育行业”旅程',
        recipients: ['owner'],
        stopOnActivity: false,
        stopOnAssignment: false,
      },
    ]);
    const T0 = w.clock.now().getTime();
    const lead = await poolLead(w);
    await runUntil(w, T0 + 2 * DAY);
    await runUntil(w, T0 + 3 * DAY);
    const rows = (await w.store.messages.listByStatus('pending')).filter((o) => o.kind === WEBHOOK_SEND);
    expect(rows).toHaveLength(1);
    const p = rows[0]!.payload as WebhookSendPayload;
    expect(p.url).toBe('https://ma.example.cn/hooks/lead');
    expect(p.body).toMatchObject({
      type: 'lead.nurture_step',
      data: { lead: { key: lead.leadKey, company: '蓝鲸教育', email: 'li@lanjing.cn', phone: '139****5678', stage: 'nurture' }, step: { name: '推送到 MA', day: 2, trigger: 'stage_entry' } },
    });
    expect(rows[0]!.idempotencyKey).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(await reminders(w)).toEqual([]);
    void Webhook; // (the signature itself: test/webhooks/sender.test.ts)
  });
});
