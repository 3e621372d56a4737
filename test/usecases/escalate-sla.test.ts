import { renderCard } from '../../src/cards/render.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addWorkingHours } from '../../src/domain/work-calendar.js';
import { applySla, checkSlaRows } from '../../src/rules/sla-rules.js';
import { asSent, cardWorld, queuedTexts, rosterOf, rowFields, type CardWorld } from '../support/card-world.js';

/**
 * Nobody acts on an assignment: remind the owner → @ their manager → reassign, each step once, on the
 * working calendar (default ladder: at the SLA's due time, +2 and +4 working hours). The clock is fixed;
 * T0 is Tuesday 2026-11-24 10:00 Beijing time, so the accept SLA (4 working hours) is due 15:30.
 */
const bj = (s: string) => new Date(`${s}+08:00`);
const texts = queuedTexts;
const steps = async (w: CardWorld, leadId: number) => (await w.store.escalations.forLead(leadId)).map((e) => `${e.sla}:${e.step}:${e.toId}`);
const lastPatchTitleAndBody = async (w: CardWorld) => {
  const rows = (await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.patch' ORDER BY id")) as Array<{ payload_json: string }>;
  return rows.length ? JSON.stringify(asSent('im.patch', rows.at(-1)!.payload_json).content) : '';
};

/** Nobody ever accepts: move the clock to each next accept-SLA step until none is left (bounded). */
async function runLadderOut(w: CardWorld, sweep: ReturnType<CardWorld['sweep']>, leadId: number) {
  for (let i = 0; i < 100; i++) {
    const next = (await w.store.timers.pendingForLead(leadId)).filter((t) => t.kind === 'sla.accept').sort((x, y) => x.dueAt.getTime() - y.dueAt.getTime())[0];
    if (!next) return;
    w.clock.set(next.dueAt.getTime());
    await sweep.kick();
  }
  throw new Error('the ladder did not end within 100 steps');
}

describe('SLA escalation ladder (accept)', () => {
  it('remind at the due time, @ the manager 2 working hours later, reassign at 4: each once, visible on the card and in 旅程备注', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const sweep = w.sweep();
    const offer = (await w.store.assignments.current(a.leadId))!;
    expect(offer.acceptDueAt!.toISOString()).toBe(bj('2026-11-24T15:30').toISOString());

    w.clock.set(bj('2026-11-24T15:29'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual([]);

    w.clock.set(bj('2026-11-24T15:30'));
    await sweep.kick();
    await sweep.kick(); // a second sweep at the same moment takes no second step
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei']);
    expect((await texts(w)).filter((t) => t.includes('已超时'))).toEqual(['<at user_id="ou_lilei"></at> XS-000001「测试公司1」认领已超时，请尽快处理']);
    expect(await lastPatchTitleAndBody(w)).toContain('认领超时，已提醒 李雷');

    w.clock.set(bj('2026-11-24T17:29'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toHaveLength(1);
    w.clock.set(bj('2026-11-24T17:30'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei', 'accept:manager:ou_chenjing']);
    expect((await texts(w)).at(-1)).toContain('<at user_id="ou_chenjing"></at> XS-000001「测试公司1」分配给 李雷，认领已超时仍未处理');
    expect(await lastPatchTitleAndBody(w)).toContain('已通知直属上级 陈静');

    // +4 working hours after 15:30 is Wednesday 10:30 (the evening and the night do not count)
    w.clock.set(bj('2026-11-25T10:29'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toHaveLength(2);
    w.clock.set(bj('2026-11-25T10:30'));
    await Promise.all([sweep.kick(), w.sweep().kick()]); // two sweepers (a restart overlapping): one reassign
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei', 'accept:manager:ou_chenjing', 'accept:reassign:ou_hanmeimei']);
    const all = await w.store.assignments.listForLead(a.leadId);
    expect(all.map((x) => [x.ownerId, x.status])).toEqual([
      ['ou_lilei', 'withdrawn'],
      ['ou_hanmeimei', 'offered'],
    ]);
    expect((await w.store.cards.getByMessageId(a.assignmentMessage))!.status).toBe('void');
    const fresh = await w.store.cards.openFor(a.leadId, 'assignment');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.subject.owner).toBe('ou_hanmeimei');
    // the new owner has a fresh accept SLA: 4 working hours from Wednesday 10:30 → 15:30... minus lunch: 16:00
    expect((await w.store.assignments.current(a.leadId))!.acceptDueAt!.toISOString()).toBe(bj('2026-11-25T16:00').toISOString());
    const notes = ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'bitable.update'")) as Array<{ payload_json: string }>).map((r) => JSON.stringify(JSON.parse(r.payload_json).fields['旅程备注'] ?? ''));
    expect(notes.join()).toContain('认领超时，已从 李雷 改派给 韩梅梅');
    // the old rep can no longer accept from the old card
    expect((await w.click(a.assignmentMessage, '李雷', { op: 'accept' })).toast.i18n.zh_cn).toContain('已失效');
    // every server-owned field tells the truth: the old card says it timed out and who has it now (and
    // no longer names 李雷 as the owner), 李雷 is told, the row no longer names him, SLA截止 is the new one
    const old = (await w.store.cards.getByMessageId(a.assignmentMessage))!;
    const oldCard = JSON.stringify(renderCard(await w.cards.render(old, (await w.store.leads.get(a.leadId))!, w.members)));
    expect(oldCard).toContain('李雷 认领超时，已改派给 韩梅梅');
    expect(oldCard).not.toContain('跟进人：李雷');
    expect(await texts(w)).toContain('<at user_id="ou_lilei"></at> XS-000001「测试公司1」认领超时，已改派给 韩梅梅');
    expect(await rowFields(w, a.leadId)).toMatchObject({ 跟进人: null, SLA截止: bj('2026-11-25T16:00').getTime() });
    expect((await w.store.leads.get(a.leadId))!.facts.owner).toBeUndefined();
  });

  it('everyone lets it lapse: no rep is offered it twice, and the sales manager is asked once to pick the owner, who then gets it', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const sweep = w.sweep();
    await runLadderOut(w, sweep, a.leadId);
    expect((await w.store.assignments.listForLead(a.leadId)).map((x) => [x.ownerId, x.status])).toEqual([
      ['ou_lilei', 'withdrawn'],
      ['ou_hanmeimei', 'withdrawn'],
    ]);
    const asks = (await texts(w)).filter((t) => t.includes('请在表格中为它填写跟进人'));
    expect(asks).toEqual(['<at user_id="ou_chenjing"></at> XS-000001「测试公司1」已依次分配给 李雷、韩梅梅，都未在时限内认领，也没有其他可分配的销售：请在表格中为它填写跟进人']);
    expect(await rowFields(w, a.leadId)).toMatchObject({ 跟进人: null, SLA截止: null });
    expect(String((await rowFields(w, a.leadId)).旅程备注)).toContain('认领超时，已无其他销售可改派：已请 陈静 在「跟进人」中指定');
    // the last card says nobody could take it
    const cards = (await w.store.sql.all("SELECT id FROM cards WHERE kind = 'assignment' ORDER BY id")) as Array<{ id: number }>;
    expect(JSON.stringify(renderCard(await w.cards.render((await w.store.cards.get(cards.at(-1)!.id))!, (await w.store.leads.get(a.leadId))!, w.members)))).toContain('韩梅梅 认领超时，暂无其他销售可接，已请销售主管分配');
    // nothing more happens by itself
    w.clock.advance(30 * 86_400_000);
    await sweep.kick();
    expect(await w.store.assignments.current(a.leadId)).toBeUndefined();
    expect((await texts(w)).filter((t) => t.includes('请在表格中为它填写跟进人'))).toHaveLength(1);
    // 陈静 types 李雷 in 跟进人: her choice is offered to him, with a new card
    const lead = (await w.store.leads.get(a.leadId))!;
    await w.store.transaction(async () => {
      await w.store.leads.setFacts(lead.id, { ...lead.facts, owner: 'ou_lilei' }, w.clock.now());
      await w.engine.onFactsChanged((await w.store.leads.get(lead.id))!, w.members, w.clock.now());
    });
    expect(await w.store.assignments.current(a.leadId)).toMatchObject({ ownerId: 'ou_lilei', status: 'offered', source: 'bitable' });
  });

  it('property: whatever the team (1–6 reps, some away), a lead is never offered to the same rep twice, and lapses end in one request to the managers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ away: fc.boolean(), manager: fc.constantFrom('ou_chenjing', 'ou_mgr2') }), { minLength: 1, maxLength: 6 }), async (team) => {
        const members = rosterOf();
        members.delete('ou_lilei');
        members.delete('ou_hanmeimei');
        members.set('ou_mgr2', { id: 'ou_mgr2', name: '二区主管', roles: ['sales_director'], managerId: undefined, onDuty: true });
        const reps = team.map((t, i) => ({ id: `ou_rep${i}`, name: `销售${i}`, roles: ['sales'], managerId: t.manager, onDuty: !t.away || i === 0 }));
        for (const r of reps) members.set(r.id, r);
        const w = await cardWorld({ members });
        const a = await w.assignedLead({ owner: 'ou_rep0' });
        await runLadderOut(w, w.sweep(), a.leadId);
        const owners = (await w.store.assignments.listForLead(a.leadId)).map((x) => x.ownerId);
        expect(new Set(owners).size).toBe(owners.length); // never the same rep twice (so never in a loop)
        expect(owners.length).toBe(reps.filter((r) => r.onDuty).length); // every rep on duty had one chance
        const asks = (await texts(w)).filter((t) => t.includes('请在表格中为它填写跟进人'));
        const managers = new Set(reps.filter((r) => owners.includes(r.id)).map((r) => r.managerId));
        expect(asks).toHaveLength(managers.size); // one request to each manager of the reps who let it lapse, once
        expect(await w.store.assignments.current(a.leadId)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });

  it('accepted in time: the timer fires and does nothing', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    w.clock.set(bj('2026-11-24T11:00'));
    expect((await w.click(a.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
    w.clock.set(bj('2026-11-24T20:00'));
    await w.sweep().kick();
    expect(await w.store.escalations.forLead(a.leadId)).toEqual([]);
    expect((await texts(w)).filter((t) => t.includes('超时'))).toEqual([]);
  });

  it('across a weekend: offered Friday 16:00, due Monday 11:00; nothing fires on Saturday or Sunday', async () => {
    const w = await cardWorld();
    w.clock.set(bj('2026-11-27T16:00')); // a Friday
    const a = await w.assignedLead();
    expect((await w.store.assignments.current(a.leadId))!.acceptDueAt!.toISOString()).toBe(bj('2026-11-30T11:00').toISOString());
    const sweep = w.sweep();
    for (const t of ['2026-11-28T12:00', '2026-11-29T23:00', '2026-11-30T10:59']) {
      w.clock.set(bj(t));
      await sweep.kick();
    }
    expect(await steps(w, a.leadId)).toEqual([]);
    w.clock.set(bj('2026-11-30T11:00'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei']);
  });
});

describe('SLA escalation ladder edited in the SLA 策略 table while it runs', () => {
  it('a step taken out is not taken; the ladder goes on with the next step in force, at its time, once', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const sweep = w.sweep();
    w.clock.set(bj('2026-11-24T15:30'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei']); // the @-manager step is due 17:30

    // the team drops the @-manager step and reassigns after 3 working hours instead of 4
    applySla(
      w.rules,
      checkSlaRows([{ 环节: '接受线索', 时限: 4, 提醒跟进人: 0, 改派他人: 3 }]).values.map((v) => v.value),
    );
    w.clock.set(bj('2026-11-24T17:30'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei']);
    const next = (await w.store.timers.pendingForLead(a.leadId)).filter((t) => t.kind === 'sla.accept');
    const due = addWorkingHours(w.calendar, bj('2026-11-24T15:30'), 3);
    expect(next.map((t) => [t.dueAt.toISOString(), (t.payload as { name?: string }).name])).toEqual([[due.toISOString(), 'reassign']]);
    w.clock.set(due.getTime());
    await sweep.kick();
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['accept:remind:ou_lilei', 'accept:reassign:ou_hanmeimei']);
  });
});

describe('SLA escalation ladder (first feedback)', () => {
  it('accepted but no feedback within 5 working days: remind, then the manager; never reassigned', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    const due = (await w.store.assignments.current(a.leadId))!.followUpDueAt!;
    expect(due.toISOString()).toBe(bj('2026-12-01T10:00').toISOString());
    const sweep = w.sweep();
    w.clock.set(due);
    await sweep.kick();
    // +7.5 working hours: Wednesday 10:00
    w.clock.set(bj('2026-12-02T10:00'));
    await sweep.kick();
    w.clock.set(bj('2026-12-20T10:00'));
    await sweep.kick();
    expect(await steps(w, a.leadId)).toEqual(['follow_up:remind:ou_lilei', 'follow_up:manager:ou_chenjing']);
    expect((await w.store.assignments.current(a.leadId))!.status).toBe('accepted');
  });
});

describe('SLA escalation ladder (an approval left waiting)', () => {
  const roster = () =>
    rosterOf([
      { id: 'ou_wangmin', name: '王敏', roles: ['marketing_director'], managerId: 'ou_boss', onDuty: true },
      { id: 'ou_boss', name: '赵总', roles: [], managerId: undefined, onDuty: true },
    ]);

  it('4 working hours without a decision: the approvers are reminded; 4 more: their manager is told; then nothing more', async () => {
    const w = await cardWorld({ members: roster() });
    const p = await w.pendingLead();
    const sweep = w.sweep();
    w.clock.set(bj('2026-11-24T15:29'));
    await sweep.kick();
    expect(await w.store.escalations.forLead(p.leadId)).toEqual([]);
    w.clock.set(bj('2026-11-24T15:30'));
    await sweep.kick();
    w.clock.set(bj('2026-11-25T10:30'));
    await sweep.kick();
    w.clock.set(bj('2026-11-30T10:30'));
    await sweep.kick();
    expect(await steps(w, p.leadId)).toEqual(['approval:remind:ou_wangmin', 'approval:manager:ou_boss']);
    expect((await texts(w)).filter((t) => t.includes('审批'))).toEqual([
      '<at user_id="ou_wangmin"></at> XS-000001「测试公司1」MQL → SQL 等待你审批已超时，请在群里的审批卡片上处理',
      '<at user_id="ou_boss"></at> XS-000001「测试公司1」MQL → SQL 等待 王敏 审批已超时，请跟进',
    ]);
    expect(await lastPatchTitleAndBody(w)).toContain('仍未审批，已通知 赵总');
    // still approvable, and approving ends the ladder
    expect((await w.click(p.approvalMessage, '王敏', { op: 'approve', form: {} })).toast.type).toBe('success');
  });

  it('approved in time: the approval timer fires and does nothing', async () => {
    const w = await cardWorld({ members: roster() });
    const p = await w.pendingLead();
    await w.click(p.approvalMessage, '王敏', { op: 'approve', form: {} });
    w.clock.set(bj('2026-11-26T10:00'));
    await w.sweep().kick();
    expect((await w.store.escalations.forLead(p.leadId)).filter((e) => e.sla === 'approval')).toEqual([]);
  });
});
