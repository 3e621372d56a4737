import { describe, expect, it } from 'vitest';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';
import { addWorkingDays, addWorkingHours, workingStartOn } from '../../src/domain/work-calendar.js';
import { loadWorkCalendar } from '../../src/rules/work-calendar.js';

const calendar = loadWorkCalendar().calendar;

/**
 * The IM issue's journey, end to end on `npm start` (sandbox): MQL→SQL in the grid → approval card
 * @市场总监 → she approves in the chat → SQL with a 阶段历史 row naming the approval → assignment card @
 * the rep → the rep accepts → 跟进人 and SLA截止 set; then a second lead the rep returns with a reason.
 */
interface CardInfo {
  message_id: string;
  version: number;
  card: { header: { title: { content: string } }; body: unknown };
  mentions?: Array<{ id?: string; open_id?: string }>;
  interactive: Array<{ name?: string; text?: string; value?: Record<string, unknown> }>;
}
interface Click {
  ok: boolean;
  delivered: boolean;
  toast?: { type?: string; content?: string };
  card_version?: number;
  elapsed_ms?: number;
  error?: string;
}

describe('approval and assignment cards in the sandbox group', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;

  const cards = async () => h.control<CardInfo[]>('GET', `/im/cards?chat_id=${chat}`);
  const cardFor = (company: string, title: string) => h.until(`card 「${title}」 for ${company}`, async () => (await cards()).find((c) => c.card.header.title.content.includes(title) && c.card.header.title.content.includes(company)));
  const click = (messageId: string, as: string, sel: Record<string, unknown>) => h.control<Click>('POST', '/cards/click', { message_id: messageId, operator_open_id: h.users[as], ...sel });
  const mentioned = (c: CardInfo) =>
    JSON.stringify(c.card.body)
      .match(/<at id=(ou_[\w-]+)><\/at>/g)
      ?.map((x) => x.slice(7, -6)) ?? [];
  const historyRows = async () => h.rows(h.tableId('阶段历史'));
  /** the lead returned with 预计一年后采购 in the second test, and its re-engage date */
  let returnedLead: { key: string; reengageAt: number } | undefined;

  sandboxForFile((run) => ({ h, chat } = run));

  /** 线索 → MQL → SQL asked in the grid → held, 待审批 shown, approval card @王敏, the editor told once. */
  async function approveToSql(company: string) {
    const r = await h.byCompany(company);
    await h.edit(r.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    const key = await h.until('MQL', async () => {
      const x = await h.byCompany(company);
      return text(x.fields['进入阶段次数']) === 'MQL-01' && text(x.fields['线索编号']);
    });
    await h.edit(r.record_id, '张伟', { 阶段: 'SQL' });
    const approval = await cardFor(company, '待审批');
    const row = await h.until('待审批 shown', async () => {
      const x = await h.byCompany(company);
      return text(x.fields['待审批']).includes('市场总监') && x;
    });
    expect(row.fields['阶段']).toBe('MQL');
    expect(mentioned(approval)).toEqual([h.users['王敏']]);
    const body = JSON.stringify(approval.card.body);
    expect(body).toContain('申请人：张伟');
    expect(body).toContain('MQL → SQL');
    expect(body).toContain('✅');
    // the editor is told once, by @-mention, that the move waits for approval
    const notices = await h.until('notice to the editor', async () => {
      const msgs = await h.control<Array<{ msg_type: string; content?: string; body?: { content?: string } }>>('GET', `/im/messages?chat_id=${chat}`);
      const mine = msgs.filter((x) => x.msg_type === 'text' && JSON.stringify(x).includes(h.users['张伟']!) && JSON.stringify(x).includes(key));
      return mine.length > 0 && mine;
    });
    expect(notices).toHaveLength(1);
    return { key, approval, recordId: r.record_id };
  }

  it('MQL→SQL: approval card @市场总监, approved in the chat, SQL with a history row; the rep accepts and owner + SLA are set', async () => {
    const { key, approval } = await approveToSql('南方医疗器械集团');

    // someone without the role cannot approve; nothing changes
    const refused = await click(approval.message_id, '李雷', { name: 'approve', form_value: { comment: '' } });
    expect(refused).toMatchObject({ ok: true, delivered: true, toast: { type: 'warning' } });
    expect(refused.toast!.content).toContain('市场总监');
    expect(refused.card_version).toBeUndefined();
    expect(h.lead(key).stage).toBe('mql');

    const ok = await click(approval.message_id, '王敏', { name: 'approve', form_value: { comment: '预算已确认' } });
    expect(ok).toMatchObject({ ok: true, delivered: true, toast: { type: 'success' } });
    expect(ok.elapsed_ms).toBeLessThan(3000);
    const updated = (await cards()).find((c) => c.message_id === approval.message_id)!;
    expect(updated.card.header.title.content).toContain('已通过');
    expect(updated.interactive).toEqual([]);
    expect(JSON.stringify(updated.card.body)).toContain('王敏');

    expect(h.lead(key).stage).toBe('sql');
    const hist = await h.until('history row naming the approval', async () => (await historyRows()).find((x) => text(x.fields['线索编号']) === key && text(x.fields['新阶段']) === 'SQL'));
    expect(text(hist.fields['审批单'])).toMatch(/^card-\d+$/);
    expect((hist.fields['操作人'] as Array<{ id: string }>)[0]!.id).toBe(h.users['王敏']);
    const row = await h.until('row shows SQL', async () => {
      const x = await h.byCompany('南方医疗器械集团');
      return x.fields['阶段'] === 'SQL' && text(x.fields['待审批']) === '' && x;
    });
    expect(text(row.fields['进入阶段次数'])).toBe('SQL-01');

    // a second approve click (same person, again) has no second effect
    const again = await click(approval.message_id, '王敏', { text: '通过', form_value: {} }).catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error); // the buttons are gone from the card
    expect(h.sql<{ n: number }>('SELECT COUNT(*) AS n FROM stage_transitions WHERE lead_id = ? AND to_stage = ?', h.lead(key).id, 'sql')[0]!.n).toBe(1);

    // the assignment card @-mentions the rep routing picked
    const assignment = await cardFor('南方医疗器械集团', '新线索待认领');
    const [rep] = mentioned(assignment);
    const repName = Object.entries(h.users).find(([, id]) => id === rep)![0];
    expect(['李雷', '韩梅梅']).toContain(repName);
    expect(JSON.stringify(assignment.card.body)).toContain('139****1111');
    expect(JSON.stringify(assignment.card.body)).not.toContain('13900001111');

    // another rep cannot accept it
    const other = repName === '李雷' ? '韩梅梅' : '李雷';
    expect((await click(assignment.message_id, other, { value: { op: 'accept' } })).toast).toMatchObject({ type: 'warning' });
    const accepted = await click(assignment.message_id, repName, { value: { op: 'accept' } });
    expect(accepted.toast).toMatchObject({ type: 'success' });
    const owned = await h.until('跟进人 and SLA截止 set', async () => {
      const x = await h.byCompany('南方医疗器械集团');
      const owner = x.fields['跟进人'] as Array<{ id: string }> | undefined;
      return owner?.[0]?.id === rep && typeof x.fields['SLA截止'] === 'number' && x;
    });
    const due = owned.fields['SLA截止'] as number;
    // first feedback within 5 working days of the accept, on the working calendar
    const [acc] = h.sql<{ accepted_at: number; follow_up_due_at: number }>('SELECT accepted_at, follow_up_due_at FROM assignments WHERE lead_id = ?', h.lead(key).id);
    expect(due).toBe(addWorkingDays(calendar, new Date(acc!.accepted_at), 5).getTime());
    expect(acc!.follow_up_due_at).toBe(due);
    expect(h.lead(key).owner_id).toBe(rep);
    const after = (await cards()).find((c) => c.message_id === assignment.message_id)!;
    expect(after.card.header.title.content).toContain('已认领');
    expect(after.interactive).toEqual([]);
  });

  it('a rep returns a lead with 预计一年后采购: it lands in nurture with the penalty and the re-engage date; the owner is cleared and marketing told', async () => {
    const { key, approval } = await approveToSql('华东精密仪器有限公司');
    expect((await click(approval.message_id, '王敏', { name: 'approve', form_value: {} })).toast).toMatchObject({ type: 'success' });
    // 跟进人 was typed in the Bitable (李雷): the assignment goes to him, not to routing
    const assignment = await cardFor('华东精密仪器有限公司', '新线索待认领');
    expect(mentioned(assignment)).toEqual([h.users['李雷']]);
    const sla = await h.until('accept SLA shown', async () => {
      const x = await h.byCompany('华东精密仪器有限公司');
      return typeof x.fields['SLA截止'] === 'number' && (x.fields['SLA截止'] as number);
    });
    // accept within 4 working hours of the offer, on the working calendar
    const [offer] = h.sql<{ offered_at: number }>('SELECT offered_at FROM assignments WHERE lead_id = ?', h.lead(key).id);
    expect(sla).toBe(addWorkingHours(calendar, new Date(offer!.offered_at), 4).getTime());

    // without a reason the form is not sent (required); a reason outside the list is refused by the sandbox client
    const noReason = await click(assignment.message_id, '李雷', { name: 'return', form_value: { note: '' } });
    expect(noReason.delivered).toBe(false);
    const scoreBefore = h.lead(key).score;
    const returned = await click(assignment.message_id, '李雷', { name: 'return', form_value: { reason: '预计一年后采购', note: '明年Q2预算' } });
    expect(returned.toast).toMatchObject({ type: 'success' });
    const [ret] = h.sql<{ returned_at: number }>('SELECT returned_at FROM assignments WHERE lead_id = ?', h.lead(key).id);
    // re-engaged about ten months later (300 days), at the start of that working day
    const reengage = workingStartOn(calendar, new Date(ret!.returned_at + 300 * 86_400_000));
    const after = (await cards()).find((c) => c.message_id === assignment.message_id)!;
    expect(after.card.header.title.content).toContain('已退回');
    const body = JSON.stringify(after.card.body);
    expect(body).toContain('预计一年后采购');
    expect(body).toContain('进入「培育池」，扣 10 分');
    expect(body).toContain('重新激活');
    const row = await h.until('row shows the return', async () => {
      const x = await h.byCompany('华东精密仪器有限公司');
      return x.fields['退回原因'] === '预计一年后采购' && x.fields['阶段'] === '培育池' && !x.fields['跟进人'] && x.fields['SLA截止'] == null && x;
    });
    expect(row.fields['重新激活']).toBe(reengage.getTime());
    expect(text(row.fields['旅程备注'])).toContain('明年Q2预算');
    expect(h.lead(key).stage).toBe('nurture');
    expect(h.lead(key).score).toBe(scoreBefore - 10);
    expect(h.sql<{ reason_code: string; delta: number }>('SELECT reason_code, delta FROM score_ledger WHERE lead_id = ? ORDER BY id DESC LIMIT 1', h.lead(key).id)).toEqual([{ reason_code: 'return:预计一年后采购', delta: -10 }]);
    // the marketing director hears of it in the group
    await h.until('王敏 told', async () => {
      const msgs = await h.control<Array<{ msg_type: string }>>('GET', `/im/messages?chat_id=${chat}`);
      return msgs.some((x) => x.msg_type === 'text' && JSON.stringify(x).includes(h.users['王敏']!) && JSON.stringify(x).includes('预计一年后采购'));
    });
    expect(h.lead(key).owner_id).toBeNull();
    expect(JSON.parse(h.lead(key).facts_json).owner).toBeUndefined();
    const a = h.sql<{ status: string; return_reason: string; return_note: string }>('SELECT status, return_reason, return_note FROM assignments WHERE lead_id = ?', h.lead(key).id);
    expect(a).toEqual([{ status: 'returned', return_reason: '预计一年后采购', return_note: '明年Q2预算' }]);
    // the SLAs ended; what waits is the re-engage date (and the pool's nurture steps)
    const pending = h.sql<{ kind: string; due_at: number }>("SELECT kind, due_at FROM timers WHERE lead_id = ? AND status = 'pending' ORDER BY id", h.lead(key).id);
    expect(pending.filter((t) => !t.kind.startsWith('nurture.') && t.kind !== 'card.renew')).toEqual([{ kind: 'lead.reengage', due_at: reengage.getTime() }]);
    // back in the pool, it is offered to the group on a pool card (closed near its 14 days: the card.renew timer)
    const poolCard = await cardFor('华东精密仪器有限公司', '公海线索待领取');
    expect(JSON.stringify(poolCard.card.body)).toContain('李雷 退回：预计一年后采购');
    returnedLead = { key, reengageAt: reengage.getTime() };
    // a click that arrives after the return: told who acted first, nothing changes
    const late = await click(assignment.message_id, '陈静', { value: { op: 'accept' } }).catch((e: Error) => e);
    expect(late).toBeInstanceOf(Error); // no buttons left to click
  });

  it('nobody accepts: moving the sandbox clock past the SLA brings the reminder, then the reassignment to the other rep', async () => {
    // a new row a person types (no 跟进人: routing picks the owner)
    await h.control('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: { 公司名称: '星河软件', 联系人: '吴经理', 电话: '13600003333', 来源渠道: '官网咨询', 阶段: '线索' } });
    await h.until('the new row adopted', async () => text((await h.byCompany('星河软件'))?.fields['线索编号']).startsWith('XS-'));
    const { key, approval } = await approveToSql('星河软件');
    expect((await click(approval.message_id, '王敏', { name: 'approve', form_value: {} })).toast).toMatchObject({ type: 'success' });
    const assignment = await cardFor('星河软件', '新线索待认领');
    const [first] = mentioned(assignment);
    const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;
    const [offer] = h.sql<{ accept_due_at: number }>("SELECT accept_due_at FROM assignments WHERE lead_id = ? AND status = 'offered'", h.lead(key).id);
    // just past the accept SLA (the sandbox clock is the server's business clock)
    await h.control('POST', '/clock/advance', { ms: offer!.accept_due_at - (await sandboxNow()) + 1_000 });
    const reminder = await h.until('reminder to the owner', async () => {
      const msgs = await h.control<Array<{ msg_type: string }>>('GET', `/im/messages?chat_id=${chat}`);
      return msgs.find((x) => x.msg_type === 'text' && JSON.stringify(x).includes(first!) && JSON.stringify(x).includes(`${key}「星河软件」认领已超时`));
    });
    expect(reminder).toBeDefined();
    await h.until('the card shows the reminder', async () => JSON.stringify((await cards()).find((c) => c.message_id === assignment.message_id)?.card.body ?? '').includes('认领超时，已提醒'));
    // past the last step (+4 working hours after the due time): offered to the other rep, never the same one
    const reassignAt = addWorkingHours(calendar, new Date(offer!.accept_due_at), 4).getTime();
    await h.control('POST', '/clock/advance', { ms: reassignAt - (await sandboxNow()) + 1_000 });
    const second = await h.until('a new assignment card', async () =>
      (await cards()).find((c) => c.message_id !== assignment.message_id && c.card.header.title.content.includes('新线索待认领') && c.card.header.title.content.includes('星河软件')),
    );
    expect(mentioned(second)).not.toContain(first);
    expect(mentioned(second)).toHaveLength(1);
    const old = await h.until('old card withdrawn', async () => {
      const c = (await cards()).find((x) => x.message_id === assignment.message_id)!;
      return c.card.header.title.content.includes('已撤回') && c;
    });
    expect(old.interactive).toEqual([]);
    const ladder = h.sql<{ step: string }>('SELECT step FROM escalations WHERE lead_id = ? ORDER BY id', h.lead(key).id).map((r) => r.step);
    expect(ladder).toEqual(['remind', 'manager', 'reassign']);
  });

  it('the re-engage date of the returned lead comes (the clock moved ten months): it is back at MQL and 李雷 gets a new assignment card', async () => {
    const { key, reengageAt } = returnedLead!;
    const sandboxNow = async () => (await h.control<{ now: number }>('GET', '/clock')).now;
    const before = (await cards()).length;
    await h.control('POST', '/clock/advance', { ms: reengageAt - (await sandboxNow()) + 1_000 });
    const card = await h.until('a new assignment card for 华东精密仪器', async () => (await cards()).slice(before).find((c) => c.card.header.title.content.includes('华东精密仪器') && c.card.header.title.content.includes('新线索待认领')));
    expect(mentioned(card)).toEqual([h.users['李雷']]);
    const row = await h.until('the row is back at MQL', async () => {
      const x = await h.byCompany('华东精密仪器有限公司');
      return x.fields['阶段'] === 'MQL' && x.fields['重新激活'] == null && x;
    });
    expect(text(row.fields['旅程备注'])).toContain('重新激活（退回原因「预计一年后采购」约定的日期）：回到「MQL」；已交给 李雷');
    expect(h.lead(key).stage).toBe('mql');
    await h.until('a 阶段历史 row for the re-engagement', async () => (await historyRows()).some((r) => text(r.fields['线索编号']) === key && JSON.stringify(r.fields).includes('重新激活')));
  });
});
