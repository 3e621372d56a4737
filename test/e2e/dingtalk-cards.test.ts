import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import type { RunningMain } from '../support/run-main.js';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * `npm start` (sandbox) with the lead group on DingTalk (SANDBOX_CHAT_PLATFORM=dingtalk): cards go out
 * through the card-instance API with @-mentions by 钉钉ID, clicks come back over Stream to the real
 * `dingtalk-stream` client, into the same card actions as Feishu's: the approval, then the assignment
 * accepted by the rep (跟进人 set in the Bitable); a wrong person's click changes nothing; a callback
 * delivered twice has one effect.
 */
interface DtCard {
  outTrackId: string;
  openConversationId: string;
  atUserIds: Record<string, string>;
  cardData: Record<string, string>;
  privateData: Record<string, Record<string, string>>;
}
interface DtState {
  users: Array<{ userId: string; name: string }>;
  groups: Array<{ openConversationId: string; title: string }>;
  connections: Array<{ subscriptions: Array<{ type: string; topic: string }> }>;
  stats: { lateAcks: number; duplicates: number };
}
interface Click {
  ok: boolean;
  delivered: boolean;
  error?: string;
  response?: { cardData?: { cardParamMap: Record<string, string> }; userPrivateData?: { cardParamMap: Record<string, string> } };
}

describe('the lead group on DingTalk: cards by the card API, clicks over Stream', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let m: RunningMain;
  let dt: DtState;
  let group: string;
  sandboxForFile((run) => ({ h, m } = run), { SANDBOX_CHAT_PLATFORM: 'dingtalk' });

  const dtId = (name: string) => dt.users.find((u) => u.name === name)!.userId;
  const cards = async () => h.control<DtCard[]>('GET', `/dingtalk/cards?conversation=${encodeURIComponent(group)}`);
  const cardFor = (company: string, title: string) => h.until(`DingTalk card 「${title}」 for ${company}`, async () => (await cards()).find((c) => c.cardData.title?.includes(title) && c.cardData.title.includes(company)));
  const click = (card: DtCard, as: string, params: Record<string, string>) => h.control<Click>('POST', '/dingtalk/cards/click', { outTrackId: card.outTrackId, userId: dtId(as), actionId: `${params.op}_btn`, params });

  it('the server holds a Stream connection subscribed to card callbacks; nothing goes to the Feishu group', async () => {
    dt = await h.until('a Stream connection', async () => {
      const s = await h.control<DtState>('GET', '/dingtalk');
      return s.connections.length === 1 && s;
    });
    expect(dt.connections[0]!.subscriptions).toContainEqual({ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' });
    group = dt.groups.find((g) => g.title === '线索作战群')!.openConversationId;
  });

  it('MQL→SQL: the approval card @王敏 in DingTalk; someone else cannot approve; she approves from the card and the lead is SQL', async () => {
    const r = await h.byCompany('南方医疗器械集团');
    await h.edit(r.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    const key = await h.until('MQL', async () => {
      const x = await h.byCompany('南方医疗器械集团');
      return text(x.fields['进入阶段次数']) === 'MQL-01' && text(x.fields['线索编号']);
    });
    await h.edit(r.record_id, '张伟', { 阶段: 'SQL' });
    const approval = await cardFor('南方医疗器械集团', '待审批');
    expect(approval.atUserIds).toEqual({ [dtId('王敏')]: '王敏' });
    expect(approval.cardData.status).toBe('open');
    expect(approval.cardData.body).toContain('@王敏');
    expect(approval.cardData.body).toContain('申请人：张伟');
    expect(JSON.parse(approval.cardData.actions!).map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining(['approve', 'reject']));
    // the editor is told by a notice card @张伟
    await h.until('a notice @张伟', async () => (await cards()).find((c) => c.atUserIds[dtId('张伟')] && c.cardData.body?.includes(key)));

    const refused = await click(approval, '李雷', { op: 'approve', comment: '' });
    expect(refused).toMatchObject({ ok: true, delivered: true });
    expect(refused.response?.userPrivateData?.cardParamMap).toMatchObject({ toastType: 'warning' });
    expect(refused.response!.userPrivateData!.cardParamMap.toast).toContain('市场总监');
    expect(h.lead(key).stage).toBe('mql');

    const ok = await click(approval, '王敏', { op: 'approve', comment: '预算已确认' });
    expect(ok.response?.userPrivateData?.cardParamMap).toMatchObject({ toastType: 'success' });
    expect(h.lead(key).stage).toBe('sql');
    const after = (await cards()).find((c) => c.outTrackId === approval.outTrackId)!;
    expect(after.cardData.title).toContain('已通过');
    expect(after.cardData.status).toBe('closed');
    expect(after.privateData[dtId('王敏')]).toMatchObject({ toastType: 'success' });
    expect(after.privateData[dtId('李雷')]).toMatchObject({ toastType: 'warning' });
  });

  it('the assignment card @ the rep; a stranger is refused; the rep accepts (the callback delivered twice), once: owner set in the Bitable', async () => {
    const assignment = await cardFor('南方医疗器械集团', '新线索待认领');
    const [repId] = Object.keys(assignment.atUserIds);
    const repName = dt.users.find((u) => u.userId === repId)!.name;
    const other = repName === '李雷' ? '韩梅梅' : '李雷';
    const key = text((await h.byCompany('南方医疗器械集团')).fields['线索编号']);

    const refused = await click(assignment, other, { op: 'accept' });
    expect(refused.response?.userPrivateData?.cardParamMap.toastType).toBe('warning');
    expect(h.sql<{ status: string }>('SELECT status FROM assignments WHERE lead_id = ?', h.lead(key).id)[0]!.status).toBe('offered');

    await h.control('POST', '/dingtalk/settings', { duplicate_after_ack: true });
    const before = (await h.control<DtState>('GET', '/dingtalk')).stats;
    const ok = await click(assignment, repName, { op: 'accept' });
    await h.control('POST', '/dingtalk/settings', { duplicate_after_ack: false });
    expect(ok.response?.userPrivateData?.cardParamMap.toastType).toBe('success');
    // the duplicate was answered too (acked), and changed nothing
    await h.until('the duplicate acked', async () => (await h.control<DtState>('GET', '/dingtalk')).stats.lateAcks > before.lateAcks);
    const rows = h.sql<{ status: string }>('SELECT status FROM assignments WHERE lead_id = ?', h.lead(key).id);
    expect(rows.map((x) => x.status)).toEqual(['accepted']);
    const after = (await cards()).find((c) => c.outTrackId === assignment.outTrackId)!;
    expect(after.cardData.title).toContain('已认领');
    expect(after.cardData.status).toBe('closed');
    // 跟进人 in the Bitable is the rep (by their Feishu id: the table stays Feishu's)
    await h.until('跟进人 set', async () => ((await h.byCompany('南方医疗器械集团')).fields['跟进人'] as Array<{ id: string }> | undefined)?.[0]?.id === h.users[repName]);
  });

  it('a click from someone in the group but not in 销售团队 is answered with a message and changes nothing', async () => {
    const approval = await cardFor('南方医疗器械集团', '已通过');
    const newcomer = await h.control<{ userId: string }>('POST', '/dingtalk/users', { name: '新同事', groups: [group] });
    const r = await h.control<Click>('POST', '/dingtalk/cards/click', { outTrackId: approval.outTrackId, userId: newcomer.userId, actionId: 'approve_btn', params: { op: 'approve' } });
    expect(r).toMatchObject({ ok: true, delivered: true });
    expect(r.response?.userPrivateData?.cardParamMap).toMatchObject({ toastType: 'warning' });
    expect(r.response!.userPrivateData!.cardParamMap.toast).toContain('销售团队');
    expect(r.response?.cardData).toBeUndefined();
  });

  it('查询线索: @ the robot with a 线索编号 and the answer @ the asker comes in the group, once (delivered twice); a guest gets none', async () => {
    const key = text((await h.byCompany('南方医疗器械集团')).fields['线索编号']);
    const say = (as: string, words: string) => h.control<{ ok: boolean; delivered: number }>('POST', '/dingtalk/messages', { conversation: group, userId: dtId(as), text: words, atRobot: true });
    await h.control('POST', '/dingtalk/settings', { duplicate_after_ack: true });
    expect(await say('李雷', `${key} 现在什么情况？`)).toMatchObject({ ok: true, delivered: 1 });
    await h.control('POST', '/dingtalk/settings', { duplicate_after_ack: false });
    const answer = await h.until('the answer', async () => (await cards()).find((c) => c.atUserIds[dtId('李雷')] && c.cardData.body?.includes(`${key} 南方医疗器械集团：SQL`)));
    expect(answer.cardData.body).toContain('139****1111');
    expect(answer.cardData.body).not.toContain('13900001111');
    await new Promise((r) => setTimeout(r, 1_500)); // the duplicate had its time
    expect((await cards()).filter((c) => c.cardData.body?.includes(`${key} 南方医疗器械集团：SQL`))).toHaveLength(1);
    // without a 线索编号: how to ask
    await say('韩梅梅', '你好');
    await h.until('the help', async () => (await cards()).find((c) => c.atUserIds[dtId('韩梅梅')] && c.cardData.body?.includes('查询线索')));
    // someone in the group but not in 销售团队 asks: nothing is answered
    const guest = await h.control<{ userId: string }>('POST', '/dingtalk/users', { name: '访客', groups: [group] });
    const before = (await cards()).length;
    expect((await h.control<{ ok: boolean; delivered: number }>('POST', '/dingtalk/messages', { conversation: group, userId: guest.userId, text: key, atRobot: true })).delivered).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await cards()).length).toBe(before);
  });

  it('someone on DingTalk only (a 钉钉ID, no 成员) is on the team: @-mentioned by the approval card, approves from it; the Bitable keeps working', async () => {
    const zhao = await h.control<{ userId: string }>('POST', '/dingtalk/users', { name: '赵敏', groups: [group] });
    await h.control('POST', `/bases/${h.app}/tables/${h.tableId('销售团队')}/records`, { operator_open_id: h.users['王敏'], fields: { 姓名: '赵敏', 钉钉ID: zhao.userId, 团队: '市场部', 角色: ['市场总监'], 在岗: true } });
    const made = await h.control<{ record_id: string }>('POST', `/bases/${h.app}/tables/${h.leads}/records`, {
      operator_open_id: h.users['张伟'],
      fields: { 公司名称: '钉钉专属测试公司', 联系人: '吴', 电话: '13300004444', 需求描述: '试用' },
    });
    const row = async () => (await h.rows()).find((x) => x.record_id === made.record_id)!;
    const key = await h.until('adopted', async () => text((await row()).fields['线索编号']).startsWith('XS-') && text((await row()).fields['线索编号']));
    await h.edit(made.record_id, '张伟', { 阶段: 'MQL' });
    await h.until('MQL', async () => text((await row()).fields['进入阶段次数']) === 'MQL-01');
    await h.edit(made.record_id, '张伟', { 阶段: 'SQL' });
    const approval = await h.until('approval card @ both directors', async () => {
      const c = (await cards()).find((x) => x.cardData.title?.includes('待审批') && x.cardData.title.includes('钉钉专属测试公司'));
      return c && Object.keys(c.atUserIds).length === 2 && c;
    });
    expect(approval.atUserIds).toEqual({ [dtId('王敏')]: '王敏', [zhao.userId]: '赵敏' });
    expect(approval.cardData.body).toContain('@赵敏');
    const ok = await h.control<Click>('POST', '/dingtalk/cards/click', { outTrackId: approval.outTrackId, userId: zhao.userId, actionId: 'approve_btn', params: { op: 'approve', comment: '钉钉上批的' } });
    expect(ok.response?.userPrivateData?.cardParamMap.toastType).toBe('success');
    expect(h.lead(key).stage).toBe('sql');
    // the 阶段历史 row is written, 操作人 left empty (赵敏 is no Feishu user); nothing is left unwritten
    const hist = await h.until('history row', async () => (await h.rows(h.tableId('阶段历史'))).find((x) => text(x.fields['线索编号']) === key && text(x.fields['新阶段']) === 'SQL'));
    expect(hist.fields['操作人'] ?? []).toEqual([]);
    await h.until('writes done', async () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'in_flight', 'dead')")[0]!.n === 0);
  });

  it.skipIf(!hasChromium)('the sandbox page shows the DingTalk group; acting as a person, a click goes over Stream and the card changes', async () => {
    const r = await h.byCompany('华东精密仪器有限公司');
    await h.edit(r.record_id, '张伟', { 需求描述: '精密仪器联网', 阶段: 'SQL' });
    await cardFor('华东精密仪器有限公司', '待审批');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${m.sandboxUrl}/#/dingtalk/${encodeURIComponent(group)}`);
      await page.locator('.dt-card').first().waitFor();
      expect(await page.locator('#nav').textContent()).toContain('钉钉群');
      const open = page.locator('.dt-card[data-status="open"]', { hasText: '华东精密仪器有限公司' });
      // 李雷 may not approve: only he is told why, and the card stays open
      await page.selectOption('#act-as', h.users['李雷']!);
      await open.locator('button[data-action="approve"]').click();
      await open.locator('.dt-private.dt-warning').waitFor();
      expect(await open.locator('.dt-private').textContent()).toContain('市场总监');
      // 王敏 approves with a comment
      await page.selectOption('#act-as', h.users['王敏']!);
      await open.locator('input[data-param="comment"]').fill('同意推进');
      await open.locator('button[data-action="approve"]').click();
      const done = page.locator('.dt-card[data-status="closed"]', { hasText: '已通过' }).filter({ hasText: '华东精密仪器有限公司' });
      await done.waitFor();
      expect(await done.locator('.dt-private.dt-success').count()).toBe(1);
      await h.until('SQL', async () => (await h.byCompany('华东精密仪器有限公司')).fields['阶段'] === 'SQL');
      // 王敏 asks the robot about the lead from the chat box
      const key = text((await h.byCompany('华东精密仪器有限公司')).fields['线索编号']);
      await page.locator('form.dt-say input[name="text"]').fill(key);
      await page.locator('form.dt-say button[type="submit"]').click();
      await page.locator('.dt-said', { hasText: key }).waitFor();
      await page.locator('.dt-card', { hasText: `${key} 华东精密仪器有限公司：SQL` }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
