import { describe, expect, it, vi } from 'vitest';
import { createLease } from '../../src/jobs/lease.js';
import { createManualClock, systemClock } from '../../src/lib/clock.js';
import { createKickLoop } from '../../src/lib/kick-loop.js';
import { testLogger } from '../support/log-capture.js';
import { testStore } from '../support/test-store.js';

const log = testLogger();

/** Work only one instance may do: two instances (two holders) over one database. */
describe('lease', () => {
  it('while one instance works under the lease, the other skips; afterwards the other can take it', async () => {
    const store = await testStore();
    const a = createLease({ store, clock: systemClock, log, name: 'reconcile', holder: 'a', ttlMs: 90 });
    const b = createLease({ store, clock: systemClock, log, name: 'reconcile', holder: 'b', ttlMs: 90 });
    let release!: () => void;
    const working = a.run(() => new Promise<string>((r) => (release = () => r('done'))));
    await new Promise((r) => setTimeout(r, 250)); // well past the ttl: a's renewals keep it
    expect(await b.run(async () => 'b ran')).toEqual({ ran: false });
    release();
    expect(await working).toEqual({ ran: true, value: 'done' });
    expect(await b.run(async () => 'b ran')).toEqual({ ran: true, value: 'b ran' }); // a let go
  });

  it('an instance that died holding the lease loses it when its time runs out', async () => {
    const store = await testStore();
    const clock = createManualClock('2026-12-03T02:00:00Z');
    await store.leases.acquire('reconcile', 'dead', 60_000, clock.now()); // took it, then the process was killed
    const b = createLease({ store, clock, log, name: 'reconcile', holder: 'b', ttlMs: 60_000 });
    expect(await b.run(async () => 1)).toEqual({ ran: false });
    clock.advance(60_000);
    expect(await b.run(async () => 1)).toEqual({ ran: true, value: 1 });
  });

  it('the work failing still lets the lease go', async () => {
    const store = await testStore();
    const a = createLease({ store, clock: systemClock, log, name: 'x', holder: 'a' });
    await expect(a.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await store.leases.holder('x', new Date())).toBeUndefined();
  });

  it('a renewal still in flight when the work ends does not take the lease back after it is let go', async () => {
    const store = await testStore();
    let calls = 0;
    let renewalStarted!: () => void;
    const started = new Promise<void>((r) => (renewalStarted = r));
    let renewalDone!: () => void;
    const done = new Promise<void>((r) => (renewalDone = r));
    const leases = {
      ...store.leases,
      acquire: async (...args: Parameters<typeof store.leases.acquire>) => {
        if (++calls === 1) return store.leases.acquire(...args);
        renewalStarted(); // a renewal that a busy database answers late
        await new Promise((r) => setTimeout(r, 50));
        const held = await store.leases.acquire(...args);
        renewalDone();
        return held;
      },
    };
    const a = createLease({ store: { leases }, clock: systemClock, log, name: 'bitable:t', holder: 'a', ttlMs: 600 });
    await a.run(() => started); // the work ends while the renewal is answering
    await done;
    expect(await store.leases.holder('bitable:t', new Date())).toBeUndefined();
  });

  it('held() turns false once a renewal finds another holder (the work stops before its next step)', async () => {
    const store = await testStore();
    const clock = createManualClock('2026-12-03T02:00:00Z');
    const a = createLease({ store, clock, log, name: 'bitable:t', holder: 'a', ttlMs: 90 });
    let lost!: () => void;
    const sawLoss = new Promise<void>((r) => (lost = r));
    const working = a.run(async () => {
      expect(a.held()).toBe(true);
      clock.advance(1000); // a stalled (a long GC pause, a frozen VM): its lease ran out meanwhile
      expect(await store.leases.acquire('bitable:t', 'b', 60_000, clock.now())).toBe(true);
      const t = setInterval(() => {
        if (a.held()) return;
        clearInterval(t);
        lost();
      }, 5);
      await sawLoss;
    });
    await working;
    expect(a.held()).toBe(false);
    expect(await store.leases.holder('bitable:t', clock.now())).toBe('b'); // a's release did not take b's lease
  });
});

describe('a kick loop under a lease', () => {
  it('skips its pass while another instance holds the lease, and tries again shortly without another kick', async () => {
    const store = await testStore();
    const clock = createManualClock('2026-12-03T02:00:00Z');
    await store.leases.acquire('timers', 'other', 60_000, clock.now());
    let passes = 0;
    const loop = createKickLoop(async () => void passes++, { pollMs: 60_000, leaseRetryMs: 30, lease: createLease({ store, clock, log, name: 'timers', holder: 'me' }) });
    await loop.kick();
    expect(passes).toBe(0);
    await store.leases.release('timers', 'other');
    await vi.waitFor(() => expect(passes).toBe(1), { timeout: 2000, interval: 10 });
    await loop.stop();
  });

  it('a stopped loop does not try again', async () => {
    const store = await testStore();
    await store.leases.acquire('decay', 'other', 60_000, new Date());
    let passes = 0;
    const loop = createKickLoop(async () => void passes++, { pollMs: 60_000, leaseRetryMs: 20, lease: createLease({ store, clock: systemClock, log, name: 'decay', holder: 'me' }) });
    await loop.kick();
    await loop.stop();
    await store.leases.release('decay', 'other');
    await new Promise((r) => setTimeout(r, 80));
    expect(passes).toBe(0);
  });
});
