import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createFeishuVerifier, feishuSignature } from '../../src/feishu/verify.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { aesEncrypt } from '../../src/sandbox/feishu/events/crypto.js';
import { refusalCases, signedRequest, withSignedHeader, type SignedReq } from '../support/feishu-signed.js';
import { type TestStore, testStore } from '../support/test-store.js';

/**
 * POST /feishu/events against forged, tampered, stale, replayed and malformed requests
 * (docs/reliability.md#12-the-forged-request-matrix). Every refusal asserts its status AND that nothing was
 * stored; signatures are computed here independently of the product code.
 */
const KEY = 'enc-key-for-tests';
const TOKEN = 'verification-token-1';
const NOW = Date.UTC(2026, 10, 24, 8, 0, 0);

function envelope(eventId = 'ev-1', token = TOKEN) {
  return { schema: '2.0', header: { event_id: eventId, event_type: 'drive.file.bitable_record_changed_v1', create_time: String(NOW), token, app_id: 'cli_test' }, event: { file_token: 'app', table_id: 'tbl', action_list: [] } };
}

type Req = SignedReq;
const signed = (payload: unknown = envelope(), o: { ts?: number; nonce?: string; key?: string } = {}): Req => signedRequest(payload, { key: o.key ?? KEY, ts: o.ts ?? NOW, ...(o.nonce ? { nonce: o.nonce } : {}) });

describe('POST /feishu/events: verification', () => {
  let store: TestStore;
  let stored = 0;
  const clock = createManualClock(NOW);
  const make = (keys: { encryptKey?: string; token?: string } = { encryptKey: KEY, token: TOKEN }) =>
    createApp({
      ping: store.ping,
      log: testLogger(),
      mode: 'feishu',
      version: 't',
      startedAt: new Date(NOW),
      feishuEvents: {
        store,
        clock,
        onStored: () => stored++,
        maxBodyBytes: 64 * 1024,
        verify: createFeishuVerifier({ encryptKey: keys.encryptKey ? new Secret(keys.encryptKey) : undefined, verificationToken: keys.token ? new Secret(keys.token) : undefined, clock }),
      },
    });
  let app: Awaited<ReturnType<typeof make>>;
  const post = (r: Req) => app.request('/feishu/events', { method: 'POST', headers: r.headers, body: r.body });
  const rows = async () => ((await store.sql.get('SELECT (SELECT COUNT(*) FROM inbound_events) + (SELECT COUNT(*) FROM inbox) AS n')) as { n: number }).n;

  beforeEach(async () => {
    store = await testStore();
    stored = 0;
    clock.set(NOW);
    app = make();
  });
  afterEach(() => store.close());

  const withHeader = withSignedHeader;
  const good = () => signed();
  const refusals = refusalCases({ key: KEY, token: TOKEN, now: NOW, envelope: (token) => envelope('ev-1', token) });

  it.each(refusals)('refuses %s with no state change', async (_name, build, status, reason) => {
    const res = await post(build());
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: reason });
    expect(await rows()).toBe(0);
    expect(stored).toBe(0);
  });

  it('accepts a valid event, stores it before answering, and wakes the processor', async () => {
    const res = await post(good());
    expect(res.status).toBe(200);
    expect(await rows()).toBe(2); // inbox id + the stored event, committed before the answer
    expect(await store.eventQueue.pending()).toMatchObject([{ eventId: 'ev-1', eventType: 'drive.file.bitable_record_changed_v1', payload: { header: { event_id: 'ev-1' } } }]);
    expect(stored).toBe(1);
  });

  it('6 a signature in upper-case hex is the same digest: accepted', async () => {
    const r = good();
    expect((await post(withHeader(r, 'x-lark-signature', r.headers['x-lark-signature']!.toUpperCase()))).status).toBe(200);
  });

  it('20 a replay of a captured request inside the window: 200, no second effect; a re-delivery with a fresh signature too', async () => {
    const r = good();
    expect((await post(r)).status).toBe(200);
    clock.advance(60_000);
    expect((await post(r)).status).toBe(200);
    expect((await post(signed(envelope('ev-1'), { ts: NOW + 60_000, nonce: 'fresh' }))).status).toBe(200);
    expect(await rows()).toBe(2);
    expect(stored).toBe(1);
  });

  it('the window follows the injected clock (sandbox tests move the emulator clock)', async () => {
    clock.set(NOW + 3_600_000);
    expect((await post(signed(envelope('late'), { ts: NOW }))).status).toBe(401);
    expect((await post(signed(envelope('late'), { ts: NOW + 3_600_000 }))).status).toBe(200);
  });

  it('answers the url_verification challenge (unsigned, encrypted, our token) without storing anything', async () => {
    const res = await post({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'ch-42', token: TOKEN }), KEY) }), headers: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ch-42' });
    expect(await rows()).toBe(0);
  });

  it('fails closed without an Encrypt Key or a Verification Token (503), even for a challenge', async () => {
    for (const keys of [{ token: TOKEN }, { encryptKey: KEY }]) {
      app = make(keys);
      expect((await post(good())).status).toBe(503);
      expect((await post({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'c', token: TOKEN }), KEY) }), headers: {} })).status).toBe(503);
    }
    expect(await rows()).toBe(0);
  });

  it('refuses an oversize body with 413 before verifying it', async () => {
    const big = signed({ ...envelope(), event: { pad: 'x'.repeat(100 * 1024) } });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(await rows()).toBe(0);
  });

  it('signature known-answer vector', () => {
    expect(feishuSignature('1700000000', 'nonce-1', 'test-key', '{"encrypt":"abc"}')).toBe('05ca0abc0af1d45d27650617485070abf721fe1c8f75da648353fc93cb56d756');
  });
});
