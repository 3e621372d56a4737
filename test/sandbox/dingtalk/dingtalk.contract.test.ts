import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDingTalkApi, DingTalkCallError } from '../../../src/dingtalk/api.js';
import { createDingTalkStream, type DingTalkStream } from '../../../src/dingtalk/stream.js';
import { testLogger } from '../../support/log-capture.js';
import { Secret } from '../../../src/lib/secret.js';
import { type DingTalkEmulator, dingTalkModule, dingTalkOf } from '../../../src/sandbox/dingtalk/module.js';
import type { DtApp, DtGroup, DtUser } from '../../../src/sandbox/dingtalk/org.js';
import { type StartedEmulator, startEmulator } from '../../support/feishu-emulator.js';
import { waitUntil } from '../../support/webhook-server.js';

/**
 * The DingTalk side of the emulator (docs/platform/dingtalk.md) through the product's own clients: the
 * token and card calls (src/dingtalk/api.ts) and the real `dingtalk-stream` client (src/dingtalk/stream.ts)
 * on the Stream gateway: registration, tickets, pings, card callbacks and their answers, redelivery and
 * duplicates, refused handshakes and SYSTEM disconnect.
 */
describe('DingTalk emulator (product clients and the real dingtalk-stream client)', () => {
  let emu: StartedEmulator;
  let dt: DingTalkEmulator;
  let app: DtApp;
  let rep: DtUser;
  let boss: DtUser;
  let group: DtGroup;
  let stream: DingTalkStream | undefined;
  const log = testLogger();
  const api = () => createDingTalkApi({ baseUrl: emu.url, appKey: app.appKey, appSecret: new Secret(app.appSecret) });
  const calls = (key: string) => emu.emu.kernel.calls.get(key) ?? 0;

  beforeEach(async () => {
    emu = await startEmulator({ modules: [dingTalkModule] });
    dt = dingTalkOf(emu.emu.kernel);
    app = dt.org.addApp({ name: '线索旅程' });
    rep = dt.org.addUser({ name: '李雷' });
    boss = dt.org.addUser({ name: '王敏' });
    group = dt.org.addGroup({ title: '线索作战群', members: [rep.userId, boss.userId], robots: [app.robotCode] });
  });
  afterEach(async () => {
    stream?.stop();
    stream = undefined;
    await emu.stop();
  });

  const space = () => ({ openConversationId: group.openConversationId, robotCode: app.robotCode });
  const deliver = (outTrackId: string, data: Record<string, string> = { title: '新线索：星河物联', status: 'open' }) => api().createAndDeliver({ templateId: 'lead.schema', outTrackId, space: space(), data, at: { [rep.userId]: rep.name } });

  it('a token is fetched once and reused; a wrong secret is refused for good; an expired token is fetched again', async () => {
    const a = api();
    await a.createAndDeliver({ templateId: 'lead.schema', outTrackId: 'c-1', space: space(), data: { title: 'x' }, at: {} });
    await a.updateCard({ outTrackId: 'c-1', data: { status: 'done' } });
    expect(calls('dingtalk.oauth2.accessToken')).toBe(1);
    // two hours and more later (the emulator's clock): DingTalk refuses the token, the client fetches a new one once
    emu.emu.kernel.clock.advance(7_300_000);
    await a.updateCard({ outTrackId: 'c-1', data: { status: 'open' } });
    expect(calls('dingtalk.oauth2.accessToken')).toBe(2);

    const wrong = createDingTalkApi({ baseUrl: emu.url, appKey: app.appKey, appSecret: new Secret('not-the-secret') });
    const e = await wrong.accessToken().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DingTalkCallError);
    expect((e as DingTalkCallError).action).toBe('permanent');
    expect((e as DingTalkCallError).message).not.toContain('not-the-secret');
  });

  it('a card is delivered into the group with its @-mentions and string data; updated by key; refused deliveries say why', async () => {
    await deliver('c-2');
    const card = dt.org.cards.get('c-2')!;
    expect(card).toMatchObject({ openConversationId: group.openConversationId, callbackType: 'STREAM', atUserIds: { [rep.userId]: '李雷' }, cardData: { title: '新线索：星河物联', status: 'open' } });
    await api().updateCard({ outTrackId: 'c-2', data: { status: 'accepted' } });
    expect(dt.org.cards.get('c-2')!.cardData).toEqual({ title: '新线索：星河物联', status: 'accepted' });
    // the same outTrackId again: no second card
    await deliver('c-2');
    expect(dt.org.cards.size).toBe(1);

    const lonely = dt.org.addGroup({ title: '没有机器人的群', members: [rep.userId], robots: [] });
    const notIn = await api()
      .createAndDeliver({ templateId: 'lead.schema', outTrackId: 'c-3', space: { openConversationId: lonely.openConversationId, robotCode: app.robotCode }, data: { title: 'x' }, at: {} })
      .catch((x: unknown) => x as DingTalkCallError);
    expect(notIn).toMatchObject({ code: 'chatbotNotInstall', action: 'permanent' });
    // non-string values are refused (every cardParamMap value is a string)
    const res = await fetch(`${emu.url}/v1.0/card/instances/createAndDeliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': await api().accessToken() },
      body: JSON.stringify({ cardTemplateId: 't', outTrackId: 'c-4', openSpaceId: `dtv1.card//IM_GROUP.${group.openConversationId}`, cardData: { cardParamMap: { n: 1 } }, imGroupOpenDeliverModel: { robotCode: app.robotCode } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('param.invalid');
    const noToken = await fetch(`${emu.url}/v1.0/card/instances`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { code: string }).code).toBe('InvalidAuthentication');
  });

  /** The product's Stream client; `onCard` answers with what the test says (after `delayMs`). */
  function connect(o: { delayMs?: number; baseMs?: number; capMs?: number } = {}) {
    const seen: Array<Record<string, unknown>> = [];
    stream = createDingTalkStream({
      baseUrl: emu.url,
      clientId: app.appKey,
      clientSecret: new Secret(app.appSecret),
      log,
      baseMs: o.baseMs ?? 100,
      capMs: o.capMs ?? 800,
      onCard: async (data) => {
        seen.push(data);
        if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
        const params = (JSON.parse(String(data.content)) as { cardPrivateData: { params: Record<string, string> } }).cardPrivateData.params;
        return {
          cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
          cardData: { cardParamMap: { status: params.op === 'accept' ? 'accepted' : 'open' } },
          userPrivateData: { cardParamMap: { toast: `你点了 ${params.op}` } },
        };
      },
    });
    stream.start();
    return seen;
  }
  const click = (outTrackId: string, userId: string, op: string) => emu.control<{ ok: boolean; delivered: boolean; error?: string }>('POST', '/dingtalk/cards/click', { outTrackId, userId, actionId: `${op}_btn`, params: { op } });

  it('a click comes over Stream as a card callback with the clicker; the answer updates the card, the private part for the clicker only', async () => {
    await deliver('c-5');
    const seen = connect();
    await waitUntil(() => dt.stream.list(app.appKey).length === 1);
    const r = await click('c-5', rep.userId, 'accept');
    expect(r.body).toMatchObject({ ok: true, delivered: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'actionCallback', outTrackId: 'c-5', userId: rep.userId, spaceId: group.openConversationId });
    const card = dt.org.cards.get('c-5')!;
    expect(card.cardData.status).toBe('accepted');
    expect(card.privateData).toEqual({ [rep.userId]: { toast: '你点了 accept' } });
    // the registration named the card topic, and the client echoes pings
    await emu.control('POST', '/dingtalk/settings', { ping_ms: 50 });
    await waitUntil(() => dt.stream.stats.pongs >= 2);
    expect(dt.stream.list(app.appKey)[0]!.subscriptions).toContainEqual({ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' });
    // someone outside the group cannot click it
    const stranger = dt.org.addUser({ name: '路人' });
    expect((await click('c-5', stranger.userId, 'accept')).body).toMatchObject({ ok: false, delivered: false });
  });

  it('a callback delivered twice (after its ack, or again because the ack was late) is acted on once, every delivery acked', async () => {
    await deliver('c-6');
    const seen = connect({ delayMs: 400 });
    await waitUntil(() => dt.stream.list(app.appKey).length === 1);
    await emu.control('POST', '/dingtalk/settings', { duplicate_after_ack: true, redeliver_ms: 150 });
    const r = await click('c-6', rep.userId, 'accept');
    expect(r.body).toMatchObject({ ok: true, delivered: true });
    await waitUntil(() => stream!.stats.duplicates >= 2); // one redelivery while it worked, one duplicate after the ack
    expect(seen).toHaveLength(1);
    expect(dt.stream.stats.redeliveries).toBeGreaterThanOrEqual(1);
    expect(stream!.stats).toMatchObject({ callbacks: 1 });
  });

  it('handshakes refused: attempts wait longer each time (capped), and it connects once they are taken again', async () => {
    await emu.control('POST', '/dingtalk/settings', { refuse_handshake: true });
    connect({ baseMs: 100, capMs: 800 });
    await new Promise((r) => setTimeout(r, 3_000));
    const refused = dt.stream.stats.handshakeRefusals;
    // waits of 50–100, 100–200, 200–400, 400–800, then 400–800 ms: about 6 to 9 in 3 s; the published client would make thousands
    expect(refused).toBeGreaterThanOrEqual(4);
    expect(refused).toBeLessThanOrEqual(12);
    expect(stream!.stats.attempts).toBe(refused + (stream!.connected() ? 1 : 0));
    await emu.control('POST', '/dingtalk/settings', { refuse_handshake: false });
    await waitUntil(() => stream!.connected(), 3_000);
    expect(dt.stream.list(app.appKey)).toHaveLength(1);
  });

  it('a registration refused (503) is retried the same way; a SYSTEM disconnect opens the new socket before the old one closes', async () => {
    await emu.control('POST', '/dingtalk/settings', { refuse_open_status: 503 });
    connect();
    await waitUntil(() => dt.stream.stats.openRefusals >= 3);
    await emu.control('POST', '/dingtalk/settings', { refuse_open_status: null, disconnect_grace_ms: 2_000 });
    await waitUntil(() => stream!.connected(), 3_000);
    expect(dt.stream.stats.handshakes).toBe(1);

    expect((await emu.control('POST', '/dingtalk/disconnect', {})).body).toEqual({ disconnected: 1 });
    // the new socket opens while the old one is still there (DingTalk keeps it for the grace period), then the old one goes
    // (a closing socket leaves the list before its close is recorded: wait for the record)
    await waitUntil(() => dt.stream.stats.handshakes === 2 && dt.stream.list(app.appKey).length === 1 && dt.stream.history[0]?.closedAt !== undefined, 4_000);
    const [old, fresh] = dt.stream.history;
    expect(fresh!.openedAt).toBeLessThanOrEqual(old!.closedAt!);
    await deliver('c-7');
    expect((await click('c-7', boss.userId, 'accept')).body).toMatchObject({ ok: true, delivered: true });
  });

  it('a dropped socket is noticed and reopened', async () => {
    connect();
    await waitUntil(() => stream!.connected());
    expect((await emu.control('POST', '/dingtalk/drop', {})).body).toEqual({ dropped: 1 });
    await waitUntil(() => dt.stream.stats.handshakes === 2 && stream!.connected(), 5_000);
    await deliver('c-8');
    expect((await click('c-8', rep.userId, 'accept')).body).toMatchObject({ ok: true });
  });
});
