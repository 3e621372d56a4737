import { describe, expect, it } from 'vitest';
import { createHeldConnection } from '../../src/jobs/held-connection.js';
import { createLease } from '../../src/jobs/lease.js';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { testStore } from '../support/test-store.js';

const log = testLogger();

/** A connection that records when it is open, and fails the test if it is opened twice. */
function fakeConnection(name: string, open: Set<string>, history: string[]) {
  return {
    start() {
      if (open.has(name)) throw new Error(`${name} opened twice`);
      open.add(name);
      history.push(`${name} open`);
    },
    stop() {
      open.delete(name);
      history.push(`${name} closed`);
    },
  };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Two instances over one database, each with the same platform connection under one lease. */
describe('a platform connection held by one instance', () => {
  it('only the lease holder opens it; when it stops, the other opens it; never both at once', async () => {
    const store = await testStore();
    const open = new Set<string>();
    const history: string[] = [];
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, open.size)), 1);
    const make = (holder: string) =>
      createHeldConnection({ lease: createLease({ store, clock: systemClock, log, name: 'feishu-long-connection', holder, ttlMs: 300 }), connection: fakeConnection(holder, open, history), log, retryMs: 30, checkMs: 10 });
    const a = make('a');
    const b = make('b');
    a.start();
    await until('a open', () => a.isOpen());
    b.start();
    await new Promise((r) => setTimeout(r, 400)); // past the ttl: a's renewals keep it, b keeps trying
    expect([a.isOpen(), b.isOpen()]).toEqual([true, false]);
    expect(await store.leases.holder('feishu-long-connection', new Date())).toBe('a');

    await a.stop(); // lets the lease go: b opens within its retry
    await until('b open', () => b.isOpen(), 1_000);
    expect(await store.leases.holder('feishu-long-connection', new Date())).toBe('b');
    await b.stop();
    clearInterval(watch);
    expect(history).toEqual(['a open', 'a closed', 'b open', 'b closed']);
    expect(most).toBe(1);
    expect(await store.leases.holder('feishu-long-connection', new Date())).toBeUndefined();
  });

  it('an instance that finds its lease taken over closes its connection', async () => {
    const store = await testStore();
    const open = new Set<string>();
    const history: string[] = [];
    const a = createHeldConnection({ lease: createLease({ store, clock: systemClock, log, name: 'c', holder: 'a', ttlMs: 90 }), connection: fakeConnection('a', open, history), log, retryMs: 20, checkMs: 5 });
    a.start();
    await until('a open', () => a.isOpen());
    // another instance took the lease (a's renewal was late: a paused process, a slow database)
    await store.sql.run("UPDATE leases SET holder = 'z' WHERE name = 'c'");
    await until('a closed', () => !a.isOpen(), 1_000);
    expect(history).toEqual(['a open', 'a closed']);
    await a.stop();
  });

  it('a connection that cannot take the lease (the database fails) keeps trying and opens once it can', async () => {
    const store = await testStore();
    const open = new Set<string>();
    const history: string[] = [];
    let failing = 3;
    const lease = createLease({ store, clock: systemClock, log, name: 'c', holder: 'a', ttlMs: 300 });
    const flaky = { ...lease, run: <T>(fn: () => Promise<T>) => (failing-- > 0 ? Promise.reject(new Error('database is locked')) : lease.run(fn)) };
    const a = createHeldConnection({ lease: flaky, connection: fakeConnection('a', open, history), log, retryMs: 10 });
    a.start();
    await until('a open', () => a.isOpen());
    expect(failing).toBeLessThan(0);
    await a.stop();
    expect(history).toEqual(['a open', 'a closed']);
  });
});
