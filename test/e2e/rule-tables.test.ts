import { describe, expect, it } from 'vitest';
import { cellText as text, type SandboxCard, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * Rules edited in the Base, on `npm start` (sandbox): the rule tables (评分规则, 分配规则, 退回原因,
 * 培育步骤) are provisioned with the default rows, and the server reads every one of them as right. A row edited to nonsense gets a message in its 校验结果 and changes nothing (the last good rules
 * stay in force); fixed, the message is cleared and the edited rule is what a return applies, without a
 * restart.
 */

describe('rule tables edited in the sandbox Base', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;
  sandboxForFile((run) => ({ h, chat } = run));

  const reasons = () => h.rows(h.tableId('退回原因'));
  const reasonRow = async (name: string) => (await reasons()).find((r) => text(r.fields['原因']) === name)!;
  const editReason = (recordId: string, fields: Record<string, unknown>) => h.control('POST', `/bases/${h.app}/tables/${h.tableId('退回原因')}/records/${recordId}/edit`, { operator_open_id: h.users['陈静'], fields });
  const cardFor = (company: string, title: string) =>
    h.until(`card 「${title}」 for ${company}`, async () => (await h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${chat}`)).find((c) => c.card.header.title.content.includes(title) && c.card.header.title.content.includes(company)));
  const click = (messageId: string, as: string, sel: Record<string, unknown>) => h.control<{ toast?: { type?: string } }>('POST', '/cards/click', { message_id: messageId, operator_open_id: h.users[as], ...sel });
  /** Into SQL in the grid, approved by 王敏, returned by the rep its card names with `reason`: the points it cost. */
  async function returned(company: string, reason: string, first?: Record<string, unknown>): Promise<number> {
    const recordId = (await h.byCompany(company)).record_id;
    if (first) {
      await h.edit(recordId, '张伟', first);
      await h.until(`${company} at MQL`, async () => text((await h.byCompany(company)).fields['进入阶段次数']) === 'MQL-01');
    }
    await h.edit(recordId, '张伟', { 阶段: 'SQL' });
    const approval = await cardFor(company, '待审批');
    expect((await click(approval.message_id, '王敏', { name: 'approve', form_value: { comment: '同意' } })).toast?.type).toBe('success');
    const assignment = await cardFor(company, '新线索待认领');
    const rep = Object.entries(h.users).find(([, id]) => JSON.stringify(assignment.card.body).includes(`<at id=${id}></at>`))![0];
    expect((await click(assignment.message_id, rep, { name: 'return', form_value: { reason, note: '' } })).toast?.type).toBe('success');
    const key = text((await h.byCompany(company)).fields['线索编号']);
    return (await h.until('the return penalty', async () => h.sql<{ delta: number }>('SELECT delta FROM score_ledger WHERE lead_id = ? AND reason_code = ?', h.lead(key).id, `return:${reason}`)[0])).delta;
  }

  it('a wrong row is explained in 校验结果 and changes nothing; fixed, the message goes and the new rule is what a return applies', async () => {
    // provisioned with the shipped rows, none of them wrong
    expect((await reasons()).map((r) => text(r.fields['原因']))).toContain('需求不明确');
    expect((await reasons()).every((r) => !text(r.fields['校验结果']))).toBe(true);
    const row = await reasonRow('需求不明确');
    expect(row.fields['扣分']).toBe(15);

    // nonsense: the row says why, in Chinese then English
    await editReason(row.record_id, { 扣分: 5000 });
    const explained = await h.until('校验结果 explains the row', async () => {
      const r = await reasonRow('需求不明确');
      return text(r.fields['校验结果']).includes('扣分') && text(r.fields['校验结果']);
    });
    expect(explained).toMatch(/0–1000[\s\S]*\n[\s\S]*0 to 1000/);
    // meanwhile the rule in force is the last good one
    expect(await returned('南方医疗器械集团', '需求不明确', { 需求描述: '设备联网改造', 阶段: 'MQL' })).toBe(-15);

    // fixed to 20: the message is cleared
    await editReason(row.record_id, { 扣分: 20 });
    await h.until('校验结果 cleared', async () => text((await reasonRow('需求不明确')).fields['校验结果']) === '');

    // and now a return with that reason takes 20 points off, without a restart
    expect(await returned('华东精密仪器有限公司', '需求不明确')).toBe(-20);
  });

  const ruleRow = async (table: string, name: string) => (await h.rows(h.tableId(table))).find((r) => text(r.fields['规则']) === name)!;
  const editRule = (table: string, recordId: string, fields: Record<string, unknown>) => h.control('POST', `/bases/${h.app}/tables/${h.tableId(table)}/records/${recordId}/edit`, { operator_open_id: h.users['陈静'], fields });
  /** A lead typed into the grid from 官网咨询: the points its source gave. */
  async function sourcePoints(company: string): Promise<number> {
    await h.control('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: { 公司名称: company, 联系人: '吴经理', 电话: '13600003333', 来源渠道: '官网咨询', 阶段: '线索' } });
    const key = await h.until(`${company} adopted`, async () => text((await h.byCompany(company))?.fields['线索编号']) || undefined);
    return h.until(`${company} scored`, async () => h.sql<{ points: number | null }>("SELECT SUM(delta) AS points FROM score_ledger WHERE lead_id = ? AND reason_code = 'source'", h.lead(key).id)[0]?.points ?? undefined);
  }

  it('评分规则: every shipped rule table reads as right; a wrong row is explained and the old points apply; fixed, a new lead scores the new points', async () => {
    const row = await ruleRow('评分规则', '官网咨询');
    expect(row.fields['分值']).toBe(25);
    await editRule('评分规则', row.record_id, { 类别: '天气', 分值: 40 });
    const explained = await h.until('校验结果 explains the row', async () => text((await ruleRow('评分规则', '官网咨询')).fields['校验结果']) || undefined);
    expect(explained).toMatch(/^「类别」须为 来源渠道、[\s\S]*\n类别 must be one of/);
    // the shipped rows of every rule table, read back from the Base (multi-selects, checkboxes, numbers), are right
    for (const t of ['分配规则', '退回原因', '培育步骤']) expect((await h.rows(h.tableId(t))).filter((r) => text(r.fields['校验结果']))).toEqual([]);
    expect(await sourcePoints('东方云计算有限公司')).toBe(25);

    await editRule('评分规则', row.record_id, { 类别: '来源渠道' });
    await h.until('校验结果 cleared', async () => text((await ruleRow('评分规则', '官网咨询')).fields['校验结果']) === '');
    expect(await sourcePoints('西湖智能制造有限公司')).toBe(40);
  });

  it('销售团队: a wrong row is explained in 校验结果 and cleared once fixed', async () => {
    const team = () => h.rows(h.tableId('销售团队'));
    expect((await team()).filter((r) => text(r.fields['校验结果']))).toEqual([]); // the demo team is right
    const li = (await team()).find((r) => text(r.fields['姓名']) === '李雷')!;
    const edit = (fields: Record<string, unknown>) => h.control('POST', `/bases/${h.app}/tables/${h.tableId('销售团队')}/records/${li.record_id}/edit`, { operator_open_id: h.users['陈静'], fields });
    await edit({ 跟进上限: -5 });
    const said = await h.until('校验结果 on 李雷', async () => text((await team()).find((r) => r.record_id === li.record_id)!.fields['校验结果']) || undefined);
    expect(said).toMatch(/^「跟进上限」须为 0–10000 的整数，或留空（不限）\n跟进上限 must be a whole number/);
    await edit({ 跟进上限: li.fields['跟进上限'] ?? null });
    await h.until('校验结果 cleared', async () => text((await team()).find((r) => r.record_id === li.record_id)!.fields['校验结果']) === '');
  });
});
