import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsModule } from '../../../src/sandbox/feishu/events/module.js';
import { startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';
import { startWebhook, type Responder, type TestWebhook } from '../../support/webhook-server.js';

describe('events: url_verification challenge (docs/platform/feishu.md#32-url-verification-challenge)', () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;
  async function setup(responder: Responder, encryptKey?: string) {
    hook = await startWebhook(responder);
    emu = await startEmulator({ modules: [eventsModule], app: { verification_token: 'vt-ch', event_url: hook.url, ...(encryptKey ? { encrypt_key: encryptKey } : {}) } });
  }
  afterEach(async () => {
    await emu?.stop();
    await hook?.close();
  });

  /** What an app does with the SDK: generateChallenge decrypts when needed and builds the echo. */
  const sdkEcho =
    (encryptKey: string): Responder =>
    (req) => {
      const c = lark.generateChallenge(JSON.parse(req.raw), { encryptKey });
      return c.isChallenge ? { body: c.challenge } : { status: 400 };
    };

  it('plain: {challenge, token, type} without signature headers; an echo passes', async () => {
    await setup(sdkEcho(''));
    const r = await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, status: 200, url: hook.url });
    const sent = JSON.parse(hook.requests[0]!.raw);
    expect(sent).toEqual({ challenge: r.body.challenge, token: 'vt-ch', type: 'url_verification' });
    expect(hook.requests[0]!.headers['x-lark-signature']).toBeUndefined();
  });

  it('encrypted when the app has an Encrypt Key; the SDK decrypts and echoes', async () => {
    await setup(sdkEcho('ch-key'), 'ch-key');
    const r = await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id });
    expect(r.body.ok).toBe(true);
    const body = JSON.parse(hook.requests[0]!.raw);
    expect(Object.keys(body)).toEqual(['encrypt']);
    expect(JSON.parse(new lark.AESCipher('ch-key').decrypt(body.encrypt))).toEqual({ challenge: r.body.challenge, token: 'vt-ch', type: 'url_verification' });
  });

  it('a wrong echo, a non-200 and a late answer fail', async () => {
    await setup(() => ({ body: { challenge: 'nope' } }));
    const wrong = await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id });
    expect(wrong.body).toMatchObject({ ok: false, status: 200, reason: 'response does not echo the challenge' });

    hook.respond(() => ({ status: 401 }));
    expect((await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id })).body).toMatchObject({ ok: false, status: 401, reason: 'HTTP 401' });

    // §3.2: the echo is due within 1 s (shortened here); a correct but late echo still fails.
    await emu.control('POST', '/events/settings', { challenge_timeout_ms: 100 });
    hook.respond((req) => ({ delayMs: 300, body: { challenge: JSON.parse(req.raw).challenge } }));
    expect((await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id })).body).toMatchObject({ ok: false, status: 'timeout' });
  });

  it('can target the callback URL', async () => {
    await setup(sdkEcho(''));
    const cardHook = await startWebhook(sdkEcho(''));
    try {
      emu.emu.kernel.apps.update(emu.app.app_id, { card_url: cardHook.url });
      const r = await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id, target: 'card' });
      expect(r.body).toMatchObject({ ok: true, url: cardHook.url });
      expect(cardHook.requests).toHaveLength(1);
      expect(hook.requests).toHaveLength(0);
    } finally {
      await cardHook.close();
    }
  });

  it('unknown app → 404; app without URL → 400', async () => {
    await setup(() => ({}));
    expect((await emu.control('POST', '/events/url-verification', { app_id: 'cli_0000000000000000' })).status).toBe(404);
    emu.emu.kernel.apps.update(emu.app.app_id, { card_url: undefined as unknown as string });
    expect((await emu.control<any>('POST', '/events/url-verification', { app_id: emu.app.app_id, target: 'card' })).body).toEqual({ error: 'no_url', message: 'app has no card_url' });
  });
});
