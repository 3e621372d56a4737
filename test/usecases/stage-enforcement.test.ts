import { describe, expect, it } from 'vitest';
import { openIdOf } from '../support/card-world.js';
import { tableWorld } from '../support/table-world.js';

/**
 * Stage enforcement in the grid, as a use case on the in-memory lead table (the same cases the e2e test
 * drives through `npm start`'s sandbox, in milliseconds): a person's stage edit runs the stage machine as
 * that person; allowed → history and entry label; refused, guarded or gated → put back with a note;
 * server fields are restored; echoes are ignored; a put-back never overwrites a newer edit.
 */
const FACTS = { 公司名称: '南方医疗器械集团', 联系人: '周主任', 电话: '13800001111' };
const text = (v: unknown) => (typeof v === 'string' ? v : '');

describe('stage enforcement (in-memory lead table)', () => {
  it('legal: 线索 → MQL with the need filled in the same edit; entry label, note and a history row naming the editor', async () => {
    const w = await tableWorld();
    const id = await w.type(FACTS);
    expect(w.row(id)).toMatchObject({ 线索编号: 'XS-000001', 阶段: '线索', 进入阶段次数: 'LEAD-01' });
    expect(await w.edit(id, { 需求描述: '院内设备联网', 阶段: 'MQL' }, '张伟')).toMatchObject({ moved: 1, facts: 1 });
    expect(w.row(id)).toMatchObject({ 阶段: 'MQL', 进入阶段次数: 'MQL-01' });
    expect(text(w.row(id).旅程备注)).toContain('张伟 将阶段从「线索」改为「MQL」（MQL-01）');
    expect(await w.lead(id)).toMatchObject({ stage: 'mql', facts: expect.objectContaining({ need: '院内设备联网' }) });
    const history = w.mem.rows(w.history).map((r) => r.cells);
    expect(history).toEqual([expect.objectContaining({ 线索编号: 'XS-000001', 原阶段: '线索', 新阶段: 'MQL', 第几次进入: 'MQL-01', 操作人: openIdOf('张伟') })]);
  });

  it('illegal: MQL → 成单 is put back with a note saying why, and the editor is told once', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网', 阶段: 'MQL' });
    expect(await w.edit(id, { 阶段: '成单' }, '李雷')).toMatchObject({ moved: 0, reverted: 1 });
    expect(w.row(id).阶段).toBe('MQL');
    expect(text(w.row(id).旅程备注)).toMatch(/「MQL」→「成单」未生效/);
    expect((await w.lead(id)).stage).toBe('mql');
    expect((await w.mentions()).filter((m) => m.includes(openIdOf('李雷')) && m.includes('XS-000001「MQL」→「成单」未生效'))).toHaveLength(1);
  });

  it('guard failing: 培育池 → MQL without a stated need is put back, naming what is missing', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 阶段: '培育池' });
    await w.edit(id, { 阶段: 'MQL' }, '张伟');
    expect(w.row(id).阶段).toBe('培育池');
    expect(text(w.row(id).旅程备注)).toMatch(/还缺少.*需求/);
  });

  it('gated: MQL → SQL is held for the marketing director: put back, 待审批 set, an approval card queued', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网', 阶段: 'MQL' });
    expect(await w.edit(id, { 阶段: 'SQL' }, '张伟')).toMatchObject({ gated: 1 });
    expect(w.row(id)).toMatchObject({ 阶段: 'MQL', 待审批: '待市场总监审批：MQL → SQL' });
    expect((await w.lead(id)).pendingApproval).toMatchObject({ role: 'marketing_director' });
    expect(await w.store.cards.openFor((await w.lead(id)).id, 'approval')).toHaveLength(1);
  });

  it('a holder of the gate’s role moving the lead is their own approval: applied at once', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网', 阶段: 'MQL' });
    expect(await w.edit(id, { 阶段: 'SQL' }, '王敏')).toMatchObject({ moved: 1, gated: 0 });
    expect((await w.lead(id)).stage).toBe('sql');
    expect(w.row(id)).toMatchObject({ 阶段: 'SQL', 进入阶段次数: 'SQL-01' });
  });

  it('recycle: SQL → MQL needs a reason: refused without one, applied with 变更原因 (the refusal’s note replaced)', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网', 阶段: 'SQL' });
    await w.edit(id, { 阶段: 'MQL' }, '韩梅梅');
    expect(w.row(id).阶段).toBe('SQL');
    expect(text(w.row(id).旅程备注)).toContain('原因');
    await w.edit(id, { 变更原因: '客户预算推迟到下季度', 阶段: 'MQL' }, '韩梅梅');
    expect(w.row(id)).toMatchObject({ 阶段: 'MQL', 进入阶段次数: 'MQL-01' });
    expect(text(w.row(id).旅程备注)).not.toContain('未生效');
    expect((await w.store.transitions.listForLead((await w.lead(id)).id)).at(-1)).toMatchObject({ to: 'mql', reason: '客户预算推迟到下季度' });
  });

  it('a server-owned field edited by a person is put back, with a note', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 来源渠道: '官网咨询' });
    const score = w.row(id).线索评分;
    expect(score).toEqual((await w.lead(id)).score);
    await w.edit(id, { 线索编号: 'HACKED', 线索评分: 99 }, '李雷');
    expect(w.row(id)).toMatchObject({ 线索编号: 'XS-000001', 线索评分: score });
    expect(text(w.row(id).旅程备注)).toContain('由系统维护');
  });

  it("the server's own writes coming back are echoes: nothing changes", async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网' });
    await w.edit(id, { 阶段: 'MQL' }, '张伟');
    const before = (await w.store.transitions.listForLead((await w.lead(id)).id)).length;
    expect(await w.handle({ appToken: w.mem.layout.appToken, tableId: w.leads, actions: [{ recordId: id, action: 'record_edited' }] })).toMatchObject({ moved: 0, reverted: 0, facts: 0, echoes: 1 });
    expect(await w.store.transitions.listForLead((await w.lead(id)).id)).toHaveLength(before);
  });

  it('race: a person edits again before the put-back is sent; the put-back is dropped and the newer edit stands', async () => {
    const w = await tableWorld();
    const id = await w.type({ ...FACTS, 需求描述: '设备联网', 阶段: 'SQL' });
    await w.edit(id, { 阶段: '线索' }, '李雷', { flush: false }); // SQL → 线索 is not allowed: a put-back is queued
    await w.edit(id, { 变更原因: '客户选择了竞品', 阶段: '输单' }, '李雷'); // the newer edit, before the put-back went out
    expect((await w.lead(id)).stage).toBe('lost');
    expect(w.row(id)).toMatchObject({ 阶段: '输单', 进入阶段次数: 'LOST-01' });
    expect(text(w.row(id).旅程备注)).not.toContain('「SQL」→「线索」');
  });

  it('a new row becomes a lead; a deleted row marks its lead deleted and keeps the history', async () => {
    const w = await tableWorld();
    const id = await w.type({ 公司名称: '西部新能源', 联系人: '吴经理', 电话: '13600003333' });
    const lead = await w.lead(id);
    expect(lead.stage).toBe('lead');
    expect(await w.handle(w.mem.remove(w.leads, id, openIdOf('张伟')))).toMatchObject({ deleted: 1 });
    expect((await w.store.leads.get(lead.id))!.deletedAt).not.toBeNull();
    expect(await w.store.transitions.listForLead(lead.id)).toHaveLength(1);
  });

  it('a lost event is repaired by reconciliation; a full pass finds rows deleted while nobody listened', async () => {
    const w = await tableWorld();
    const a = await w.type({ ...FACTS, 需求描述: '试用' });
    const b = await w.type({ ...FACTS, 公司名称: '丢失事件公司' });
    expect(await w.reconcile({ full: true })).toMatchObject({ full: true, rows: 2, deleted: 0 });
    w.clock.advance(60_000);
    w.mem.edit(w.leads, a, { 阶段: 'MQL' }, openIdOf('张伟')); // its event never comes
    w.mem.remove(w.leads, b, openIdOf('张伟')); // nor this one's
    expect(await w.reconcile()).toMatchObject({ full: false, rows: 1, moved: 1 });
    expect((await w.lead(a)).stage).toBe('mql');
    expect(await w.reconcile({ full: true })).toMatchObject({ deleted: 1 });
    expect((await w.lead(b)).deletedAt).not.toBeNull();
  });
});
