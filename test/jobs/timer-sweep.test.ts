import { describe, expect, it } from 'vitest';
import { createTimerSweep } from '../../src/jobs/timer-sweep.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { testStore } from '../support/test-store.js';

/** Durable timers fire when due, once each; a failing handler leaves its timer for the next sweep. */
describe('timer sweep', () => {
  const setup = async () => {
    const store = await testStore();
    const clock = createManualClock('2026-11-24T02:00:00Z');
    return { store, clock, log: testLogger() };
  };

  it('fires due timers of the kinds it handles, in due order, each once; other kinds stay pending', async () => {
    const { store, clock, log } = await setup();
    const fired: string[] = [];
    const handler = async (t: { id: number; payload: unknown }, now: Date) => {
      if (await store.timers.markFired(t.id, now)) fired.push((t.payload as { n: string }).n);
    };
    const now = clock.now();
    await store.timers.schedule({ kind: 'a', dueAt: new Date(now.getTime() + 2000), payload: { n: 'a2' }, now });
    await store.timers.schedule({ kind: 'a', dueAt: new Date(now.getTime() + 1000), payload: { n: 'a1' }, now });
    await store.timers.schedule({ kind: 'other', dueAt: new Date(now.getTime() + 500), payload: { n: 'o' }, now });
    await store.timers.schedule({ kind: 'a', dueAt: new Date(now.getTime() + 60_000), payload: { n: 'later' }, now });
    const sweep = createTimerSweep({ store, clock, log, handlers: { a: handler } });
    await sweep.kick();
    expect(fired).toEqual([]);
    clock.advance(5000);
    await sweep.kick();
    await sweep.kick();
    expect(fired).toEqual(['a1', 'a2']);
    expect(await store.sql.get("SELECT kind, status FROM timers WHERE kind = 'other'")).toEqual({ kind: 'other', status: 'pending' });
  });

  it('a handler that throws leaves its timer pending (no busy loop), and the next sweep fires it', async () => {
    const { store, clock, log } = await setup();
    let fail = true;
    let calls = 0;
    const sweep = createTimerSweep({
      store,
      clock,
      log,
      handlers: {
        a: async (t, now) => {
          calls++;
          if (fail) throw new Error('Feishu is down');
          await store.timers.markFired(t.id, now);
        },
      },
    });
    await store.timers.schedule({ kind: 'a', dueAt: clock.now(), now: clock.now() });
    await sweep.kick();
    expect(calls).toBe(1);
    expect(sweep.stats).toMatchObject({ fired: 0, failed: 1 });
    fail = false;
    await sweep.kick();
    expect(await store.sql.get('SELECT status FROM timers')).toEqual({ status: 'fired' });
  });

  it('fires a batch in one transaction: a handler that throws undoes only its own writes; the context is read once a pass', async () => {
    const { store, clock, log } = await setup();
    const now = clock.now();
    for (let i = 0; i < 5; i++) await store.timers.schedule({ kind: 'a', dueAt: now, payload: { i }, dedupeKey: `a:${i}`, now });
    let contexts = 0;
    let batches = 0;
    const sweep = createTimerSweep({
      store,
      clock,
      log,
      batch: 2,
      context: async () => ({ n: ++contexts }),
      onFired: () => batches++,
      handlers: {
        a: async (t, at, ctx) => {
          expect(ctx).toEqual({ n: 1 });
          await store.timers.markFired(t.id, at);
          await store.timers.schedule({ kind: 'b', dueAt: at, dedupeKey: `b:${t.id}`, now: at }); // an effect
          if ((t.payload as { i: number }).i === 2) throw new Error('boom after writing');
        },
      },
    });
    await sweep.kick();
    expect(contexts).toBe(1);
    expect(batches).toBe(3); // 2 + 2 + 1, each fired something
    expect(sweep.stats).toEqual({ fired: 4, failed: 1 });
    const rows = await store.sql.all<{ kind: string; status: string; payload_json: string | null }>('SELECT kind, status, payload_json FROM timers ORDER BY id');
    // the failed one is pending with no effect; the others fired with theirs
    expect(rows.filter((r) => r.kind === 'a').map((r) => r.status)).toEqual(['fired', 'fired', 'pending', 'fired', 'fired']);
    expect(rows.filter((r) => r.kind === 'b')).toHaveLength(4);
  });
});
