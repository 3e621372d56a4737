import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { testStore } from '../support/test-store.js';
import { createInboundProcessor } from '../../src/usecases/process-inbound.js';

/** The queue of verified events: arrival order, runs of one type handled together, retries, then failed. */
describe('inbound processor', () => {
  const setup = async (handlers: Parameters<typeof createInboundProcessor>[0]['handlers']) => {
    const store = await testStore();
    const clock = createManualClock('2026-11-24T08:00:00Z');
    const p = createInboundProcessor({ store, clock, log: testLogger(), handlers, maxAttempts: 3 });
    const add = (id: string, type: string) => store.eventQueue.add({ eventId: id, source: 'feishu.event', eventType: type, payload: { id }, now: clock.now() });
    return { store, p, add };
  };

  it('hands runs of the same type over together, in arrival order; types without a handler are done', async () => {
    const calls: string[][] = [];
    const { store, p, add } = await setup({ a: async (evs) => void calls.push(evs.map((e) => (e as { id: string }).id)) });
    for (const id of ['1', '2', '3']) await add(id, 'a');
    await add('4', 'other');
    await add('5', 'a');
    await p.kick();
    expect(calls).toEqual([['1', '2', '3'], ['5']]);
    expect(await store.eventQueue.counts()).toEqual({ pending: 0, done: 5, failed: 0 });
    expect(p.processed).toMatchObject({ done: 5, ignored: 1 });
  });

  it('a failing handler leaves its events pending for the next pass, then marks them failed with the error', async () => {
    let fail = true;
    const { store, p, add } = await setup({
      a: async () => {
        if (fail) throw new Error('Feishu is down');
      },
    });
    await add('x', 'a');
    await p.kick();
    expect(await store.eventQueue.counts()).toMatchObject({ pending: 1 });
    await p.kick();
    await p.kick();
    expect(await store.eventQueue.counts()).toEqual({ pending: 0, done: 0, failed: 1 });
    fail = false;
    await add('y', 'a');
    await p.kick();
    expect(await store.eventQueue.counts()).toEqual({ pending: 0, done: 1, failed: 1 });
  });

  it('a kick while a pass runs is not lost', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { p, add } = await setup({
      a: async (evs) => {
        seen.push(...evs.map((e) => (e as { id: string }).id));
        await gate;
      },
    });
    await add('1', 'a');
    const first = p.kick();
    await add('2', 'a');
    void p.kick();
    release();
    await first;
    await p.kick();
    expect(seen).toEqual(['1', '2']);
  });
});
