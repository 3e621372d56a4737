import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { type TestStore, testStore } from '../support/test-store.js';
import { createWebhookSender, WEBHOOK_SEND, type WebhookSendPayload } from '../../src/webhooks/sender.js';
import { startWebhook, waitUntil, type TestWebhook } from '../support/webhook-server.js';

/**
 * The outbound webhook sender against a receiver on 127.0.0.1: every request carries a Standard
 * Webhooks signature the reference library verifies, one webhook-id across retries, a fresh timestamp;
 * what the receiver refuses for good, or a missing secret, ends as a visible dead letter.
 */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook sender (outbox kind webhook.send)', () => {
  let hook: TestWebhook;
  let store: TestStore;
  const log = testLogger();
  const sender = (secret: string | null = SECRET) => createWebhookSender({ store, clock: systemClock, log, secret: secret ? new Secret(secret) : undefined, backoff: { baseMs: 1, capMs: 20 }, random: () => 0.5, timeoutMs: 2_000 });
  const queue = (key: string) => {
    const payload: WebhookSendPayload = { url: hook.url, body: { type: 'lead.nurture_step', timestamp: '2026-12-02T10:00:00.000Z', data: { lead: { key: 'XS-000001', company: '蓝鲸教育' } } } };
    return store.messages.enqueue({ kind: WEBHOOK_SEND, target: hook.url, payload, idempotencyKey: key, now: new Date() });
  };
  /** kick until the row is settled (done or dead) */
  const settle = async (s: ReturnType<typeof sender>, id: number) =>
    waitUntil(
      async () => {
        await s.kick();
        const row = (await store.messages.get(id))!;
        return row.status === 'done' || row.status === 'dead' ? row : undefined;
      },
      10_000,
      `outbox row ${id} to settle`,
    );

  beforeEach(async () => {
    hook = await startWebhook();
    store = await testStore();
  });
  afterEach(async () => {
    await store.close();
    await hook.close();
  });

  it('signs each request so that the Standard Webhooks library verifies it', async () => {
    const row = await queue('msg_one');
    const done = await settle(sender(), row.id);
    expect(done.status).toBe('done');
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req.headers['webhook-id']).toBe('msg_one');
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    const verified = new Webhook(SECRET).verify(req.raw, req.headers as Record<string, string>);
    expect(verified).toMatchObject({ type: 'lead.nurture_step', data: { lead: { key: 'XS-000001' } } });
    // a wrong secret, or a body changed on the way, does not verify
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(req.raw, req.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(SECRET).verify(req.raw.replace('蓝鲸', '白鲸'), req.headers as Record<string, string>)).toThrow();
  });

  it('retries a 500 and a 429 (waiting its Retry-After) with the same webhook-id, then is done', async () => {
    hook.respond((_r, i) => (i === 0 ? { status: 500 } : i === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204, body: '' }));
    const row = await queue('msg_retry');
    const s = sender();
    await s.kick();
    await s.kick(); // the 500's retry is due at once (backoff of a few ms): now the 429
    await waitUntil(() => hook.requests.length >= 2 || undefined, 5_000, 'the second attempt');
    const waiting = (await store.messages.get(row.id))!;
    expect(waiting.status).toBe('pending');
    expect(waiting.lastError).toBe('HTTP 429');
    expect(waiting.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(500); // Retry-After: 1 s
    const done = await settle(s, row.id);
    expect(done.status).toBe('done');
    expect(hook.requests.map((r) => r.headers['webhook-id'])).toEqual(['msg_retry', 'msg_retry', 'msg_retry']);
    for (const r of hook.requests) expect(() => new Webhook(SECRET).verify(r.raw, r.headers as Record<string, string>)).not.toThrow();
    expect(s.stats).toMatchObject({ sent: 1, retried: 2, dead: 0 });
  });

  it('a 400 is refused for good: one request, a dead letter saying why', async () => {
    hook.respond(() => ({ status: 400, body: { error: 'bad' } }));
    const row = await queue('msg_bad');
    const dead = await settle(sender(), row.id);
    expect(dead.status).toBe('dead');
    expect(dead.lastError).toBe('HTTP 400');
    expect(hook.requests).toHaveLength(1);
  });

  it('without OUTBOUND_WEBHOOK_SECRET nothing is sent unsigned: the row waits as a dead letter, and goes out once the secret is set', async () => {
    const row = await queue('msg_nosecret');
    const dead = await settle(sender(null), row.id);
    expect(dead.status).toBe('dead');
    expect(dead.lastError).toContain('OUTBOUND_WEBHOOK_SECRET');
    expect(hook.requests).toHaveLength(0);
    expect(await store.messages.requeueDead(row.id, new Date())).toBe(true);
    expect((await settle(sender(), row.id)).status).toBe('done');
    expect(hook.requests).toHaveLength(1);
  });

  it('an unreachable receiver is retried, not lost', async () => {
    const row = await store.messages.enqueue({ kind: WEBHOOK_SEND, target: 'x', payload: { url: 'http://127.0.0.1:9/hook', body: { type: 't', timestamp: '', data: {} } }, idempotencyKey: 'msg_down', now: new Date() });
    await sender().kick();
    const r = (await store.messages.get(row.id))!;
    expect(r.status).toBe('pending');
    expect(r.lastError).toMatch(/^no answer/);
  });

  it('a burst is recorded a batch at a time (all delivered, in order), and a stop waits for the batch in hand, not for the backlog', async () => {
    for (let i = 0; i < 120; i++) await queue(`msg_burst_${String(i).padStart(3, '0')}`);
    const s = sender();
    await s.kick();
    expect(hook.requests.map((r) => r.headers['webhook-id'])).toEqual(Array.from({ length: 120 }, (_, i) => `msg_burst_${String(i).padStart(3, '0')}`));
    expect((await store.messages.counts()).done).toBe(120);

    // a slow receiver and a long backlog: stop() returns after the batch it is sending
    hook.respond(() => ({ status: 204, body: '', delayMs: 5 }));
    for (let i = 0; i < 300; i++) await queue(`msg_backlog_${i}`);
    const slow = sender();
    slow.start();
    await hook.waitFor(121);
    await slow.stop();
    const sent = hook.requests.length - 120;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(100); // the batch in hand (50), perhaps one more claimed as it stopped
    const c = await store.messages.counts();
    expect(c.done).toBe(120 + sent); // what was sent is recorded before stop() returns
    expect(c.pending).toBe(300 - sent);
  });

  it('the IM sender and the webhook sender each claim only their own rows', async () => {
    await queue('msg_mine');
    expect(await store.messages.claim(new Date(), 10, 1000, 'im.')).toEqual([]);
    expect((await store.messages.claim(new Date(), 10, 1000, 'webhook.')).map((r) => r.idempotencyKey)).toEqual(['msg_mine']);
  });
});
