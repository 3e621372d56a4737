import { describe, expect, it } from 'vitest';
import type { HandoverCardState } from '../../src/ports/chat.js';
import { cardWorld, rowFields, type CardWorld } from '../support/card-world.js';

/**
 * 离职交接 on the card world (in-memory store, fixed clock, the fixed team): 李雷 (sales, manager 陈静)
 * holds an accepted SQL lead, a lead claimed from 培育池 and a lead only offered to him; he is marked as
 * leaving in 销售团队.
 */
const LI = 'ou_lilei';
const HAN = 'ou_hanmeimei';
const CHEN = 'ou_chenjing';

async function liLeisLeads(w: CardWorld) {
  const accepted = await w.assignedLead();
  expect((await w.click(accepted.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
  const offered = await w.assignedLead();
  const pooled = await w.newLead({ company: '公海公司', source: '内容下载', phone: '13912345678' }, { stage: 'nurture' });
  expect((await w.store.transaction(async () => w.pool.claim((await w.store.leads.get(pooled.id))!, LI, w.members, w.clock.now()))).won).toBe(true);
  return { accepted: accepted.leadId, offered: offered.leadId, offeredMessage: offered.assignmentMessage, pooled: pooled.id };
}
const leaving = (w: CardWorld, successorId?: string) => w.members.set(LI, { ...w.members.get(LI)!, onDuty: false, leaving: true, ...(successorId ? { successorId } : {}) });
const summaries = async (w: CardWorld): Promise<HandoverCardState[]> =>
  ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id")) as Array<{ payload_json: string }>)
    .map((r) => JSON.parse(r.payload_json) as { card?: { card: { kind: string; state: HandoverCardState } } })
    .filter((p) => p.card?.card.kind === 'handover')
    .map((p) => p.card!.card.state);

describe('离职交接', () => {
  it('to the person named in 交接给: stage, score, history and nurture stay; the accepted lead is theirs with its SLA deadline; the offered one is offered to them; one summary for the manager', async () => {
    const w = await cardWorld();
    const l = await liLeisLeads(w);
    const before = {
      accepted: (await w.store.leads.get(l.accepted))!,
      history: (await w.store.transitions.listForLead(l.accepted)).length,
      followUp: (await w.store.assignments.current(l.accepted))!.followUpDueAt,
      nurture: (await w.store.timers.pendingForLead(l.pooled)).filter((t) => t.kind.startsWith('nurture.')).map((t) => t.dedupeKey),
    };
    leaving(w, HAN);
    expect(await w.handover.run(w.members, w.clock.now())).toBe(3);

    const lead = (await w.store.leads.get(l.accepted))!;
    expect([lead.ownerId, lead.stage, lead.score]).toEqual([HAN, before.accepted.stage, before.accepted.score]);
    expect((await w.store.transitions.listForLead(l.accepted)).length).toBe(before.history);
    const a = (await w.store.assignments.current(l.accepted))!;
    expect(a).toMatchObject({ ownerId: HAN, status: 'accepted', source: 'handover', followUpDueAt: before.followUp });
    expect((await w.store.timers.pendingForLead(l.accepted)).filter((t) => t.kind === 'sla.follow_up').map((t) => (t.payload as { assignmentId: number }).assignmentId)).toEqual([a.id]);
    expect(await rowFields(w, l.accepted)).toMatchObject({ 跟进人: HAN });
    expect(String((await rowFields(w, l.accepted)).旅程备注)).toContain('离职交接：李雷 → 韩梅梅');
    // the claimed pool lead: 韩梅梅's, its nurture timers as they were
    expect((await w.store.leads.get(l.pooled))!.ownerId).toBe(HAN);
    expect((await w.store.timers.pendingForLead(l.pooled)).filter((t) => t.kind.startsWith('nurture.')).map((t) => t.dedupeKey)).toEqual(before.nurture);
    // the offered lead: a new offer (and card) to 韩梅梅; 李雷's card says it went to her
    expect(await w.store.assignments.current(l.offered)).toMatchObject({ ownerId: HAN, status: 'offered' });
    const cards = await w.store.sql.all('SELECT status, action, detail_json FROM cards WHERE lead_id = ? AND kind = ? ORDER BY id', [l.offered, 'assignment']);
    expect(cards).toEqual([
      { status: 'void', action: 'handed_over', detail_json: JSON.stringify({ reassignedTo: HAN }) },
      { status: 'open', action: null, detail_json: null },
    ]);
    // one summary, @ 陈静
    const [summary, ...more] = await summaries(w);
    expect(more).toEqual([]);
    expect(summary).toMatchObject({ leaver: LI, successor: HAN, to: [CHEN], kept: [] });
    expect(summary!.leads.map((x) => x.to)).toEqual([HAN, HAN, HAN]);
    // again: nothing left to hand over, nothing sent
    expect(await w.handover.run(w.members, w.clock.now())).toBe(0);
    expect(await summaries(w)).toHaveLength(1);
  });

  it('nobody named: back to the pool (with a 阶段历史 row), opportunities to the manager', async () => {
    const w = await cardWorld();
    const l = await liLeisLeads(w);
    const opp = await w.assignedLead();
    await w.click(opp.assignmentMessage, '李雷', { op: 'accept' });
    const o = (await w.store.leads.get(opp.leadId))!;
    await w.store.leads.setStage(opp.leadId, o.version, 'opportunity', w.clock.now());
    leaving(w);
    expect(await w.handover.run(w.members, w.clock.now())).toBe(4);
    const sql = (await w.store.leads.get(l.accepted))!;
    expect([sql.ownerId, sql.stage]).toEqual([null, 'nurture']);
    expect((await w.store.transitions.listForLead(l.accepted)).at(-1)).toMatchObject({ from: 'sql', to: 'nurture', actorId: 'system:handover' });
    expect((await w.store.leads.get(opp.leadId))!.ownerId).toBe(CHEN);
    expect((await w.store.leads.get(l.pooled))!.ownerId).toBeNull();
    const [summary] = await summaries(w);
    expect(summary!.leads.map((x) => [x.stage.zh, x.to])).toEqual([
      ['SQL', null],
      ['SQL', null],
      ['培育池', null],
      ['商机', CHEN],
    ]);
  });

  it('a successor who cannot take leads (an SDR): the rules apply and the summary says why', async () => {
    const w = await cardWorld();
    await liLeisLeads(w);
    leaving(w, 'ou_zhangwei');
    await w.handover.run(w.members, w.clock.now());
    const [summary] = await summaries(w);
    expect(summary!.successorProblem?.zh).toBe('「交接给」张伟 不在岗或不是可分配线索的角色，线索按规则交接（回到公海，商机交给直属上级）');
    expect(summary!.leads.every((x) => x.to === null)).toBe(true);
  });

  it('a lead only typed as theirs in 跟进人 (nobody owns it in the engine yet) is handed over too', async () => {
    const w = await cardWorld();
    const typed = await w.newLead({ company: '手填公司', phone: '13600006666', source: '线下活动', owner: LI });
    expect((await w.store.leads.get(typed.id))!.ownerId).toBeNull();
    leaving(w, HAN);
    expect(await w.handover.run(w.members, w.clock.now())).toBe(1);
    const lead = (await w.store.leads.get(typed.id))!;
    expect([lead.ownerId, lead.facts.owner]).toEqual([HAN, HAN]);
    expect(await rowFields(w, typed.id)).toMatchObject({ 跟进人: HAN });
  });

  it('a leaver is never offered a lead (not on duty)', async () => {
    const w = await cardWorld();
    leaving(w, HAN);
    for (let i = 0; i < 4; i++) {
      const p = await w.assignedLead();
      expect((await w.store.assignments.current(p.leadId))!.ownerId).not.toBe(LI);
    }
  });
});
