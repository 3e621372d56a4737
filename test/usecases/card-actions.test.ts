import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/bitable/roster.js';
import { createChangeStage } from '../../src/usecases/change-stage.js';
import { asSent, cardWorld, openIdOf, PEOPLE, rosterOf, type CardWorld, type Person } from '../support/card-world.js';

const createChangeStageFor = (w: CardWorld) => createChangeStage({ store: w.store, journey: w.journey, clock: w.clock });

/**
 * Card actions: who may do what (every action × every role), and exactly once (simultaneous clicks by
 * different people, and one click delivered twice). A refused click changes nothing at all: the whole
 * store is compared before and after.
 */
const ACTIONS = {
  approve: { card: 'approval', op: 'approve', form: { comment: '同意' } },
  reject: { card: 'approval', op: 'reject', form: { comment: '需求不清楚' } },
  accept: { card: 'assignment', op: 'accept' },
  return: { card: 'assignment', op: 'return', form: { reason: '需求不明确', note: '' } },
} as const;
type Action = keyof typeof ACTIONS;

// 李雷 is the assigned rep (typed in 跟进人); 陈静 is his manager (直属上级); 王敏 holds the gate's role.
const ALLOWED: Record<Action, Person[]> = { approve: ['王敏'], reject: ['王敏'], accept: ['李雷', '陈静'], return: ['李雷', '陈静'] };
const EVERYONE: Person[] = [...(Object.keys(PEOPLE) as Person[]), '外人'];

describe('authorization matrix: every action × every role', () => {
  for (const action of Object.keys(ACTIONS) as Action[]) {
    for (const who of EVERYONE) {
      const allowed = ALLOWED[action].includes(who);
      it(`${action} by ${who}: ${allowed ? 'applied' : 'refused, nothing changes'}`, async () => {
        const w = await cardWorld();
        const spec = ACTIONS[action];
        const lead = spec.card === 'approval' ? await w.pendingLead() : await w.assignedLead();
        const message: string = 'assignmentMessage' in lead ? (lead as { assignmentMessage: string }).assignmentMessage : lead.approvalMessage;
        const before = await w.snapshot();
        const r = await w.click(message, who, { op: spec.op, ...('form' in spec ? { form: spec.form } : {}) });
        const row = (await w.store.leads.get(lead.leadId))!;
        if (!allowed) {
          expect(r.toast.type).toBe('warning');
          expect(r.toast.i18n.zh_cn).toMatch(/^只有/);
          expect(r.toast.i18n.en_us).toMatch(/^Only /);
          expect(r.card).toBeUndefined();
          expect(await w.snapshot()).toEqual(before);
          return;
        }
        expect(r.toast.type).toBe('success');
        expect(r.card?.type).toBe('raw');
        expect(JSON.stringify(r.card!.data)).not.toMatch(/"tag":"button"/);
        const card = (await w.store.cards.getByMessageId(message))!;
        expect(card).toMatchObject({ status: 'done', action: spec.op, actedBy: openIdOf(who) });
        if (action === 'approve') {
          expect(row.stage).toBe('sql');
          expect((await w.store.transitions.listForLead(row.id)).at(-1)).toMatchObject({ to: 'sql', approvalId: `card-${card.id}` });
          expect(await w.store.assignments.current(row.id)).toMatchObject({ ownerId: 'ou_lilei', status: 'offered' });
        } else if (action === 'reject') {
          expect(row.stage).toBe('mql');
          expect(row.pendingApproval).toBeNull();
          expect(await w.store.cards.openFor(row.id, 'assignment')).toEqual([]);
        } else if (action === 'accept') {
          expect(row.ownerId).toBe('ou_lilei'); // the manager accepts on the rep's behalf; the owner stays the rep
          expect(await w.store.assignments.current(row.id)).toMatchObject({ status: 'accepted', acceptedBy: openIdOf(who) });
          // the accept SLA is over; the first-feedback SLA runs 5 working days on the working calendar
          // (T0 is Tuesday 2026-11-24 10:00 Beijing time → Tuesday 2026-12-01 10:00)
          // and the 保护期 (回收规则 销售跟进: 30 days from the acceptance, the owner told 3 days before)
          expect((await w.store.timers.pendingForLead(row.id)).map((t) => [t.kind, t.dueAt.toISOString()])).toEqual([
            ['sla.follow_up', '2026-12-01T02:00:00.000Z'],
            ['pool.recycle_warn', '2026-12-21T02:00:00.000Z'],
            ['pool.recycle', '2026-12-24T02:00:00.000Z'],
          ]);
        } else {
          expect(row.ownerId).toBeNull();
          expect(row.facts.owner).toBeUndefined();
          expect((await w.store.assignments.listForLead(row.id)).at(-1)).toMatchObject({ status: 'returned', returnReason: '需求不明确' });
          // 需求不明确 → the pool, re-engaged 60 days later on a working morning (2027-01-25 is a Monday)
          expect(row.stage).toBe('nurture');
          expect(row.score).toBe(0); // this lead had no points: nothing is taken (never below zero)
          // (and the pool card offering it to the group closes itself near its 14 days: pool-cards.test.ts)
          expect((await w.store.timers.pendingForLead(row.id)).map((t) => [t.kind, t.dueAt.toISOString()])).toEqual([
            ['card.renew', '2026-12-07T02:00:00.000Z'],
            ['lead.reengage', '2027-01-25T01:00:00.000Z'],
          ]);
          expect((await w.store.cards.openFor(row.id, 'pool')).map((c) => c.subject.pool)).toEqual(['培育池公海']);
        }
      });
    }
  }

  it('an approval needs a lead still waiting for it: after the lead moved on, the card says so and nothing changes', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    // the lead was sent back to 线索 in the meantime (the pending request is cleared by the move)
    await w.store.leads.setPendingApproval(p.leadId, (await w.store.leads.get(p.leadId))!.version, null, w.clock.now());
    const before = await w.snapshot();
    const r = await w.click(p.approvalMessage, '王敏', { op: 'approve', form: {} });
    expect(r.toast.type).toBe('info');
    expect(r.toast.i18n.zh_cn).toContain('不再需要');
    expect(await w.snapshot()).toEqual(before);
  });

  it('bad input gets a readable toast and changes nothing: reject without a comment, return without a reason, a reason not in the list, text over 200 characters, an unknown op, an unknown card', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const p = await w.pendingLead();
    const before = await w.snapshot();
    const cases: Array<[string, Person, { op: string; form?: Record<string, unknown> }, string]> = [
      [p.approvalMessage, '王敏', { op: 'reject', form: { comment: '  ' } }, '驳回请填写审批意见'],
      [a.assignmentMessage, '李雷', { op: 'return', form: { note: '没有原因' } }, '请选择退回原因'],
      [a.assignmentMessage, '李雷', { op: 'return', form: { reason: '<script>' } }, '请选择退回原因'],
      [a.assignmentMessage, '李雷', { op: 'return', form: { reason: '需求不明确', note: '长'.repeat(201) } }, '最多 200 字'],
      [p.approvalMessage, '王敏', { op: 'accept' }, '无法识别的操作'],
      ['om_not_ours', '王敏', { op: 'approve', form: {} }, '不是线索旅程发出的'],
    ];
    for (const [message, who, a2, zh] of cases) {
      const r = await w.click(message, who, a2);
      expect(r.toast.type, zh).toBe('error');
      expect(r.toast.i18n.zh_cn).toContain(zh);
    }
    expect(await w.snapshot()).toEqual(before);
  });
});

describe('exactly once', () => {
  it('20 people holding the gate role approve at the same moment: one transition, 19 told who approved first', async () => {
    const directors: Member[] = Array.from({ length: 20 }, (_, i) => ({ id: `ou_director${i}`, name: `总监${i}`, roles: ['marketing_director'], managerId: undefined, onDuty: true }));
    const w = await cardWorld({ members: rosterOf(directors) });
    const p = await w.pendingLead();
    const answers = await Promise.all(directors.map((d) => w.click(p.approvalMessage, d.id, { op: 'approve', form: {} })));
    const ok = answers.filter((a) => a.toast.type === 'success');
    expect(ok).toHaveLength(1);
    const winner = (await w.store.cards.getByMessageId(p.approvalMessage))!.actedBy!;
    const winnerName = directors.find((d) => d.id === winner)!.name;
    for (const a of answers.filter((x) => x.toast.type !== 'success')) {
      expect(a.toast.type).toBe('info');
      expect(a.toast.i18n.zh_cn).toContain(`${winnerName} 已于`);
      expect(a.card?.data).toEqual(ok[0]!.card!.data); // everyone sees the same, final card
    }
    expect((await w.store.transitions.listForLead(p.leadId)).filter((t) => t.to === 'sql')).toHaveLength(1);
    expect(await w.store.assignments.listForLead(p.leadId)).toHaveLength(1);
    expect(await w.store.sql.get("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'bitable.create'")).toEqual({ n: 1 }); // one 阶段历史 row
  });

  it('20 simultaneous accept clicks by different people: exactly one owner, one accept; the rest told why or who was first', async () => {
    const reps: Member[] = Array.from({ length: 18 }, (_, i) => ({ id: `ou_rep${i}`, name: `销售${i}`, roles: ['sales'], managerId: 'ou_chenjing', onDuty: true }));
    const w = await cardWorld({ members: rosterOf(reps) });
    const a = await w.assignedLead();
    const clickers = [...reps.map((r) => r.id), 'ou_lilei', 'ou_chenjing'];
    const answers = await Promise.all(clickers.map((id) => w.click(a.assignmentMessage, id, { op: 'accept' })));
    expect(answers.filter((x) => x.toast.type === 'success')).toHaveLength(1);
    expect(answers.filter((x) => x.toast.type === 'warning')).toHaveLength(18); // not theirs
    const second = answers.filter((x) => x.toast.type === 'info');
    expect(second).toHaveLength(1);
    expect(second[0]!.toast.i18n.zh_cn).toMatch(/^(李雷|陈静) 已于 .* 认领，无需重复操作$/);
    const lead = (await w.store.leads.get(a.leadId))!;
    expect(lead.ownerId).toBe('ou_lilei');
    expect((await w.store.assignments.listForLead(a.leadId)).map((x) => x.status)).toEqual(['accepted']);
    expect(await w.store.sql.get("SELECT COUNT(*) AS n FROM timers WHERE kind = 'sla.follow_up'")).toEqual({ n: 1 });
  });

  it('one click delivered twice: one effect; the second is told it was already done', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const first = await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    const snapshot = await w.snapshot();
    const again = await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    expect(first.toast.type).toBe('success');
    expect(again.toast).toMatchObject({ type: 'info' });
    expect(again.toast.i18n.zh_cn).toContain('李雷 已于');
    expect(await w.snapshot()).toEqual(snapshot);
  });

  it('two instances on one database: 20 approvals split between them, and one click delivered to both, each take effect once', async () => {
    const directors: Member[] = Array.from({ length: 20 }, (_, i) => ({ id: `ou_director${i}`, name: `总监${i}`, roles: ['marketing_director'], managerId: undefined, onDuty: true }));
    const w = await cardWorld({ members: rosterOf(directors) });
    const other = await w.anotherInstance();
    try {
      const p = await w.pendingLead();
      const answers = await Promise.all(directors.map((d, i) => (i % 2 ? other.click : w.click)(p.approvalMessage, d.id, { op: 'approve', form: {} })));
      expect(answers.filter((a) => a.toast.type === 'success')).toHaveLength(1);
      expect(answers.filter((a) => a.toast.type === 'info')).toHaveLength(19);
      expect((await w.store.transitions.listForLead(p.leadId)).filter((t) => t.to === 'sql')).toHaveLength(1);
      expect(await w.store.assignments.listForLead(p.leadId)).toHaveLength(1);

      // Feishu delivers the rep's accept to one instance, times out, and delivers it again to the other.
      const card = (await w.store.cards.openFor(p.leadId, 'assignment'))[0]!;
      await w.store.cards.setMessageId(card.uuid, `om_assign_${p.leadId}`, w.clock.now());
      const both = await Promise.all([w.click(`om_assign_${p.leadId}`, '李雷', { op: 'accept' }), other.click(`om_assign_${p.leadId}`, '李雷', { op: 'accept' })]);
      expect(both.map((a) => a.toast.type).sort()).toEqual(['info', 'success']);
      expect((await w.store.assignments.listForLead(p.leadId)).map((x) => x.status)).toEqual(['accepted']);
      expect(await w.store.sql.get("SELECT COUNT(*) AS n FROM timers WHERE kind = 'sla.follow_up'")).toEqual({ n: 1 });
    } finally {
      await other.close();
    }
  });

  it('after an action every later click — any action, anyone — changes nothing', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    await w.click(p.approvalMessage, '王敏', { op: 'reject', form: { comment: '先补充预算' } });
    const snapshot = await w.snapshot();
    for (const who of EVERYONE) for (const op of ['approve', 'reject']) await w.click(p.approvalMessage, who, { op, form: { comment: 'x' } });
    expect(await w.snapshot()).toEqual(snapshot);
  });
});

describe('what follows an action', () => {
  it('a move forward (SQL → 商机) leaves the offer open; only a move back or out withdraws it', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const r = await createChangeStageFor(w)({ leadId: a.leadId, to: 'opportunity', actor: { id: 'ou_lilei', roles: ['sales'] } });
    if (!r.ok) throw new Error(r.error.code);
    expect(r.value.outcome.status).toBe('applied');
    expect(await w.store.transaction(() => w.offers.withdrawOffer(r.value.lead, 'sql', w.members, w.clock.now()))).toBe(false);
    expect((await w.store.assignments.current(a.leadId))!.status).toBe('offered');
  });

  it('a rejected request tells the person who asked, once, by @-mention in the group', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    await w.click(p.approvalMessage, '王敏', { op: 'reject', form: { comment: '先补充预算' } });
    await w.click(p.approvalMessage, '王敏', { op: 'reject', form: { comment: '先补充预算' } });
    const texts = ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send'")) as Array<{ payload_json: string }>)
      .map((r) => asSent('im.send', r.payload_json) as { msgType: string; content: { text?: string } })
      .filter((x) => x.msgType === 'text');
    expect(texts).toHaveLength(1);
    expect(texts[0]!.content.text).toBe('<at user_id="ou_zhangwei"></at> XS-000001 MQL → SQL 被 王敏 驳回：先补充预算');
  });

  it('the lead leaves SQL before anyone accepted: the offer is withdrawn, its card says so in place, the accept SLA is cancelled', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const moved = await w.store.transaction(async () => {
      const r = await createChangeStageFor(w)({ leadId: a.leadId, to: 'nurture', actor: { id: 'ou_lilei', roles: ['sales'] }, reason: '客户明年再议' });
      if (!r.ok || r.value.outcome.status !== 'applied') throw new Error('SQL → 培育池 should apply');
      return w.offers.withdrawOffer(r.value.lead, 'sql', w.members, w.clock.now());
    });
    expect(moved).toBe(true);
    expect((await w.store.assignments.listForLead(a.leadId)).map((x) => x.status)).toEqual(['withdrawn']);
    expect(await w.store.timers.pendingForLead(a.leadId)).toEqual([]);
    const card = (await w.store.cards.getByMessageId(a.assignmentMessage))!;
    expect(card.status).toBe('void');
    const patch = (await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.patch'")) as Array<{ payload_json: string }>;
    expect(patch.map((p) => asSent('im.patch', p.payload_json).content.header.title.content)).toContain('已撤回 · 测试公司1');
    // a late click on the withdrawn card changes nothing
    const before = await w.snapshot();
    expect((await w.click(a.assignmentMessage, '李雷', { op: 'accept' })).toast.i18n.zh_cn).toContain('已失效');
    expect(await w.snapshot()).toEqual(before);
  });
});
