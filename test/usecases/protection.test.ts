import { describe, expect, it } from 'vitest';
import type { RecycleRule } from '../../src/domain/pool.js';
import type { LeadRow } from '../../src/store/leads-repo.js';
import { cardWorld, queuedTexts, rowFields, type CardWorld } from '../support/card-world.js';

/**
 * 保护期 and recycling (回收规则), in-memory store and fixed clock (T0: Tuesday 2026-11-24 10:00 Beijing
 * time), the shipped rules: a lead claimed from 培育池 is protected 15 days after its latest follow-up, at
 * most 60, the owner told 3 days before (公海领取); an accepted 线索/MQL/SQL lead 30 days, at most 90,
 * recycled to 培育池 (销售跟进).
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const LI = 'ou_lilei';
const iso = (ms: number) => new Date(ms).toISOString();

async function claimed(w: CardWorld, n = 1): Promise<LeadRow> {
  const lead = await w.newLead({ company: `公海公司${n}`, source: '内容下载', phone: '13912345678' }, { stage: 'nurture' });
  const out = await w.store.transaction(async () => w.pool.claim((await w.store.leads.get(lead.id))!, LI, w.members, w.clock.now()));
  expect(out.won).toBe(true);
  return (await w.store.leads.get(lead.id))!;
}
const timersOf = async (w: CardWorld, id: number) => (await w.store.timers.pendingForLead(id)).filter((t) => t.kind.startsWith('pool.')).map((t) => [t.kind, iso(t.dueAt.getTime())]);
const at = async (w: CardWorld, ms: number) => {
  w.clock.set(ms);
  await w.sweep().kick();
};
const follow = (w: CardWorld, lead: LeadRow, key: string) => w.store.transaction(async () => w.engine.onActivity((await w.store.leads.get(lead.id))!, { type: '电话沟通', at: w.clock.now(), key }, w.members, w.clock.now()));
const notices = async (w: CardWorld, what: string) => (await queuedTexts(w)).filter((t) => t.includes(what));

describe('保护期 and recycling', () => {
  it('a claim starts the protection: the row shows its end and the days left; the timers are the warning and the end', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    expect(await timersOf(w, lead.id)).toEqual([
      ['pool.recycle_warn', iso(t0 + 12 * DAY)],
      ['pool.recycle', iso(t0 + 15 * DAY)],
    ]);
    expect(await rowFields(w, lead.id)).toMatchObject({ 保护期至: t0 + 15 * DAY, 保护剩余天数: 15 });
  });

  it('told once 3 days before; at the end it goes back to the pool: owner cleared, a 阶段历史 row, the owner told, a pool card; the rep may not claim it back at once', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    await at(w, t0 + 12 * DAY - HOUR);
    expect(await notices(w, '保护期还剩')).toEqual([]);
    await at(w, t0 + 12 * DAY);
    const warned = await notices(w, '保护期还剩');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(`<at user_id="${LI}"></at>`);
    expect(warned[0]).toMatch(/保护期还剩 3 天（12-09 10:00 到期）：记录一次跟进/);
    await at(w, t0 + 13 * DAY);
    expect(await notices(w, '保护期还剩')).toHaveLength(1); // once
    expect((await w.store.leads.get(lead.id))!.ownerId).toBe(LI);

    await at(w, t0 + 15 * DAY);
    const after = (await w.store.leads.get(lead.id))!;
    expect([after.ownerId, after.facts.owner, after.stage]).toEqual([null, undefined, 'nurture']);
    expect((await w.store.assignments.listForLead(lead.id)).at(-1)).toMatchObject({ status: 'returned', returnReason: '保护期到期' });
    const row = await rowFields(w, lead.id);
    expect(row).toMatchObject({ 跟进人: null, SLA截止: null, 保护期至: null, 保护剩余天数: null });
    expect(String(row.旅程备注)).toContain('李雷 的保护期到期，回到公海：15 天未跟进（最近跟进 11-24 10:00，回收规则「公海领取」）');
    const history = (await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'bitable.create'")) as Array<{ payload_json: string }>;
    expect(history.map((h) => JSON.parse(h.payload_json).fields).filter((f) => String(f.原因 ?? '').startsWith('保护期到期回收'))).toEqual([expect.objectContaining({ 原阶段: '培育池', 新阶段: '培育池', 线索编号: lead.leadKey })]);
    expect(await notices(w, '保护期到期，已回收到公海')).toHaveLength(1);
    expect((await w.store.cards.openFor(lead.id, 'pool')).map((c) => (c.subject.why as { zh: string }).zh)).toEqual(['李雷 的保护期到期回收']);
    // 退回后禁领天数 (7) holds for a recycle too; another rep may claim at once
    const again = await w.store.transaction(async () => w.pool.claim((await w.store.leads.get(lead.id))!, LI, w.members, w.clock.now()));
    expect(again.won ? '' : again.why.zh).toContain('7 天后才能再领取');
    const other = await w.store.transaction(async () => w.pool.claim((await w.store.leads.get(lead.id))!, 'ou_hanmeimei', w.members, w.clock.now()));
    expect(other.won).toBe(true);
  });

  it('the clock jumps past several midnights and the warning time at once (a server down for days): the daily pass first, the warning still comes, once', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    await claimed(w);
    await at(w, t0 + 12 * DAY + HOUR);
    expect(await notices(w, '保护期还剩 3 天')).toHaveLength(1);
    await at(w, t0 + 12 * DAY + 2 * HOUR);
    expect(await notices(w, '保护期还剩')).toHaveLength(1);
  });

  it('each follow-up moves the end on; at most 60 days after the claim it is recycled anyway', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    for (let d = 10; d <= 50; d += 10) {
      await at(w, t0 + d * DAY);
      await follow(w, lead, `f${d}`);
    }
    // the last follow-up (day 50) would protect to day 65: the 60-day limit wins
    expect(await timersOf(w, lead.id)).toEqual([
      ['pool.recycle_warn', iso(t0 + 57 * DAY)],
      ['pool.recycle', iso(t0 + 60 * DAY)],
    ]);
    await at(w, t0 + 60 * DAY - HOUR);
    expect((await w.store.leads.get(lead.id))!.ownerId).toBe(LI);
    await at(w, t0 + 60 * DAY);
    expect((await w.store.leads.get(lead.id))!.ownerId).toBeNull();
    expect(String((await rowFields(w, lead.id)).旅程备注)).toContain('已满最长保护 60 天（回收规则「公海领取」）');
  });

  it('a follow-up the protection did not hear of (an activity stored by another path) still counts when its timer fires', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    await w.store.leads.recordActivity(lead.id, new Date(t0 + 10 * DAY), w.clock.now());
    await at(w, t0 + 15 * DAY);
    expect((await w.store.leads.get(lead.id))!.ownerId).toBe(LI);
    expect(await timersOf(w, lead.id)).toEqual([
      ['pool.recycle_warn', iso(t0 + 22 * DAY)],
      ['pool.recycle', iso(t0 + 25 * DAY)],
    ]);
    expect((await rowFields(w, lead.id)).保护期至).toBe(t0 + 25 * DAY);
  });

  it('an accepted SQL lead: 30 days without follow-up → back to 培育池 through the stage machine, with its 阶段历史 row', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    expect((await w.click(a.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
    const t0 = w.clock.now().getTime();
    await at(w, t0 + 30 * DAY);
    const lead = (await w.store.leads.get(a.leadId))!;
    expect([lead.stage, lead.ownerId]).toEqual(['nurture', null]);
    expect((await w.store.transitions.listForLead(a.leadId)).at(-1)).toMatchObject({ from: 'sql', to: 'nurture', actorId: 'system:recycle' });
    expect(await rowFields(w, a.leadId)).toMatchObject({ 阶段: '培育池', 跟进人: null });
    // the follow-up SLA's timers are gone with the owner
    expect((await w.store.timers.pendingForLead(a.leadId)).filter((t) => t.kind.startsWith('sla.'))).toEqual([]);
  });

  it('a lead held since long before the rules applied (an upgrade): its protection counts from then, nobody loses a lead that day', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    // as on an install from before 回收规则: no protection timers, 100 days go by
    for (const kind of ['pool.recycle', 'pool.recycle_warn']) await w.store.timers.cancelForLead(a.leadId, kind);
    w.clock.advance(100 * DAY);
    const t1 = w.clock.now().getTime();
    await w.store.transaction(() => w.protection.rulesChanged(w.clock.now()));
    await at(w, t1);
    expect((await w.store.leads.get(a.leadId))!.ownerId).toBe(LI);
    expect(await timersOf(w, a.leadId)).toEqual([
      ['pool.recycle_warn', iso(t1 + 27 * DAY)],
      ['pool.recycle', iso(t1 + 30 * DAY)],
    ]);
    await at(w, t1 + 30 * DAY);
    expect((await w.store.leads.get(a.leadId))!.ownerId).toBeNull();
  });

  it('converted leads (商机 and beyond) are never recycled: the protection ends, the row says nothing more', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead({ need: '设备联网', budget: '50万' });
    await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    const t0 = w.clock.now().getTime();
    const sql = (await w.store.leads.get(a.leadId))!;
    await w.store.leads.setStage(a.leadId, sql.version, 'opportunity', w.clock.now());
    await w.store.transaction(async () => w.protection.refresh((await w.store.leads.get(a.leadId))!, w.clock.now()));
    expect(await timersOf(w, a.leadId)).toEqual([]);
    expect(await rowFields(w, a.leadId)).toMatchObject({ 保护期至: null, 保护剩余天数: null });
    await at(w, t0 + 200 * DAY);
    expect((await w.store.leads.get(a.leadId))!.ownerId).toBe(LI);
  });

  it('the days left count down once a day, at midnight Beijing time', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    const midnight = Date.parse('2026-11-24T16:00:00Z'); // 00:00 Wednesday in Beijing
    await at(w, midnight - HOUR);
    expect((await rowFields(w, lead.id)).保护剩余天数).toBe(15);
    await at(w, midnight);
    expect((await rowFields(w, lead.id)).保护剩余天数).toBe(15); // 14 days 10 hours: still counted as 15 whole days
    await at(w, midnight + 24 * HOUR);
    expect((await rowFields(w, lead.id)).保护剩余天数).toBe(14);
    expect((await rowFields(w, lead.id)).保护期至).toBe(t0 + 15 * DAY);
  });

  it('回收规则 edited: one pass re-plans every lead reps hold (a shorter period for one source; a stage no longer protected)', async () => {
    const w = await cardWorld();
    const t0 = w.clock.now().getTime();
    const lead = await claimed(w);
    const a = await w.assignedLead();
    await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    expect(await timersOf(w, a.leadId)).not.toEqual([]);
    const rule: RecycleRule = { name: '内容下载快回收', stages: ['nurture'], sources: ['内容下载'], days: 5, maxDays: undefined, warnDays: 0, to: 'nurture' };
    w.ruleSet.recycle = [rule]; // and 线索/MQL/SQL no longer recycled
    await w.store.transaction(() => w.protection.rulesChanged(w.clock.now()));
    await w.store.transaction(() => w.protection.rulesChanged(w.clock.now())); // the same rules twice: one pass
    await at(w, w.clock.now().getTime());
    expect(await timersOf(w, lead.id)).toEqual([['pool.recycle', iso(t0 + 5 * DAY)]]);
    expect(await timersOf(w, a.leadId)).toEqual([]);
    expect(await rowFields(w, a.leadId)).toMatchObject({ 保护期至: null, 保护剩余天数: null });
    await at(w, t0 + 5 * DAY);
    expect((await w.store.leads.get(lead.id))!.ownerId).toBeNull();
    expect((await w.store.leads.get(a.leadId))!.ownerId).toBe(LI);
  });
});
