import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createFeishuVerifier, feishuSignature } from '../../src/feishu/verify.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { aesEncrypt } from '../../src/sandbox/feishu/events/crypto.js';
import { openDb } from '../../src/store/db.js';
import { createStore, type Store } from '../../src/store/store.js';

/**
 * POST /feishu/events against forged, tampered, stale, replayed and malformed requests
 * (reliability.md §1.2 "Derived Feishu matrix"). Every refusal asserts its status AND that nothing was
 * stored; signatures are computed here independently of the product code.
 */
const KEY = 'enc-key-for-tests';
const TOKEN = 'verification-token-1';
const NOW = Date.UTC(2026, 10, 24, 8, 0, 0);

const sign = (ts: string, nonce: string, body: string, key = KEY) => createHash('sha256').update(ts + nonce + key + body).digest('hex');

function envelope(eventId = 'ev-1', token = TOKEN) {
  return { schema: '2.0', header: { event_id: eventId, event_type: 'drive.file.bitable_record_changed_v1', create_time: String(NOW), token, app_id: 'cli_test' }, event: { file_token: 'app', table_id: 'tbl', action_list: [] } };
}

interface Req {
  body: string;
  headers: Record<string, string>;
}

function signed(payload: unknown = envelope(), o: { ts?: number; nonce?: string; key?: string } = {}): Req {
  const body = JSON.stringify({ encrypt: aesEncrypt(JSON.stringify(payload), o.key ?? KEY) });
  const ts = String(Math.floor((o.ts ?? NOW) / 1000));
  const nonce = o.nonce ?? 'n0nce';
  return { body, headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': sign(ts, nonce, body, o.key ?? KEY) } };
}

describe('POST /feishu/events: verification', () => {
  let store: Store;
  let stored = 0;
  const clock = createManualClock(NOW);
  const make = (keys: { encryptKey?: string; token?: string } = { encryptKey: KEY, token: TOKEN }) =>
    createApp({
      db: store.db,
      log: createLogger({ level: 'silent' }),
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
  let app: ReturnType<typeof make>;
  const post = (r: Req) => app.request('/feishu/events', { method: 'POST', headers: r.headers, body: r.body });
  const rows = () => (store.db.prepare('SELECT (SELECT COUNT(*) FROM inbound_events) + (SELECT COUNT(*) FROM inbox) AS n').get() as { n: number }).n;

  beforeEach(() => {
    store = createStore(openDb(':memory:'));
    stored = 0;
    clock.set(NOW);
    app = make();
  });
  afterEach(() => store.db.close());

  const without = (r: Req, h: string): Req => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== h)) });
  const withHeader = (r: Req, h: string, v: string): Req => ({ ...r, headers: { ...r.headers, [h]: v } });
  const good = () => signed();

  const refusals: Array<[string, () => Req, number, string]> = [
    ['1 X-Lark-Signature missing', () => without(good(), 'x-lark-signature'), 401, 'missing_signature_headers'],
    ['2 X-Lark-Request-Timestamp missing', () => without(good(), 'x-lark-request-timestamp'), 401, 'missing_signature_headers'],
    ['3 X-Lark-Request-Nonce missing', () => without(good(), 'x-lark-request-nonce'), 401, 'missing_signature_headers'],
    ['4 signature not 64 hex characters', () => withHeader(good(), 'x-lark-signature', 'z'.repeat(64)), 401, 'bad_signature'],
    ['5 signature truncated', () => { const r = good(); return withHeader(r, 'x-lark-signature', r.headers['x-lark-signature']!.slice(0, 40)); }, 401, 'bad_signature'],
    ['7 a valid signature made with another Encrypt Key', () => { const r = good(); return withHeader(r, 'x-lark-signature', sign(r.headers['x-lark-request-timestamp']!, r.headers['x-lark-request-nonce']!, r.body, 'another-key')); }, 401, 'bad_signature'],
    ['8 one body byte flipped', () => { const r = good(); const i = r.body.length - 10; return { ...r, body: r.body.slice(0, i) + (r.body[i] === 'A' ? 'B' : 'A') + r.body.slice(i + 1) }; }, 401, 'bad_signature'],
    ['9 body re-serialised with whitespace', () => { const r = good(); return { ...r, body: JSON.stringify(JSON.parse(r.body), null, 1) }; }, 401, 'bad_signature'],
    ['10 nonce altered', () => withHeader(good(), 'x-lark-request-nonce', 'other'), 401, 'bad_signature'],
    ['11 timestamp altered, signature kept', () => { const r = good(); return withHeader(r, 'x-lark-request-timestamp', String(Number(r.headers['x-lark-request-timestamp']) + 1)); }, 401, 'bad_signature'],
    ['12 timestamp 301 s old', () => signed(envelope(), { ts: NOW - 301_000 }), 401, 'stale'],
    ['13 timestamp 301 s in the future', () => signed(envelope(), { ts: NOW + 301_000 }), 401, 'stale'],
    ['14a timestamp not numeric', () => withHeader(good(), 'x-lark-request-timestamp', 'yesterday'), 401, 'bad_timestamp'],
    ['14b timestamp in milliseconds', () => { const r = good(); const ts = String(NOW); return withHeader(withHeader(r, 'x-lark-request-timestamp', ts), 'x-lark-signature', sign(ts, r.headers['x-lark-request-nonce']!, r.body)); }, 401, 'bad_timestamp'],
    ['15 a valid signature over a plaintext body', () => { const body = JSON.stringify(envelope()); const ts = String(NOW / 1000); return { body, headers: { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': sign(ts, 'n', body) } }; }, 401, 'not_encrypted'],
    ['16 encrypt is not base64 (signed)', () => { const body = JSON.stringify({ encrypt: '%%%not-base64%%%' }); const ts = String(NOW / 1000); return { body, headers: { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': sign(ts, 'n', body) } }; }, 400, 'undecryptable'],
    ['16b encrypted with another key (signed with ours)', () => { const body = JSON.stringify({ encrypt: aesEncrypt(JSON.stringify(envelope()), 'another-key') }); const ts = String(NOW / 1000); return { body, headers: { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': sign(ts, 'n', body) } }; }, 400, 'undecryptable'],
    ['17 decrypts, but the token is not ours', () => signed(envelope('ev-1', 'someone-elses-token')), 401, 'bad_token'],
    ['18 url_verification with a wrong token', () => ({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'c', token: 'wrong' }), KEY) }), headers: {} }), 401, 'bad_token'],
    ['19 a legacy-card SHA-1 signature', () => { const r = good(); return withHeader(r, 'x-lark-signature', createHash('sha1').update(r.headers['x-lark-request-timestamp']! + r.headers['x-lark-request-nonce']! + TOKEN + r.body).digest('hex')); }, 401, 'bad_signature'],
    ['malformed JSON', () => ({ body: '{"encrypt":', headers: good().headers }), 400, 'malformed_body'],
    ['a JSON array', () => ({ body: '[]', headers: good().headers }), 400, 'malformed_body'],
  ];

  it.each(refusals)('refuses %s with no state change', async (_name, build, status, reason) => {
    const res = await post(build());
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: reason });
    expect(rows()).toBe(0);
    expect(stored).toBe(0);
  });

  it('accepts a valid event, stores it before answering, and wakes the processor', async () => {
    const res = await post(good());
    expect(res.status).toBe(200);
    expect(rows()).toBe(2); // inbox id + the stored event, committed before the answer
    expect(store.inbound.pending()).toMatchObject([{ eventId: 'ev-1', eventType: 'drive.file.bitable_record_changed_v1', payload: { header: { event_id: 'ev-1' } } }]);
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
    expect(rows()).toBe(2);
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
    expect(rows()).toBe(0);
  });

  it('fails closed without an Encrypt Key or a Verification Token (503), even for a challenge', async () => {
    for (const keys of [{ token: TOKEN }, { encryptKey: KEY }]) {
      app = make(keys);
      expect((await post(good())).status).toBe(503);
      expect((await post({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'c', token: TOKEN }), KEY) }), headers: {} })).status).toBe(503);
    }
    expect(rows()).toBe(0);
  });

  it('refuses an oversize body with 413 before verifying it', async () => {
    const big = signed({ ...envelope(), event: { pad: 'x'.repeat(100 * 1024) } });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(rows()).toBe(0);
  });

  it('signature known-answer vector', () => {
    expect(feishuSignature('1700000000', 'nonce-1', 'test-key', '{"encrypt":"abc"}')).toBe('05ca0abc0af1d45d27650617485070abf721fe1c8f75da648353fc93cb56d756');
  });
});
