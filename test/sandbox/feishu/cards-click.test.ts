import * as lark from '@larksuiteoapi/node-sdk';
import { createDecipheriv, createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imModule } from '../../../src/sandbox/feishu/im/module.js';
import { getIm } from '../../../src/sandbox/feishu/im/service.js';
import type { EmuChat, EmuUser } from '../../../src/sandbox/feishu/kernel/directory.js';
import { quietLogger, sdkClient, startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';
import { startWebhook, type RecordedRequest, type Responder, type TestWebhook } from '../../support/webhook-server.js';

const KEY = 'card-encrypt-key';
const VTOKEN = 'card-verification-token';
const silent = quietLogger();

/** An example card (docs/platform/feishu.md#42-card-json-20): a callback button and an approval form. */
const leadCard = (recordId = 'recLead0001') => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: 'New lead: ACME' }, template: 'blue' },
  body: {
    elements: [
      { tag: 'markdown', content: '**Owner:** <at id=all></at>' },
      {
        tag: 'column_set',
        columns: [
          {
            tag: 'column',
            width: 'weighted',
            weight: 1,
            elements: [{ tag: 'button', element_id: 'accept', text: { tag: 'plain_text', content: 'Accept' }, type: 'primary', behaviors: [{ type: 'callback', value: { op: 'accept', record_id: recordId, v: 3 } }] }],
          },
          {
            tag: 'column',
            width: 'weighted',
            weight: 1,
            elements: [
              { tag: 'button', element_id: 'return', text: { tag: 'plain_text', content: 'Return' }, behaviors: [{ type: 'callback', value: { op: 'return', record_id: recordId } }] },
              { tag: 'button', element_id: 'open', text: { tag: 'plain_text', content: 'Open' }, behaviors: [{ type: 'open_url', default_url: 'https://example.com' }] },
            ],
          },
        ],
      },
      {
        tag: 'form',
        name: 'approve_form',
        elements: [
          {
            tag: 'select_static',
            name: 'reason',
            required: true,
            placeholder: { tag: 'plain_text', content: 'Reason' },
            options: [
              { text: { tag: 'plain_text', content: 'Budget OK' }, value: 'budget' },
              { text: { tag: 'plain_text', content: 'Timing' }, value: 'timing' },
            ],
          },
          { tag: 'input', name: 'note', placeholder: { tag: 'plain_text', content: 'Note' }, max_length: 200 },
          { tag: 'button', name: 'approve_btn', form_action_type: 'submit', type: 'primary', text: { tag: 'plain_text', content: 'Approve SQL' }, behaviors: [{ type: 'callback', value: { op: 'approve', record_id: recordId } }] },
          { tag: 'button', name: 'reset_btn', form_action_type: 'reset', text: { tag: 'plain_text', content: 'Clear' } },
        ],
      },
    ],
  },
});

const accepted = { schema: '2.0', config: { update_multi: true }, header: { title: { tag: 'plain_text', content: 'Accepted by Alice' }, template: 'green' }, body: { elements: [{ tag: 'markdown', content: 'done' }] } };

/** Independent check of the callback's signature and decryption with node:crypto (§3.3–3.4, §4.4). */
function openCallback(req: RecordedRequest): any {
  const h = req.headers;
  expect(h['x-lark-signature']).toBe(createHash('sha256').update(`${h['x-lark-request-timestamp']}${h['x-lark-request-nonce']}${KEY}`).update(req.raw).digest('hex'));
  const blob = Buffer.from(JSON.parse(req.raw).encrypt, 'base64');
  const d = createDecipheriv('aes-256-cbc', createHash('sha256').update(KEY).digest(), blob.subarray(0, 16));
  return JSON.parse(Buffer.concat([d.update(blob.subarray(16)), d.final()]).toString('utf8'));
}

describe('card clicks → card.action.trigger (docs/platform/feishu.md §4.4, §4.6)', () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;
  let alice: EmuUser;
  let carol: EmuUser;
  let chat: EmuChat;
  let messageId: string;

  const click = (body: Record<string, unknown>) => emu.control<any>('POST', '/cards/click', { message_id: messageId, operator_open_id: alice.open_id, ...body });

  beforeEach(async () => {
    hook = await startWebhook();
    emu = await startEmulator({ modules: [imModule], clock: { frozenAt: 1_760_000_000_000 }, app: { encrypt_key: KEY, verification_token: VTOKEN, card_url: hook.url } });
    alice = emu.emu.kernel.directory.addUser({ name: '王小明', en_name: 'Alice' });
    carol = emu.emu.kernel.directory.addUser({ name: '外人', en_name: 'Carol' });
    chat = emu.emu.kernel.directory.addChat({ name: '销售一组', members: [alice.open_id], bots: [emu.app.app_id] });
    const sent = await emu.client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat.chat_id, msg_type: 'interactive', content: JSON.stringify(leadCard()) } });
    messageId = sent.data!.message_id!;
  });
  afterEach(async () => {
    await emu.stop();
    await hook.close();
  });

  it('a button click posts a signed, encrypted v2 callback with value, operator and context', async () => {
    const r = await click({ element_id: 'accept' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ delivered: true, ok: true, status: 200, element: { tag: 'button', element_id: 'accept' } });
    expect(hook.requests).toHaveLength(1);
    const env = openCallback(hook.requests[0]!);
    expect(env).toEqual({
      schema: '2.0',
      header: { event_id: expect.stringMatching(/^[0-9a-f]{32}$/), event_type: 'card.action.trigger', create_time: '1760000000000', token: VTOKEN, app_id: emu.app.app_id, tenant_key: expect.any(String) },
      event: {
        operator: { tenant_key: env.header.tenant_key, open_id: alice.open_id, union_id: alice.union_id, user_id: alice.user_id },
        token: expect.stringMatching(/^c-[0-9a-f]{40}$/),
        action: { tag: 'button', value: { op: 'accept', record_id: 'recLead0001', v: 3 } },
        host: 'im_message',
        context: { open_message_id: messageId, open_chat_id: chat.chat_id },
      },
    });
    expect(r.body.token).toBe(env.event.token);
    expect(hook.requests[0]!.headers['x-lark-request-timestamp']).toBe('1760000000');
  });

  it('a card can be clicked for 14 days after it was sent (card JSON 2.0 release notes); after that the click is refused and nothing reaches the app', async () => {
    emu.emu.kernel.clock.advance(14 * 86_400_000);
    expect((await click({ element_id: 'accept' })).body).toMatchObject({ delivered: true });
    emu.emu.kernel.clock.advance(1);
    const late = await click({ element_id: 'accept' });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: 'click_rejected', message: expect.stringContaining('card expired') });
    expect(hook.requests).toHaveLength(1);
  });

  it('the SDK CardActionHandler verifies it; its toast and raw card are applied as a new version', async () => {
    const seen: any[] = [];
    const handler = new lark.CardActionHandler({ encryptKey: KEY, verificationToken: VTOKEN, logger: silent, loggerLevel: lark.LoggerLevel.error }, async (data: any) => {
      seen.push(data);
      return { toast: { type: 'success', content: 'Accepted', i18n: { zh_cn: '已接受', en_us: 'Accepted' } }, card: { type: 'raw', data: accepted } };
    });
    hook.respond(async (req) => {
      const out = await handler.invoke(Object.assign(Object.create({ headers: req.headers }), JSON.parse(req.raw)));
      return out === undefined ? { status: 401, body: 'bad signature' } : { body: out };
    });
    const r = await click({ text: 'Accept' });
    expect(seen).toHaveLength(1);
    // The SDK flattens header+event: data.token is the c- token, not the Verification Token (§5.3).
    expect(seen[0]).toMatchObject({ token: r.body.token, context: { open_message_id: messageId }, action: { value: { op: 'accept' } } });
    expect(r.body).toMatchObject({ ok: true, toast: { type: 'success', content: 'Accepted', i18n: { zh_cn: '已接受', en_us: 'Accepted' } }, card_version: 2 });
    const versions = await emu.control<any[]>('GET', `/im/messages/${messageId}/versions`);
    expect(versions.body.map((v) => v.source)).toEqual(['send', 'callback']);
    expect(versions.body[1].card).toEqual(accepted);
    const got = await emu.client.im.v1.message.get({ path: { message_id: messageId } });
    expect(JSON.parse(got.data!.items![0]!.body!.content)).toEqual(accepted);
  });

  it('form submit sends form_value and the button name; the SDK EventDispatcher route works too', async () => {
    const seen: any[] = [];
    const d = new lark.EventDispatcher({ encryptKey: KEY, logger: silent, loggerLevel: lark.LoggerLevel.error }).register({
      'card.action.trigger': async (data: any) => {
        seen.push(data);
        return { toast: { type: 'info', content: 'Submitted' } };
      },
    } as never);
    hook.respond(async (req) => ({ body: await d.invoke(Object.assign(Object.create({ headers: req.headers }), JSON.parse(req.raw))) }));
    const r = await click({ name: 'approve_btn', form_value: { reason: 'budget', note: 'ok by finance' } });
    expect(r.body).toMatchObject({ ok: true, toast: { type: 'info', content: 'Submitted' } });
    expect(r.body.card_version).toBeUndefined();
    expect(seen[0].action).toEqual({ tag: 'button', value: { op: 'approve', record_id: 'recLead0001' }, name: 'approve_btn', form_value: { reason: 'budget', note: 'ok by finance' } });
    expect(getIm(emu.emu.kernel).message(messageId)!.versions).toHaveLength(1);
  });

  it('what the client would not send: required field empty, reset, open_url-only button', async () => {
    expect((await click({ name: 'approve_btn', form_value: { note: 'x' } })).body).toMatchObject({ delivered: false, ok: true, reason: expect.stringContaining('required field "reason"') });
    expect((await click({ name: 'reset_btn' })).body).toMatchObject({ delivered: false });
    expect((await click({ element_id: 'open' })).body).toMatchObject({ delivered: false, reason: expect.stringContaining('no callback behavior') });
    expect(hook.requests).toHaveLength(0);
  });

  it('bad clicks are 4xx with readable errors', async () => {
    const notOption = await click({ name: 'approve_btn', form_value: { reason: 'cheap' } });
    expect(notOption.status).toBe(400);
    expect(notOption.body).toMatchObject({ error: 'click_rejected', message: 'form_value.reason: "cheap" is not one of the options ["budget","timing"]' });
    expect((await click({ name: 'approve_btn', form_value: { colour: 'red' } })).body.message).toContain('no field named "colour"');
    expect((await click({ name: 'reason' })).body.message).toContain('inside form');
    const none = await click({ text: 'Nope' });
    expect(none.status).toBe(404);
    expect(none.body.detail.interactive.map((x: any) => x.element_id ?? x.name)).toEqual(['accept', 'return', 'open', 'reason', 'note', 'approve_btn', 'reset_btn']);
    expect((await click({ value: { record_id: 'recLead0001' } })).body.message).toContain('several');
    expect((await emu.control('POST', '/cards/click', { message_id: messageId, operator_open_id: carol.open_id, element_id: 'accept' })).status).toBe(400);
    expect((await emu.control('POST', '/cards/click', { message_id: 'om_nope', operator_open_id: alice.open_id, element_id: 'accept' })).status).toBe(404);
    const noSel = await emu.control<any>('POST', '/cards/click', { message_id: messageId, operator_open_id: alice.open_id });
    expect(noSel.status).toBe(400);
    expect(noSel.body.error).toBe('invalid_body');
    expect(hook.requests).toHaveLength(0);
  });

  it('cards in one-to-one chats: only the peer can click; /im/cards lists sent cards and their components', async () => {
    const dm = await emu.client.im.v1.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: carol.open_id, msg_type: 'interactive', content: JSON.stringify(leadCard('recDm')) } });
    const dmId = dm.data!.message_id!;
    const byAlice = await emu.control<any>('POST', '/cards/click', { message_id: dmId, operator_open_id: alice.open_id, element_id: 'accept' });
    expect(byAlice.status).toBe(400);
    const byCarol = await emu.control<any>('POST', '/cards/click', { message_id: dmId, operator_open_id: carol.open_id, element_id: 'accept' });
    expect(byCarol.body).toMatchObject({ ok: true, delivered: true });
    expect(openCallback(hook.requests[0]!).event.context).toEqual({ open_message_id: dmId, open_chat_id: dm.data!.chat_id });

    const cards = await emu.control<any[]>('GET', `/im/cards?chat_id=${chat.chat_id}`);
    expect(cards.body).toHaveLength(1);
    expect(cards.body[0]).toMatchObject({ message_id: messageId, version: 1, kind: 'v2', card: leadCard() });
    expect(cards.body[0].interactive[0]).toEqual({ path: 'body.elements[1].columns[0].elements[0]', tag: 'button', element_id: 'accept', text: 'Accept', value: { op: 'accept', record_id: 'recLead0001', v: 3 } });
  });

  it('3 s deadline with no retry: a slow app gets 200340 and exactly one request', async () => {
    await emu.control('POST', '/im/settings', { callback_timeout_ms: 150 });
    hook.respond(() => ({ delayMs: 400, body: { toast: { type: 'info', content: 'too late' } } }));
    const r = await click({ element_id: 'accept' });
    expect(r.body).toMatchObject({ delivered: true, ok: false, status: 'timeout', error_code: 200340 });
    expect(r.body.toast).toBeUndefined();
    await new Promise((res) => setTimeout(res, 400));
    emu.emu.kernel.clock.advance(6 * 60 * 60_000);
    expect(emu.emu.kernel.clock.pendingTimers()).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(getIm(emu.emu.kernel).message(messageId)!.versions).toHaveLength(1);

    // The other failures are not about time: back to the documented 3 s so a busy machine cannot turn them into timeouts.
    await emu.control('POST', '/im/settings', { callback_timeout_ms: 3000 });
    hook.respond(() => ({ status: 500 }));
    expect((await click({ element_id: 'accept' })).body).toMatchObject({ ok: false, status: 500, error_code: 200340 });
    hook.respond(() => ({ body: 'not json' }));
    expect((await click({ element_id: 'accept' })).body).toMatchObject({ ok: false, status: 200, error_code: 200340, error: 'callback response is not JSON' });
    emu.emu.kernel.apps.update(emu.app.app_id, { card_url: undefined as unknown as string });
    expect((await click({ element_id: 'accept' })).body).toMatchObject({ delivered: false, ok: false, error_code: 200340 });
    expect(hook.requests).toHaveLength(3);
    const log = await emu.control<any[]>('GET', `/cards/clicks?message_id=${messageId}`);
    expect(log.body.map((c) => c.error_code)).toEqual([200340, 200340, 200340, 200340]);
  });

  it('a bare card answer is ignored with a warning', async () => {
    hook.respond(() => ({ body: accepted }));
    const r = await click({ element_id: 'accept' });
    expect(r.body.ok).toBe(true);
    expect(r.body.warnings[0]).toContain('bare card object');
    hook.respond(() => ({ body: { card: accepted } }));
    expect((await click({ element_id: 'accept' })).body.warnings[0]).toContain('card ignored');
    expect(getIm(emu.emu.kernel).message(messageId)!.versions).toHaveLength(1);
  });

  it('delayed update: the c- token works twice within 30 min, for this app only', async () => {
    const cardUpdate = (token: string, cardJson: unknown, c: lark.Client = emu.client) =>
      c.request({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card: cardJson } }) as Promise<{ code: number; msg: string }>;
    const first = await click({ element_id: 'accept' });
    const token = first.body.token as string;
    expect(await cardUpdate(token, accepted)).toMatchObject({ code: 0 });
    emu.emu.kernel.clock.advance(29 * 60_000);
    expect(await cardUpdate(token, leadCard())).toMatchObject({ code: 0 });
    expect(await cardUpdate(token, accepted)).toMatchObject({ code: 300003 });
    expect(
      getIm(emu.emu.kernel)
        .message(messageId)!
        .versions.map((v) => v.source),
    ).toEqual(['send', 'card_update', 'card_update']);

    const second = await click({ element_id: 'return' });
    emu.emu.kernel.clock.advance(30 * 60_000 + 1);
    const late = clientWithFreshToken();
    expect(await cardUpdate(second.body.token, accepted, late)).toMatchObject({ code: 300002 });

    const third = await click({ element_id: 'return' });
    const other = emu.emu.kernel.apps.add({ name: 'other' });
    const otherClient = sdkClient(emu.url, other);
    expect(await cardUpdate(third.body.token, accepted, otherClient)).toMatchObject({ code: 300001 });
    expect(await cardUpdate('c-forged', accepted, late)).toMatchObject({ code: 300001 });
    // [3rd] 1.0 cards need open_ids
    expect(await cardUpdate(third.body.token, { elements: [{ tag: 'hr' }] }, late)).toMatchObject({ code: 300090 });
    expect(await cardUpdate(third.body.token, { elements: [{ tag: 'hr' }], open_ids: [alice.open_id] }, late)).toMatchObject({ code: 0 });
    expect(getIm(emu.emu.kernel).message(messageId)!.versions.at(-1)).toMatchObject({ source: 'card_update', kind: 'v1', open_ids: [alice.open_id] });
  });

  it('an update made before answering the callback is reverted (delayed-update doc)', async () => {
    const app = { client: emu.client };
    const racer: Responder = async (req) => {
      const token = openCallback(req).event.token;
      await app.client.request({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card: accepted } });
      return { body: {} };
    };
    hook.respond(racer);
    const r = await click({ element_id: 'accept' });
    expect(r.body.ok).toBe(true);
    const versions = getIm(emu.emu.kernel).message(messageId)!.versions;
    expect(versions.map((v) => v.source)).toEqual(['send', 'card_update', 'revert']);
    expect(versions[2]!.card).toEqual(leadCard());
    expect(r.body.card_version).toBe(3);
  });

  function clientWithFreshToken(): lark.Client {
    return sdkClient(emu.url, emu.app);
  }
});
