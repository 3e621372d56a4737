import type * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imModule } from '../../../src/sandbox/feishu/im/module.js';
import { getIm } from '../../../src/sandbox/feishu/im/service.js';
import type { EmuChat, EmuUser } from '../../../src/sandbox/feishu/kernel/directory.js';
import { createMapCache, sdkClient, startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';

const T0 = 1_760_000_000_000;
const DAY = 24 * 60 * 60_000;

const card = (over: Record<string, unknown> = {}) => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: 'New lead: ACME' }, template: 'blue' },
  body: { elements: [{ tag: 'markdown', content: '**Owner:** cc <at id=all></at>' }] },
  ...over,
});

/** The SDK throws on non-2xx (§5.4); return the HTTP status, body and headers instead. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: any; headers: Record<string, string> }> {
  try {
    const r = await p;
    throw new Error(`expected an HTTP error, got ${JSON.stringify(r)}`);
  } catch (e: any) {
    if (!e.response) throw e;
    return { status: e.response.status, data: e.response.data, headers: e.response.headers };
  }
}

describe('IM messages through the SDK (docs/platform/feishu.md §4.1, §4.3)', () => {
  let emu: StartedEmulator;
  let alice: EmuUser;
  let bob: EmuUser;
  let chat: EmuChat;
  let client: lark.Client;

  beforeEach(async () => {
    emu = await startEmulator({ modules: [imModule], clock: { frozenAt: T0 } });
    const dir = emu.emu.kernel.directory;
    bob = dir.addUser({ name: '李经理', en_name: 'Bob Li', email: 'bob@example.com' });
    alice = dir.addUser({ name: '王小明', en_name: 'Alice Wang', leader_open_id: bob.open_id, job_title: 'SDR', department_ids: ['od-sales'] });
    chat = dir.addChat({ name: '销售一组', members: [alice.open_id, bob.open_id], bots: [emu.app.app_id] });
    client = emu.client;
  });
  afterEach(() => emu.stop());

  const send = (content: string, extra: Record<string, unknown> = {}, c: lark.Client = client) =>
    c.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat.chat_id, msg_type: 'interactive', content, ...extra } });
  const sendCard = (content: string) => send(content);
  /** A client whose token cache the test can clear after moving the clock past the 2 h token lifetime. */
  const clientFor = (app: { app_id: string; app_secret: string }) => {
    const cache = createMapCache();
    return { cache, client: sdkClient(emu.url, app, { cache }) };
  };

  it('sends a card: om_ id, ms create_time string, sender_type app; mentions and the card are kept', async () => {
    const c = card({ body: { elements: [{ tag: 'markdown', content: `**Owner:** <at id=${alice.open_id}></at> cc <at id=all></at>` }] } });
    const res = await send(JSON.stringify(c));
    expect(res.code).toBe(0);
    expect(res.data).toMatchObject({
      message_id: expect.stringMatching(/^om_[0-9a-f]{32}$/),
      chat_id: chat.chat_id,
      msg_type: 'interactive',
      create_time: String(T0),
      update_time: String(T0),
      deleted: false,
      updated: false,
      sender: { id: emu.app.app_id, id_type: 'app_id', sender_type: 'app', tenant_key: expect.any(String) },
      body: { content: JSON.stringify(c) },
    });
    const stored = await emu.control<any>('GET', `/im/messages/${res.data!.message_id}`);
    expect(stored.body.mentions).toEqual([
      { key: '@_user_1', id: alice.open_id, id_type: 'open_id', name: '王小明', open_id: alice.open_id },
      { key: '@_user_2', id: 'all', id_type: 'all', name: '所有人' },
    ]);
    expect(stored.body.versions).toHaveLength(1);
    expect(stored.body.versions[0]).toMatchObject({ version: 1, source: 'send', kind: 'v2', card: c });
    const listed = await emu.control<any[]>('GET', `/im/chats/${chat.chat_id}/messages`);
    expect(listed.body.map((m) => m.message_id)).toEqual([res.data!.message_id]);

    const got = await client.im.v1.message.get({ path: { message_id: res.data!.message_id! } });
    expect(got.data!.items![0]).toMatchObject({ message_id: res.data!.message_id, body: { content: JSON.stringify(c) }, sender: { sender_type: 'app' } });
  });

  it('text messages to a user (open_id / email) go to a one-to-one chat and report mentions', async () => {
    const a = await client.im.v1.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: alice.open_id, msg_type: 'text', content: JSON.stringify({ text: `hi <at user_id="${bob.open_id}">Bob</at>` }) } });
    const b = await client.im.v1.message.create({ params: { receive_id_type: 'email' }, data: { receive_id: 'bob@example.com', msg_type: 'text', content: JSON.stringify({ text: 'yo' }) } });
    expect(a.code).toBe(0);
    expect(a.data!.chat_id).toMatch(/^oc_/);
    expect(a.data!.chat_id).not.toBe(chat.chat_id);
    expect(b.data!.chat_id).not.toBe(a.data!.chat_id);
    expect(a.data!.mentions).toEqual([{ key: '@_user_1', id: bob.open_id, id_type: 'open_id', name: '李经理', tenant_key: a.data!.sender!.tenant_key }]);
  });

  it('receive_id_type is required; content must be a string (HTTP 400, 99992402)', async () => {
    const noType = await failure(client.request({ method: 'POST', url: '/open-apis/im/v1/messages', data: { receive_id: chat.chat_id, msg_type: 'text', content: '{"text":"x"}' } }));
    expect(noType.status).toBe(400);
    expect(noType.data).toMatchObject({ code: 99992402, error: { field_violations: [{ field: 'receive_id_type', description: 'receive_id_type is required' }] } });
    const objContent = await failure(send(card() as unknown as string));
    expect(objContent.status).toBe(400);
    expect(objContent.data).toMatchObject({ code: 99992402, error: { field_violations: [{ field: 'content' }] } });
    expect(getIm(emu.emu.kernel).messages()).toHaveLength(0);
  });

  it('230002 when the bot is not in the chat; 230001 for an unknown chat', async () => {
    const elsewhere = emu.emu.kernel.directory.addChat({ name: 'no bot here', members: [alice.open_id] });
    const e = await failure(client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: elsewhere.chat_id, msg_type: 'text', content: '{"text":"x"}' } }));
    expect(e.status).toBe(400);
    expect(e.data).toMatchObject({ code: 230002, msg: 'Bot/User can NOT be out of the chat.', error: { log_id: expect.any(String) } });
    expect(e.headers['x-tt-logid']).toBe(e.data.error.log_id);
    const u = await failure(client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_nope', msg_type: 'text', content: '{"text":"x"}' } }));
    expect(u.data).toMatchObject({ code: 230001, msg: 'Your request contains an invalid request parameter, ext=invalid receive_id.' });
  });

  it('230025 above 30 KB of card content; 30 KB exactly is fine', async () => {
    const pad = (bytes: number) => {
      const base = JSON.stringify(card({ body: { elements: [{ tag: 'markdown', content: '' }] } }));
      return JSON.stringify(card({ body: { elements: [{ tag: 'markdown', content: 'x'.repeat(bytes - base.length) }] } }));
    };
    expect(Buffer.byteLength(pad(30 * 1024))).toBe(30 * 1024);
    expect((await send(pad(30 * 1024))).code).toBe(0);
    const e = await failure(send(pad(30 * 1024 + 1)));
    expect(e.status).toBe(400);
    expect(e.data.code).toBe(230025);
  });

  it('card checks: ≤200 elements, schema 2.0 body, form rules (230099)', async () => {
    // Each call counts against the chat's 5/s, refused or not; step the frozen clock between them.
    const send = (content: string) => {
      emu.emu.kernel.clock.advance(1000);
      return sendCard(content);
    };
    const many = (n: number) => JSON.stringify(card({ body: { elements: Array.from({ length: n }, () => ({ tag: 'hr' })) } }));
    expect((await send(many(200))).code).toBe(0);
    const tooMany = await failure(send(many(201)));
    expect(tooMany.data).toMatchObject({ code: 230099 });
    expect(tooMany.data.msg).toContain('at most 200');
    const noBody = await failure(send(JSON.stringify({ schema: '2.0', elements: [{ tag: 'hr' }] })));
    expect(noBody.data.msg).toContain('body.elements');
    const nested = await failure(send(JSON.stringify(card({ body: { elements: [{ tag: 'form', name: 'f', elements: [{ tag: 'form', name: 'g', elements: [] }] }] } }))));
    expect(nested.data.msg).toContain('cannot contain another form');
    const unnamed = await failure(send(JSON.stringify(card({ body: { elements: [{ tag: 'form', name: 'f', elements: [{ tag: 'input' }] }] } }))));
    expect(unnamed.data.msg).toContain('needs a name');
    const notJson = await failure(send('{"schema":'));
    expect(notJson.data.code).toBe(230099);
  });

  it('uuid: one message per uuid within 1 h, then a new one', async () => {
    const a = await send(JSON.stringify(card()), { uuid: 'lead-42-assigned' });
    emu.emu.kernel.clock.advance(30 * 60_000);
    const b = await send(JSON.stringify(card()), { uuid: 'lead-42-assigned' });
    expect(b.data!.message_id).toBe(a.data!.message_id);
    expect(getIm(emu.emu.kernel).messages({ chat_id: chat.chat_id })).toHaveLength(1);
    emu.emu.kernel.clock.advance(30 * 60_000);
    const c = await send(JSON.stringify(card()), { uuid: 'lead-42-assigned' });
    expect(c.data!.message_id).not.toBe(a.data!.message_id);
    expect(getIm(emu.emu.kernel).messages({ chat_id: chat.chat_id })).toHaveLength(2);
  });

  it('per-chat 5/s shared by every bot → 230020 (HTTP 400, the send-message error table), until the second turns', async () => {
    const other = emu.emu.kernel.apps.add({ name: 'Other bot' });
    chat.bots.push(other.app_id);
    const client2 = clientFor(other).client;
    for (let i = 0; i < 3; i++) expect((await send(JSON.stringify(card()))).code).toBe(0);
    for (let i = 0; i < 2; i++) expect((await send(JSON.stringify(card()), {}, client2)).code).toBe(0);
    const e = await failure(send(JSON.stringify(card()), {}, client2));
    expect(e.status).toBe(400);
    expect(e.data).toMatchObject({ code: 230020, msg: 'This operation triggers the frequency limit.' });
    // another chat is not affected
    const chat2 = emu.emu.kernel.directory.addChat({ name: 'g2', members: [alice.open_id], bots: [emu.app.app_id] });
    expect((await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat2.chat_id, msg_type: 'text', content: '{"text":"x"}' } })).code).toBe(0);
    emu.emu.kernel.clock.advance(1000);
    expect((await send(JSON.stringify(card()))).code).toBe(0);
  });

  describe('PATCH (§4.3)', () => {
    it('updates an interactive message of the same app and keeps the versions', async () => {
      const sent = await send(JSON.stringify(card()));
      const id = sent.data!.message_id!;
      emu.emu.kernel.clock.advance(5000);
      const v2 = card({ header: { title: { tag: 'plain_text', content: 'Accepted' }, template: 'green' } });
      const res = await client.im.v1.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(v2) } });
      expect(res).toMatchObject({ code: 0, msg: 'success' });
      const versions = await emu.control<any[]>('GET', `/im/messages/${id}/versions`);
      expect(versions.body.map((v) => [v.version, v.source, v.at])).toEqual([
        [1, 'send', T0],
        [2, 'patch', T0 + 5000],
      ]);
      expect(versions.body[1].card).toEqual(v2);
      const got = await client.im.v1.message.get({ path: { message_id: id } });
      expect(got.data!.items![0]).toMatchObject({ updated: true, update_time: String(T0 + 5000), body: { content: JSON.stringify(v2) } });
    });

    it('refuses another app’s message, a text message, and messages older than 14 days', async () => {
      const other = emu.emu.kernel.apps.add({ name: 'Other bot' });
      chat.bots.push(other.app_id);
      const client2 = clientFor(other).client;
      const theirs = await send(JSON.stringify(card()), {}, client2);
      const e1 = await failure(client.im.v1.message.patch({ path: { message_id: theirs.data!.message_id! }, data: { content: JSON.stringify(card()) } }));
      expect(e1.status).toBe(400);
      expect(e1.data.code).toBe(230001);
      expect(e1.data.msg).toContain('not sent by this app');

      const text = await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat.chat_id, msg_type: 'text', content: '{"text":"x"}' } });
      const e2 = await failure(client.im.v1.message.patch({ path: { message_id: text.data!.message_id! }, data: { content: JSON.stringify(card()) } }));
      expect(e2.data.code).toBe(230001);
      expect(e2.data.msg).toContain('interactive');

      const fresh = clientFor(emu.app);
      const mine = await send(JSON.stringify(card()));
      emu.emu.kernel.clock.advance(14 * DAY);
      expect((await fresh.client.im.v1.message.patch({ path: { message_id: mine.data!.message_id! }, data: { content: JSON.stringify(card()) } })).code).toBe(0);
      emu.emu.kernel.clock.advance(1);
      const e3 = await failure(fresh.client.im.v1.message.patch({ path: { message_id: mine.data!.message_id! }, data: { content: JSON.stringify(card()) } }));
      expect(e3.status).toBe(400);
      expect(e3.data).toMatchObject({ code: 230031, msg: 'Message can only be modified within 14 days after sending.' });

      const unknown = await failure(fresh.client.im.v1.message.patch({ path: { message_id: 'om_nope' }, data: { content: '{}' } }));
      expect(unknown.data).toMatchObject({ code: 230001, msg: 'Your request contains an invalid request parameter, ext=invalid message_id.' });
    });

    it('5 updates per second per message, then 230020', async () => {
      const sent = await send(JSON.stringify(card()));
      const id = sent.data!.message_id!;
      for (let i = 0; i < 5; i++) expect((await client.im.v1.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(card()) } })).code).toBe(0);
      const e = await failure(client.im.v1.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(card()) } }));
      expect(e.status).toBe(400);
      expect(e.data.code).toBe(230020);
      emu.emu.kernel.clock.advance(1000);
      expect((await client.im.v1.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(card()) } })).code).toBe(0);
      expect(getIm(emu.emu.kernel).message(id)!.versions).toHaveLength(7);
    });
  });

  describe('chats and contact', () => {
    it('chat get and members list', async () => {
      const got = await client.im.v1.chat.get({ path: { chat_id: chat.chat_id } });
      expect(got.data).toMatchObject({ name: '销售一组', user_count: '2', bot_count: '1', chat_mode: 'group' });
      const members = await client.im.v1.chatMembers.get({ path: { chat_id: chat.chat_id }, params: { member_id_type: 'user_id', page_size: 1 } });
      expect(members.data).toMatchObject({ items: [{ member_id_type: 'user_id', member_id: alice.user_id, name: '王小明' }], has_more: true, member_total: 2 });
      const page2 = await client.im.v1.chatMembers.get({ path: { chat_id: chat.chat_id }, params: { member_id_type: 'user_id', page_size: 1, page_token: members.data!.page_token! } });
      expect(page2.data).toMatchObject({ items: [{ member_id: bob.user_id }], has_more: false });
      expect(page2.data!.page_token).toBeUndefined();
      const lonely = emu.emu.kernel.directory.addChat({ name: 'x', members: [] });
      const e = await failure(client.im.v1.chat.get({ path: { chat_id: lonely.chat_id } }));
      expect(e.data.code).toBe(232011);
    });

    it('contact user get with leader in the requested id type', async () => {
      const byOpen = await client.contact.v3.user.get({ path: { user_id: alice.open_id }, params: { user_id_type: 'open_id' } });
      expect(byOpen.data!.user).toMatchObject({
        open_id: alice.open_id,
        union_id: alice.union_id,
        user_id: alice.user_id,
        name: '王小明',
        en_name: 'Alice Wang',
        leader_user_id: bob.open_id,
        job_title: 'SDR',
        department_ids: ['od-sales'],
        status: { is_activated: true, is_resigned: false },
      });
      const byUserId = await client.contact.v3.user.get({ path: { user_id: alice.user_id }, params: { user_id_type: 'user_id' } });
      expect(byUserId.data!.user!.leader_user_id).toBe(bob.user_id);
      const noLeader = await client.contact.v3.user.get({ path: { user_id: bob.open_id } });
      expect(noLeader.data!.user!.leader_user_id).toBeUndefined();
      expect(noLeader.data!.user!.email).toBe('bob@example.com');
      const e = await failure(client.contact.v3.user.get({ path: { user_id: 'ou_missing' }, params: { user_id_type: 'open_id' } }));
      expect(e.status).toBe(400);
      expect(e.data.code).toBe(99992352);
    });
  });
});
