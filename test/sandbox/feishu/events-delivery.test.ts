import * as lark from '@larksuiteoapi/node-sdk';
import { createDecipheriv, createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsModule } from '../../../src/sandbox/feishu/events/module.js';
import { getEvents } from '../../../src/sandbox/feishu/events/service.js';
import type { RecordChanged } from '../../../src/sandbox/feishu/kernel/bus.js';
import { startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';
import { startWebhook, waitUntil, type RecordedRequest, type TestWebhook } from '../../support/webhook-server.js';

const ENCRYPT_KEY = 'lj-encrypt-key-1';
const VTOKEN = 'lj-verification-token';
const BASE = 'bascnEmuLeadJourney00000001';
const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {} };

/** Independent of the emulator's code: verify and decrypt with node:crypto only (§3.3–3.4). */
function verifyAndDecrypt(req: RecordedRequest, key: string): Record<string, any> {
  const ts = req.headers['x-lark-request-timestamp'] as string;
  const nonce = req.headers['x-lark-request-nonce'] as string;
  const expected = createHash('sha256')
    .update(ts + nonce + key)
    .update(Buffer.from(req.raw, 'utf8'))
    .digest('hex');
  expect(req.headers['x-lark-signature']).toBe(expected);
  const blob = Buffer.from((JSON.parse(req.raw) as { encrypt: string }).encrypt, 'base64');
  const d = createDecipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), blob.subarray(0, 16));
  return JSON.parse(Buffer.concat([d.update(blob.subarray(16)), d.final()]).toString('utf8'));
}

function change(over: Partial<RecordChanged> = {}): RecordChanged {
  return {
    appToken: BASE,
    tableId: 'tblLeads0000000A',
    revision: 7,
    operatorOpenId: 'ou_unknown',
    actions: [
      {
        record_id: 'recAAA',
        action: 'record_edited',
        before_value: [{ field_id: 'fldStage01', field_value: '"optNew0001"' }],
        after_value: [{ field_id: 'fldStage01', field_value: '"optMQL0001"' }],
      },
    ],
    at: 1_717_040_601_234,
    ...over,
  };
}

describe('events: subscription and record-change delivery (docs/platform/feishu.md#3-events)', () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;

  beforeEach(async () => {
    hook = await startWebhook();
    emu = await startEmulator({ modules: [eventsModule], app: { encrypt_key: ENCRYPT_KEY, verification_token: VTOKEN, event_url: hook.url } });
  });
  afterEach(async () => {
    await emu.stop();
    await hook.close();
  });

  it('subscribe / get_subscribe / delete_subscribe through the SDK', async () => {
    const file = emu.client.drive.v1.file;
    expect(await file.getSubscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } })).toMatchObject({ code: 0, data: { is_subscribe: false } });
    expect(await file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } })).toMatchObject({ code: 0, msg: 'success', data: {} });
    expect(await file.getSubscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } })).toMatchObject({ code: 0, data: { is_subscribe: true } });
    expect(await file.deleteSubscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } })).toMatchObject({ code: 0 });
    expect(await file.getSubscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } })).toMatchObject({ code: 0, data: { is_subscribe: false } });
  });

  it('file_type is required (HTTP 400, 99992402 with the field named)', async () => {
    const err = await emu.client.request({ method: 'POST', url: `/open-apis/drive/v1/files/${BASE}/subscribe` }).catch((e: any) => e);
    expect(err.response.status).toBe(400);
    expect(err.response.data).toMatchObject({ code: 99992402, msg: 'field validation failed', error: { field_violations: [{ field: 'file_type' }] } });
  });

  it('only subscribed bases emit; the delivered event verifies, decrypts and matches §3.6', async () => {
    const events = getEvents(emu.emu.kernel);
    const alice = emu.emu.kernel.directory.addUser({ name: '王小明', en_name: 'Alice' });
    emu.emu.kernel.bus.emit('bitable.record_changed', change({ operatorOpenId: alice.open_id }));
    await events.idle();
    expect(hook.requests).toHaveLength(0);
    expect(events.deliveries()).toHaveLength(0);

    await emu.client.drive.v1.file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } });
    emu.emu.kernel.bus.emit('bitable.record_changed', change({ operatorOpenId: alice.open_id }));
    const [req] = await hook.waitFor(1);
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(JSON.parse(req!.raw))).toEqual(['encrypt']);
    const env = verifyAndDecrypt(req!, ENCRYPT_KEY);
    expect(env).toEqual({
      schema: '2.0',
      header: {
        event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        event_type: 'drive.file.bitable_record_changed_v1',
        create_time: expect.stringMatching(/^\d{13}$/),
        token: VTOKEN,
        app_id: emu.app.app_id,
        tenant_key: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
      event: {
        file_type: 'bitable',
        file_token: BASE,
        table_id: 'tblLeads0000000A',
        revision: 7,
        operator_id: { open_id: alice.open_id, union_id: alice.union_id, user_id: alice.user_id },
        action_list: change().actions,
        subscriber_id_list: [],
        update_time: 1_717_040_601,
      },
    });
    // The signature timestamp is seconds on the emulator clock.
    expect(Math.abs(Number(req!.headers['x-lark-request-timestamp']) - Math.floor(emu.emu.kernel.clock.now() / 1000))).toBeLessThanOrEqual(1);
    await waitUntil(() => events.deliveries()[0]?.state === 'acked', 2000, 'ack');
  });

  it('the SDK EventDispatcher verifies and flattens what was sent; each event gets a fresh event_id', async () => {
    await emu.client.drive.v1.file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } });
    const bot = emu.app.bot_open_id;
    emu.emu.kernel.bus.emit('bitable.record_changed', change({ operatorOpenId: bot, viaAppId: emu.app.app_id }));
    emu.emu.kernel.bus.emit('bitable.record_changed', change({ revision: 8 }));
    const reqs = await hook.waitFor(2);
    const got: any[] = [];
    const d = new lark.EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: VTOKEN, logger: silent, loggerLevel: lark.LoggerLevel.error }).register({
      'drive.file.bitable_record_changed_v1': async (data: any) => void got.push(data),
    });
    for (const r of reqs) await d.invoke(Object.assign(Object.create({ headers: r.headers }), JSON.parse(r.raw)));
    expect(got).toHaveLength(2);
    expect(got.map((g) => g.token)).toEqual([VTOKEN, VTOKEN]);
    expect(new Set(got.map((g) => g.event_id)).size).toBe(2);
    const byRev = Object.fromEntries(got.map((g) => [g.revision, g]));
    // A write made with the tenant token reports the app's bot, which has only an open_id.
    expect(byRev[7].operator_id).toEqual({ open_id: bot });
    expect(byRev[8].file_token).toBe(BASE);
  });

  it('plain JSON without an Encrypt Key; header.token still carries the Verification Token', async () => {
    emu.emu.kernel.apps.update(emu.app.app_id, { encrypt_key: '' });
    await emu.client.drive.v1.file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } });
    emu.emu.kernel.bus.emit('bitable.record_changed', change());
    const [req] = await hook.waitFor(1);
    const body = JSON.parse(req!.raw);
    expect(body.schema).toBe('2.0');
    expect(body.header.token).toBe(VTOKEN);
    expect(req!.headers['x-lark-signature']).toBeUndefined();
    expect(JSON.stringify(body)).toBe(req!.raw); // compact JSON: re-serialising gives the same bytes
  });

  it('delivers to every subscribed app, each with its own event_id and token', async () => {
    const hook2 = await startWebhook();
    try {
      const other = emu.emu.kernel.apps.add({ verification_token: 'vt-2', event_url: hook2.url });
      const events = getEvents(emu.emu.kernel);
      events.subscriptions.add({ app_id: other.app_id, file_token: BASE, file_type: 'bitable', created_at: 0 });
      await emu.client.drive.v1.file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } });
      emu.emu.kernel.bus.emit('bitable.record_changed', change());
      const [a] = await hook.waitFor(1);
      const [b] = await hook2.waitFor(1);
      const ea = verifyAndDecrypt(a!, ENCRYPT_KEY);
      const eb = JSON.parse(b!.raw);
      expect(ea.header.app_id).toBe(emu.app.app_id);
      expect(eb.header).toMatchObject({ app_id: other.app_id, token: 'vt-2' });
      expect(ea.header.event_id).not.toBe(eb.header.event_id);
    } finally {
      await hook2.close();
    }
  });

  it('delivery log on the control API keeps attempts with the bytes as sent', async () => {
    await emu.client.drive.v1.file.subscribe({ path: { file_token: BASE }, params: { file_type: 'bitable' } });
    emu.emu.kernel.bus.emit('bitable.record_changed', change());
    const [req] = await hook.waitFor(1);
    await getEvents(emu.emu.kernel).idle();
    const { status, body } = await emu.control<any[]>('GET', `/events/deliveries?app_id=${emu.app.app_id}`);
    expect(status).toBe(200);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ event_type: 'drive.file.bitable_record_changed_v1', state: 'acked', encrypted: true });
    expect(body[0].attempts).toHaveLength(1);
    expect(body[0].attempts[0]).toMatchObject({ n: 1, kind: 'first', status: 200, acked: true, body: req!.raw, url: hook.url });
    expect(body[0].attempts[0].headers['x-lark-signature']).toBe(req!.headers['x-lark-signature']);
    const one = await emu.control<any>('GET', `/events/deliveries/${body[0].event_id}`);
    expect(one.body.envelope.header.event_id).toBe(body[0].event_id);
    expect((await emu.control('GET', '/events/deliveries/nope')).status).toBe(404);
  });

  it('control bodies are validated', async () => {
    const r = await emu.control<any>('POST', '/events/settings', { ack_timeout_ms: -1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_body');
    expect(r.body.issues[0].path).toEqual(['ack_timeout_ms']);
    expect((await emu.control('POST', '/events/redeliver-acked', { enabled: 'yes' })).status).toBe(400);
    expect((await emu.control('POST', '/events/url-verification', {})).status).toBe(400);
  });
});
