import * as lark from '@larksuiteoapi/node-sdk';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsModule } from '../../../src/sandbox/feishu/events/module.js';
import { getEvents, type EventsService } from '../../../src/sandbox/feishu/events/service.js';
import { startEmulator, type StartedEmulator, type StartOptions } from '../../support/feishu-emulator.js';
import { startWebhook, waitUntil, type Responder, type TestWebhook } from '../../support/webhook-server.js';

const KEY = 'retry-key';
const T0 = 1_750_000_000_000; // whole second, so clock arithmetic is exact

describe('events: ack deadline, retries, duplicates, drops (docs/platform/feishu.md#35-acknowledgement-and-retries)', () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;
  let events: EventsService;

  async function setup(responder: Responder, clock: StartOptions['clock'] = { frozenAt: T0 }) {
    hook = await startWebhook(responder);
    emu = await startEmulator({ modules: [eventsModule], clock, app: { encrypt_key: KEY, event_url: hook.url } });
    events = getEvents(emu.emu.kernel);
  }
  afterEach(async () => {
    await emu?.stop();
    await hook?.close();
  });

  const sigOk = (raw: string, h: Record<string, unknown>) => createHash('sha256').update(`${h['x-lark-request-timestamp']}${h['x-lark-request-nonce']}${KEY}`).update(raw).digest('hex') === h['x-lark-signature'];

  it('an event answered 500 is retried after 15 s, 5 min, 1 h and 6 h, then given up', async () => {
    await setup(() => ({ status: 500, body: 'oops' }));
    const k = emu.emu.kernel;
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    await hook.waitFor(1);
    await events.idle();
    expect(rec.state).toBe('retrying');
    expect(rec.next_attempt_at).toBe(T0 + 15_000);

    const steps = [15_000, 5 * 60_000, 60 * 60_000, 6 * 60 * 60_000];
    for (const [i, step] of steps.entries()) {
      k.clock.advance(step - 1);
      await events.idle();
      expect(hook.requests).toHaveLength(i + 1); // not a millisecond early
      k.clock.advance(1);
      await hook.waitFor(i + 2);
      await events.idle();
    }
    expect(hook.requests).toHaveLength(5);
    expect(rec.state).toBe('failed');
    expect(rec.next_attempt_at).toBeUndefined();
    expect(k.clock.pendingTimers()).toBe(0);
    k.clock.advance(48 * 60 * 60_000);
    await events.idle();
    expect(hook.requests).toHaveLength(5);

    // The attempts: same body and event_id, fresh signature headers, spaced exactly as documented.
    expect(rec.attempts.map((a) => a.kind)).toEqual(['first', 'retry', 'retry', 'retry', 'retry']);
    expect(rec.attempts.map((a) => a.status)).toEqual([500, 500, 500, 500, 500]);
    expect(rec.attempts.slice(1).map((a) => a.delay_ms)).toEqual(steps);
    expect(rec.attempts.slice(1).map((a, i) => a.at - rec.attempts[i]!.at)).toEqual(steps);
    expect(new Set(hook.requests.map((r) => r.raw)).size).toBe(1);
    expect(hook.requests.every((r) => sigOk(r.raw, r.headers))).toBe(true);
    expect(hook.requests.map((r) => Number(r.headers['x-lark-request-timestamp']))).toEqual(rec.attempts.map((a) => a.at / 1000));
    const ids = hook.requests.map((r) => JSON.parse(new lark.AESCipher(KEY).decrypt(JSON.parse(r.raw).encrypt)).header.event_id);
    expect(new Set(ids)).toEqual(new Set([rec.event_id]));
  });

  it('an answer slower than the ack deadline counts as a failure; the retry succeeds and stops', async () => {
    await setup((_r, i) => (i === 0 ? { delayMs: 400 } : {}));
    events.configure({ ackTimeoutMs: 120 });
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    await hook.waitFor(1);
    await events.idle();
    expect(rec.attempts[0]).toMatchObject({ status: 'timeout', acked: false });
    expect(rec.attempts[0]!.elapsed_ms).toBeGreaterThanOrEqual(110);
    expect(rec.state).toBe('retrying');
    emu.emu.kernel.clock.advance(15_000);
    await hook.waitFor(2);
    await events.idle();
    expect(rec.state).toBe('acked');
    expect(rec.attempts.map((a) => a.status)).toEqual(['timeout', 200]);
    expect(emu.emu.kernel.clock.pendingTimers()).toBe(0);
  });

  it('timeScale shortens the whole 7 h schedule without touching the clock', async () => {
    await setup(() => ({ status: 503 }), { timeScale: 0.0001 }); // 6 h → 2.16 s
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    await waitUntil(() => rec.state === 'failed', 10_000, 'give-up');
    expect(hook.requests).toHaveLength(5);
    const gaps = hook.requests.slice(1).map((r, i) => r.receivedAt - hook.requests[i]!.receivedAt);
    expect(gaps[3]!).toBeGreaterThanOrEqual(2000); // 6 h × 0.0001
    expect(gaps[3]!).toBeGreaterThan(gaps[2]!); // 1 h × 0.0001 = 360 ms
  });

  it('the re-deliver switch sends an acknowledged event again with the same event_id', async () => {
    await setup(() => ({}));
    const sw = await emu.control<any>('POST', '/events/redeliver-acked', { enabled: true });
    expect(sw).toEqual({ status: 200, body: { redeliver_acked: true, redeliver_delay_ms: 15_000 } });
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    await hook.waitFor(1);
    await events.idle();
    expect(rec.state).toBe('acked');
    emu.emu.kernel.clock.advance(15_000);
    await hook.waitFor(2);
    await events.idle();
    const [a, b] = hook.requests.map((r) => JSON.parse(new lark.AESCipher(KEY).decrypt(JSON.parse(r.raw).encrypt)));
    expect(b.header.event_id).toBe(a.header.event_id);
    expect(b).toEqual(a);
    expect(rec.attempts.map((x) => x.kind)).toEqual(['first', 'duplicate']);
    // one duplicate per event, not an endless echo
    emu.emu.kernel.clock.advance(60 * 60_000);
    await events.idle();
    expect(hook.requests).toHaveLength(2);

    await emu.control('POST', '/events/redeliver-acked', { enabled: false });
    events.emit(emu.app.app_id, 'custom.test_v1', { n: 2 });
    await hook.waitFor(3);
    emu.emu.kernel.clock.advance(60 * 60_000);
    await events.idle();
    expect(hook.requests).toHaveLength(3);
  });

  it('fault rules: drop loses the event; duplicate repeats it after the ack', async () => {
    await setup(() => ({}));
    expect((await emu.control('POST', '/faults', { route: 'event.deliver', kind: 'drop', times: 1 })).status).toBe(201);
    const dropped = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    expect(dropped.state).toBe('dropped');
    const next = events.emit(emu.app.app_id, 'custom.test_v1', { n: 2 });
    await hook.waitFor(1);
    await events.idle();
    emu.emu.kernel.clock.advance(6 * 60 * 60_000);
    await events.idle();
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(new lark.AESCipher(KEY).decrypt(JSON.parse(hook.requests[0]!.raw).encrypt)).header.event_id).toBe(next.event_id);
    expect(dropped.attempts).toHaveLength(0);

    await emu.control('POST', '/faults', { route: 'event.deliver', kind: 'duplicate', times: 1 });
    const dup = events.emit(emu.app.app_id, 'custom.test_v1', { n: 3 });
    await hook.waitFor(2);
    await events.idle();
    emu.emu.kernel.clock.advance(15_000);
    await hook.waitFor(3);
    await events.idle();
    expect(dup.attempts.map((a) => [a.kind, a.status])).toEqual([
      ['first', 200],
      ['duplicate', 200],
    ]);
  });

  it('no event_url: recorded, nothing sent', async () => {
    await setup(() => ({}));
    emu.emu.kernel.apps.update(emu.app.app_id, { event_url: undefined as unknown as string });
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', {});
    expect(rec.state).toBe('no_url');
  });
});
