import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDingTalkApi } from '../../src/dingtalk/api.js';
import { createDingTalkChannel } from '../../src/dingtalk/chat-channel.js';
import type { Member } from '../../src/domain/people.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { createImApi } from '../../src/im/api.js';
import { createImSender } from '../../src/im/sender.js';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { CHAT_SEND, CHAT_UPDATE, type CardMessage, type ChatSendPayload, type ChatUpdatePayload, dingTalkChat } from '../../src/ports/chat.js';
import { fixedTeam } from '../../src/ports/team.js';
import { type DingTalkEmulator, dingTalkModule, dingTalkOf } from '../../src/sandbox/dingtalk/module.js';
import type { DtApp, DtGroup } from '../../src/sandbox/dingtalk/org.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { messageUuid } from '../../src/usecases/lead-cards.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { type TestStore, testStore } from '../support/test-store.js';

/**
 * The message outbox to a DingTalk group (outbox kinds im.send / im.patch, chat `dingtalk:<cid>`): the
 * card goes through DingTalk's card API once however the calls fail (its outTrackId is the message's
 * uuid), @ the people by their 钉钉ID, updated in place; a delivery DingTalk refuses for good is a dead
 * letter that says why.
 */
const lead = { key: 'XS-000007', facts: { company: '星河物联', phone: '13800138000' }, stage: { zh: '线索', en: 'Lead' } };
const nurture = (content: string): CardMessage => ({
  card: { kind: 'nurture', state: { lead, to: ['ou_lilei', 'ou_nodt'], owner: 'ou_lilei', kind: 'step', name: '第 3 天回访', sequence: '新线索培育', content, why: { zh: '进入培育池第 3 天', en: 'day 3 in nurture' } } },
  locale: 'zh-CN',
  names: { ou_lilei: '李雷', ou_nodt: '王五' },
});

describe('IM sender to a DingTalk group', () => {
  let emu: StartedEmulator;
  let dt: DingTalkEmulator;
  let app: DtApp;
  let group: DtGroup;
  let store: TestStore;
  const team = fixedTeam(
    new Map<string, Member>([
      ['ou_lilei', { id: 'ou_lilei', name: '李雷', roles: ['sales'], onDuty: true, dingtalkId: '0211230004' }],
      ['ou_nodt', { id: 'ou_nodt', name: '王五', roles: ['sales'], onDuty: true }],
    ]),
  );
  const log = testLogger();
  const sender = () =>
    createImSender({
      store,
      api: createImApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) })),
      dingtalk: createDingTalkChannel({
        api: createDingTalkApi({ baseUrl: emu.url, appKey: app.appKey, appSecret: new Secret(app.appSecret), timeoutMs: 1_000 }),
        robotCode: app.robotCode,
        templateId: 'lead.schema',
        team,
        locale: 'zh-CN',
        log,
      }),
      clock: systemClock,
      log,
      random: () => 0.05,
    });
  const queue = async (n: number, chatId = dingTalkChat(group.openConversationId)) => {
    const uuid = messageUuid(`dt-card-${n}`);
    const now = new Date();
    await store.transaction(async () => {
      const l = await store.leads.insert({ leadKey: `XS-${n}`, journeyId: 'default', facts: {}, now });
      await store.cards.create({ kind: 'assignment', leadId: l.id, chatId, uuid, subject: {}, now });
      const payload: ChatSendPayload = { chatId, uuid, cardUuid: uuid, card: nurture(`第 ${n} 条`) };
      await store.messages.enqueue({ kind: CHAT_SEND, target: chatId, payload, idempotencyKey: uuid, now });
    });
    return uuid;
  };
  const fault = (rule: Record<string, unknown>) => emu.control('POST', '/faults', rule);

  beforeEach(async () => {
    emu = await startEmulator({ modules: [imModule, dingTalkModule] });
    dt = dingTalkOf(emu.emu.kernel);
    app = dt.org.addApp();
    const li = dt.org.addUser({ name: '李雷', userId: '0211230004' });
    group = dt.org.addGroup({ title: '线索作战群', members: [li.userId], robots: [app.robotCode] });
    store = await testStore();
  });
  afterEach(async () => {
    await store.close();
    await emu.stop();
  });

  it('502s and a call that timed out after DingTalk delivered it: each card is in the group once, @ by 钉钉ID, in order', async () => {
    await fault({ route: 'dingtalk.card.createAndDeliver', kind: 'http', status: 502, body: '{"code":"ServiceUnavailable","message":"busy"}', times: 2 });
    await fault({ route: 'dingtalk.card.createAndDeliver', kind: 'delay', ms: 1_500, times: 1 });
    const uuids: string[] = [];
    for (const n of [1, 2, 3]) uuids.push(await queue(n));
    const stats = await sender().drain(30_000);
    expect(stats.dead).toBe(0);
    expect(stats.retried).toBeGreaterThanOrEqual(3);
    const cards = [...dt.org.cards.values()];
    expect(cards.map((c) => c.outTrackId)).toEqual(uuids);
    expect(cards.map((c) => /第 \d 条/.exec(c.cardData.body ?? '')?.[0])).toEqual(['第 1 条', '第 2 条', '第 3 条']);
    // 李雷 is notified by his 钉钉ID; 王五 has none: shown by name, not notified
    expect(cards[0]!.atUserIds).toEqual({ '0211230004': '李雷' });
    expect(cards[0]!.cardData.body).toContain('@李雷 @王五');
    for (const u of uuids) expect((await store.cards.getByUuid(u))!.messageId).toBe(u);
  });

  it('an update replaces the card in place; a group without the robot is a dead letter saying so, and the rest still go', async () => {
    const uuid = await queue(1);
    const s = sender();
    await s.drain(10_000);
    const payload: ChatUpdatePayload = { cardUuid: uuid, card: nurture('已更新') };
    await store.messages.enqueue({ kind: CHAT_UPDATE, target: dingTalkChat(group.openConversationId), payload, idempotencyKey: `patch:${uuid}`, now: new Date() });
    const lonely = dt.org.addGroup({ title: '没有机器人的群', members: [], robots: [] });
    await queue(2, dingTalkChat(lonely.openConversationId));
    const stats = await s.drain(10_000);
    expect(stats).toMatchObject({ patched: 1, dead: 1 });
    expect(dt.org.cards.get(uuid)!.cardData.body).toContain('已更新');
    expect(dt.org.cards.get(uuid)!.updates).toBe(1);
    const [dead] = await store.messages.listByStatus('dead');
    expect(dead!.lastError).toContain('DingTalk 200 chatbotNotInstall');
  });
});
