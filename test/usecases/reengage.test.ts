import { describe, expect, it } from 'vitest';
import { asSent, cardWorld, type CardWorld } from '../support/card-world.js';

/**
 * A return's re-engage date (the shipped 退回原因, in-memory store, fixed clock): on the day the lead
 * comes back to the stage its reason names and to whom it names — the rep who returned it (a new
 * assignment card), whom the rules pick when that rep cannot take it, or nobody (the reason's roles are
 * reminded) — with a 阶段历史 row, once, and not at all when someone took the lead up meanwhile.
 */
const bjIso = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

interface Queued {
  kind: string;
  payload: { msgType?: string; content?: { header?: { title: { content: string } } }; fields?: Record<string, unknown>; recordId?: string };
}
const queued = async (w: CardWorld): Promise<Queued[]> =>
  ((await w.store.sql.all('SELECT kind, payload_json FROM outbox ORDER BY id')) as Array<{ kind: string; payload_json: string }>).map((r) => ({ kind: r.kind, payload: asSent(r.kind, r.payload_json) }));
/** Cards queued for the group since `from` (an outbox length): title and the people @-mentioned. */
const cardsSince = async (w: CardWorld, from: number) =>
  (await queued(w))
    .slice(from)
    .filter((q) => q.kind === 'im.send' && q.payload.msgType === 'interactive')
    .map((q) => ({ title: q.payload.content!.header!.title.content, to: [...JSON.stringify(q.payload.content).matchAll(/<at id=(ou_\w+)>/g)].map((m) => m[1]!) }));
/** What the lead's row was last told, field by field (the outbox's updates merged in order). */
async function row(w: CardWorld, recordId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const q of await queued(w)) if (q.kind === 'bitable.update' && q.payload.recordId === recordId) Object.assign(out, q.payload.fields);
  return out;
}

async function returned(w: CardWorld, reason: string) {
  const a = await w.assignedLead({ source: '官网咨询' });
  const r = await w.click(a.assignmentMessage, '李雷', { op: 'return', form: { reason, note: '' } });
  expect(r.toast.type).toBe('success');
  const timer = (await w.store.timers.pendingForLead(a.leadId)).find((t) => t.kind === 'lead.reengage')!;
  return { ...a, timer, lead: async () => (await w.store.leads.get(a.leadId))! };
}

async function runUntil(w: CardWorld, ms: number) {
  w.clock.set(ms);
  await w.sweep().kick();
}

describe('re-engage dates (the shipped 退回原因)', () => {
  it('预计一年后采购: on its date the lead is back at MQL, offered to the rep who returned it with a new card, recorded in 阶段历史 — once', async () => {
    const w = await cardWorld();
    const r = await returned(w, '预计一年后采购');
    expect((await r.lead()).stage).toBe('nurture');
    expect(bjIso(r.timer.dueAt.getTime())).toBe('2027-09-20 09:00');
    await runUntil(w, r.timer.dueAt.getTime() - 60_000);
    expect((await r.lead()).stage).toBe('nurture');
    const before = (await queued(w)).length;
    await runUntil(w, r.timer.dueAt.getTime());

    const lead = await r.lead();
    expect(lead.stage).toBe('mql');
    const last = (await w.store.transitions.listForLead(lead.id)).at(-1)!;
    expect(last).toMatchObject({ from: 'nurture', to: 'mql', actorId: 'system:reengage' });
    expect((await queued(w)).slice(before).some((q) => q.kind === 'bitable.create' && JSON.stringify(q.payload).includes('重新激活'))).toBe(true); // the 阶段历史 row
    const offer = (await w.store.assignments.current(lead.id))!;
    expect(offer).toMatchObject({ ownerId: 'ou_lilei', status: 'offered' });
    expect(offer.acceptDueAt).not.toBeNull();
    expect(await cardsSince(w, before)).toEqual([{ title: expect.stringContaining('测试公司1'), to: ['ou_lilei'] }]);
    const fields = await row(w, lead.recordId!);
    expect(fields).toMatchObject({ 阶段: 'MQL', 重新激活: null, SLA截止: offer.acceptDueAt!.getTime() });
    expect(String(fields.旅程备注)).toMatch(/重新激活（退回原因「预计一年后采购」约定的日期）：回到「MQL」；已交给 李雷，等待认领/);

    // once: a second sweep (a restart) changes nothing
    const after = (await queued(w)).length;
    await w.sweep().kick();
    expect((await queued(w)).length).toBe(after);
  });

  it('需求不明确 (重新激活给 线索池): back at MQL with no owner, and the SDRs are reminded', async () => {
    const w = await cardWorld();
    const r = await returned(w, '需求不明确');
    const before = (await queued(w)).length;
    await runUntil(w, r.timer.dueAt.getTime());
    expect((await r.lead()).stage).toBe('mql');
    expect(await w.store.assignments.current(r.leadId)).toBeUndefined();
    expect(await cardsSince(w, before)).toEqual([{ title: '重新激活：需求不明确 · 测试公司1', to: ['ou_zhangwei'] }]);
    expect(String((await row(w, (await r.lead()).recordId!)).旅程备注)).toContain('回到「MQL」；已提醒 张伟');
  });

  it('the rep who returned it is on leave that day: whom the 分配规则 pick gets it instead, and the note says why', async () => {
    const w = await cardWorld();
    const r = await returned(w, '预计一年后采购');
    const lilei = w.members.get('ou_lilei')!;
    w.members.set('ou_lilei', { ...lilei, leaveUntil: r.timer.dueAt.getTime() + 7 * 86_400_000 });
    await runUntil(w, r.timer.dueAt.getTime());
    expect(await w.store.assignments.current(r.leadId)).toMatchObject({ ownerId: 'ou_hanmeimei', status: 'offered' });
    expect(String((await row(w, (await r.lead()).recordId!)).旅程备注)).toContain('原跟进人 李雷 不在岗或已离开，按分配规则重新分配；已交给 韩梅梅');
  });

  it('a guard that holds it (the need was cleared): it stays in the pool, says what is missing, and is still offered to the rep', async () => {
    const w = await cardWorld();
    const r = await returned(w, '暂无预算');
    const { need: _need, ...facts } = (await r.lead()).facts;
    await w.store.leads.setFacts(r.leadId, facts, w.clock.now());
    await runUntil(w, r.timer.dueAt.getTime());
    expect((await r.lead()).stage).toBe('nurture');
    expect(await w.store.assignments.current(r.leadId)).toMatchObject({ ownerId: 'ou_lilei' });
    expect(String((await row(w, (await r.lead()).recordId!)).旅程备注)).toMatch(/暂不能回到「MQL」：.*明确需求.*；已交给 李雷/);
  });

  it('a lead someone took up again before its date: nothing is sent, nothing moves', async () => {
    const w = await cardWorld();
    const r = await returned(w, '预计一年后采购');
    await w.store.transaction(() => w.store.assignments.offer({ leadId: r.leadId, ownerId: 'ou_hanmeimei', source: 'bitable', acceptDueAt: null, now: w.clock.now() }));
    await runUntil(w, r.timer.dueAt.getTime() - 60_000); // (what comes before the date, such as the pool card closing at 13 days)
    const before = (await queued(w)).length;
    await runUntil(w, r.timer.dueAt.getTime());
    expect((await queued(w)).length).toBe(before);
    expect((await r.lead()).stage).toBe('nurture');
    expect((await w.store.timers.pendingForLead(r.leadId)).find((t) => t.kind === 'lead.reengage')).toBeUndefined();
  });
});
