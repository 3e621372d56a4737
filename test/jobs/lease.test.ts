import { describe, expect, it } from 'vitest';
import { createLease } from '../../src/jobs/lease.js';
import { createManualClock, systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { testStore } from '../support/test-store.js';

const log = createLogger({ level: 'silent' });

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
});
