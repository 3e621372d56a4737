import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { createImApi } from '../../src/im/api.js';
import { createImSender, IM_PATCH, IM_SEND, type ImPatchPayload, type ImSendPayload } from '../../src/im/sender.js';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { getIm } from '../../src/sandbox/feishu/im/service.js';
import { type TestStore, testStore } from '../support/test-store.js';
import { messageUuid } from '../../src/usecases/lead-cards.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';

/**
 * The IM sender against the emulator through the real SDK: a card is never lost when Feishu is
 * briefly down, never sent twice (the message uuid survives every retry, even a call that timed out
 * after Feishu accepted it), and the chat's 5/s limit is kept rather than discovered.
 */
const card = (title: string) => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: title }, template: 'blue' },
  body: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: title } }] },
});

describe('IM sender (outbox kinds im.send / im.patch)', () => {
  let emu: StartedEmulator;
  let store: TestStore;
  let chatId: string;
  const sender = (o: { timeoutMs?: number; maxAttempts?: number } = {}) =>
    createImSender({
      store,
      api: createImApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret), timeoutMs: o.timeoutMs ?? 5_000 })),
      clock: systemClock,
      log: testLogger(),
      random: () => 0.05, // short jittered waits: the test is about outcomes, not the backoff curve
      ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    });
  const queueCard = async (n: number) => {
    const uuid = messageUuid(`test-card-${n}`);
    const now = new Date();
    await store.transaction(async () => {
      const lead = await store.leads.insert({ leadKey: `XS-${n}`, journeyId: 'default', facts: {}, now });
      await store.cards.create({ kind: 'assignment', leadId: lead.id, chatId, uuid, subject: {}, now });
      const payload: ImSendPayload = { chatId, msgType: 'interactive', content: card(`线索 ${n}`), uuid, cardUuid: uuid };
      await store.messages.enqueue({ kind: IM_SEND, target: chatId, payload, idempotencyKey: uuid, now });
    });
    return uuid;
  };
  const inChat = () => getIm(emu.emu.kernel).messages({ chat_id: chatId });
  const fault = (rule: Record<string, unknown>) => emu.control('POST', '/faults', rule);

  beforeEach(async () => {
    emu = await startEmulator({ modules: [imModule] });
    const dir = emu.emu.kernel.directory;
    const rep = dir.addUser({ name: '李雷' });
    chatId = dir.addChat({ name: '线索作战群', members: [rep.open_id], bots: [emu.app.app_id] }).chat_id;
    store = await testStore();
  });
  afterEach(async () => {
    await store.close();
    await emu.stop();
  });

  it('429 with a reset, 5xx, 230020 and a timeout after Feishu accepted the send: each card arrives exactly once', async () => {
    await fault({ route: 'im.message.create', kind: 'rate_limit', resetSeconds: 1, times: 1 });
    await fault({ route: 'im.message.create', kind: 'http', status: 502, times: 2 });
    await fault({ route: 'im.message.create', kind: 'error', code: 230020, status: 400, times: 1 });
    await fault({ route: 'im.message.create', kind: 'delay', ms: 2_000, times: 1 }); // the call times out; the message was sent
    const uuids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) uuids.push(await queueCard(n));
    const s = sender({ timeoutMs: 1_000 });
    const stats = await s.drain(30_000);
    expect(stats.dead).toBe(0);
    expect(stats.retried).toBeGreaterThanOrEqual(5);
    const messages = inChat();
    expect(messages).toHaveLength(5);
    expect(new Set(messages.map((m) => m.message_id)).size).toBe(5);
    // every card row knows its Feishu message (callbacks and in-place updates find it by that)
    for (const u of uuids) expect((await store.cards.getByUuid(u))!.messageId).toMatch(/^om_/);
    expect(new Set(await Promise.all(uuids.map(async (u) => (await store.cards.getByUuid(u))!.messageId))).size).toBe(5);
  });

  it('messages to a group arrive in the order they were decided, even when the first is retried (a clock jump, a 502)', async () => {
    await fault({ route: 'im.message.create', kind: 'http', status: 502, times: 2 });
    for (const n of [1, 2, 3, 4, 5]) await queueCard(n);
    const stats = await sender().drain(30_000);
    expect(stats.retried).toBeGreaterThanOrEqual(2);
    expect(inChat().map((m) => JSON.parse(m.content).header.title.content)).toEqual(['线索 1', '线索 2', '线索 3', '线索 4', '线索 5']);
    // every row done, none counted as tried more than it was
    expect(await store.messages.counts()).toMatchObject({ pending: 0, in_flight: 0, dead: 0, done: 5 });
  });

  it('an update to a card older than 14 days (Feishu refuses it with 230031) leaves the card as it was: done, not a dead letter', async () => {
    const uuid = await queueCard(1);
    const s = sender();
    await s.drain(10_000);
    await emu.control('POST', '/clock/advance', { ms: 15 * 86_400_000 });
    const payload: ImPatchPayload = { cardUuid: uuid, content: card('线索 1（已更新）') };
    await store.messages.enqueue({ kind: IM_PATCH, target: chatId, payload, idempotencyKey: `patch:${uuid}:1`, now: new Date() });
    await queueCard(2); // and what follows still goes
    const stats = await s.drain(10_000);
    expect(stats).toMatchObject({ tooOld: 1, dead: 0, sent: 2 });
    expect(await store.messages.counts()).toMatchObject({ pending: 0, in_flight: 0, dead: 0 });
    expect(inChat().map((m) => JSON.parse(m.content).header.title.content)).toEqual(['线索 1', '线索 2']);
  });

  it('a card @-mentioning someone Feishu does not know (230099 / 100290) still goes out, with the name instead; the person is noted once for the doctor', async () => {
    const dir = emu.emu.kernel.directory;
    const rep = dir.addUser({ name: '李雷' });
    dir.findChat(chatId)!.members.push(rep.open_id);
    const queue = async (n: number) => {
      const uuid = messageUuid(`mention-${n}`);
      const content = { ...card(`线索 ${n}`), body: { elements: [{ tag: 'markdown', content: `<at id=${rep.open_id}></at> <at id=ou_gone_2025></at> 请认领` }] } };
      const payload: ImSendPayload = { chatId, msgType: 'interactive', content, uuid, names: { [rep.open_id]: '李雷', ou_gone_2025: '王五"（已离职）' } };
      await store.transaction(() => store.messages.enqueue({ kind: IM_SEND, target: chatId, payload, idempotencyKey: uuid, now: new Date() }));
    };
    await queue(1);
    await queue(2);
    const stats = await sender().drain(10_000);
    expect(stats.dead).toBe(0);
    const sent = inChat().map((m) => JSON.parse(m.content).body.elements[0].content as string);
    expect(sent).toEqual([`<at id=${rep.open_id}></at> @王五"（已离职） 请认领`, `<at id=${rep.open_id}></at> @王五"（已离职） 请认领`]);
    expect(await store.unknownUsers.list()).toMatchObject([{ openId: 'ou_gone_2025', name: '王五"（已离职）', times: 2 }]);
  });

  it('Feishu refusing a card for good (the bot left the group) makes a visible dead letter, and the rest still go', async () => {
    const dir = emu.emu.kernel.directory;
    const other = dir.addChat({ name: '没有机器人的群', members: [], bots: [] }).chat_id;
    const now = new Date();
    await store.messages.enqueue({ kind: IM_SEND, target: other, payload: { chatId: other, msgType: 'text', content: { text: 'hi' }, uuid: 'lj-orphan' } satisfies ImSendPayload, idempotencyKey: 'lj-orphan', now });
    await queueCard(1);
    const stats = await sender().drain(10_000);
    expect(stats).toMatchObject({ sent: 1, dead: 1 });
    expect((await store.messages.listByStatus('dead'))[0]!.lastError).toContain('230002');
    expect(inChat()).toHaveLength(1);
  });

  it('keeps under the chat limit (Feishu: 5/s; the sender: 4/s): 20 cards to one group, none refused, spread over ≥ 4 s', async () => {
    for (let i = 0; i < 20; i++) await queueCard(i);
    const t0 = Date.now();
    const stats = await sender().drain(30_000);
    expect(stats).toMatchObject({ sent: 20, retried: 0, dead: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3_900); // calls 17–20 may start 4 s after the first
    expect(inChat()).toHaveLength(20);
  });

  it('an in-place update waits for its card to be sent, then replaces it (a new version of the same message)', async () => {
    const uuid = await queueCard(7);
    const now = new Date();
    // the update is queued before the send went out (an action right after the card was created)
    await store.messages.enqueue({ kind: IM_PATCH, target: chatId, payload: { cardUuid: uuid, content: card('已认领') } satisfies ImPatchPayload, idempotencyKey: `patch:${uuid}:1`, now });
    await fault({ route: 'im.message.create', kind: 'http', status: 503, times: 1 });
    const stats = await sender().drain(15_000);
    expect(stats).toMatchObject({ sent: 1, patched: 1, dead: 0 });
    const [m] = inChat();
    const versions = (await emu.control<Array<{ card: { header: { title: { content: string } } } }>>('GET', `/im/messages/${(m as { message_id: string }).message_id}/versions`)).body;
    expect(versions.map((v) => v.card.header.title.content)).toEqual(['线索 7', '已认领']);
  });
});
