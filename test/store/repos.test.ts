import { beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { createStore, type SqliteStore } from '../../src/store/store.js';

const T0 = new Date('2026-03-02T01:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let store: SqliteStore;
beforeEach(() => {
  store = createStore(openDb(':memory:'));
});

const newLead = (key = 'lead-1') => store.leads.insert({ leadKey: key, journeyId: 'default', facts: { company: '甲公司', phone: '1380000' }, now: T0 });

describe('leads', () => {
  it('round-trips a lead and finds it by key and record id', async () => {
    const l = await store.leads.insert({ leadKey: 'k1', journeyId: 'default', facts: { company: '甲', tags: ['a', 'b'] }, recordId: 'recA', tableId: 'tblX', baseToken: 'app', now: T0 });
    expect(l).toMatchObject({ leadKey: 'k1', stage: null, score: 0, version: 0, facts: { company: '甲', tags: ['a', 'b'] }, createdAt: T0 });
    expect((await store.leads.getByKey('k1'))?.id).toBe(l.id);
    expect((await store.leads.getByRecordId('recA'))?.id).toBe(l.id);
    await expect(newLead('k1')).rejects.toThrow(/UNIQUE/);
  });

  it('setStage is compare-and-set on version', async () => {
    const l = await newLead();
    expect(await store.leads.setStage(l.id, 0, 'lead', T0)).toBe(true);
    expect(await store.leads.setStage(l.id, 0, 'mql', at(1))).toBe(false); // stale version
    const cur = (await store.leads.get(l.id))!;
    expect(cur).toMatchObject({ stage: 'lead', version: 1, stageEnteredAt: T0 });
  });

  it('keeps and clears a pending approval', async () => {
    const l = await newLead();
    expect(await store.leads.setPendingApproval(l.id, 0, { to: 'sql', role: 'marketing_director', requestedBy: 'ou_a', requestedAt: 1 }, T0)).toBe(true);
    const p = (await store.leads.get(l.id))!;
    expect(p.pendingApproval).toEqual({ to: 'sql', role: 'marketing_director', requestedBy: 'ou_a', requestedAt: 1 });
    expect(await store.leads.setStage(p.id, p.version, 'sql', at(5))).toBe(true);
    expect((await store.leads.get(l.id))!.pendingApproval).toBeNull();
  });
});

describe('stage transitions', () => {
  it('appends history and refuses a duplicate entry index', async () => {
    const l = await newLead();
    const rec = { from: null, to: 'lead', at: T0, actorId: 'system', reason: null, approvalId: null, entryIndex: 1, kind: 'create' as const };
    await store.transitions.append(l.id, rec);
    await store.transitions.append(l.id, { ...rec, from: 'lead', to: 'mql', at: at(10), kind: 'forward' });
    expect(await store.transitions.listForLead(l.id)).toEqual([rec, { ...rec, from: 'lead', to: 'mql', at: at(10), kind: 'forward' }]);
    await expect(store.transitions.append(l.id, rec)).rejects.toThrow(/UNIQUE/);
    await expect(store.transitions.append(9999, rec)).rejects.toThrow(/FOREIGN KEY/);
  });
});

describe('score ledger', () => {
  it('keeps a running balance and the lead score, once per source', async () => {
    const l = await newLead();
    expect((await store.scores.append({ leadId: l.id, at: T0, delta: 20, reasonCode: 'source.sem', sourceKey: 'evt-1' }))?.balance).toBe(20);
    expect((await store.scores.append({ leadId: l.id, at: at(1), delta: 15, reasonCode: 'activity.demo_request', detail: '申请演示', sourceKey: 'evt-2' }))?.balance).toBe(35);
    expect(await store.scores.append({ leadId: l.id, at: at(2), delta: 15, reasonCode: 'activity.demo_request', sourceKey: 'evt-2' })).toBeUndefined();
    expect((await store.scores.append({ leadId: l.id, at: at(3), delta: -10, reasonCode: 'decay.30d' }))?.balance).toBe(25);
    expect((await store.leads.get(l.id))!.score).toBe(25);
    expect((await store.scores.listForLead(l.id)).map((e) => [e.delta, e.balance, e.reasonCode])).toEqual([
      [20, 20, 'source.sem'],
      [15, 35, 'activity.demo_request'],
      [-10, 25, 'decay.30d'],
    ]);
  });
});

describe('outbox', () => {
  const item = (key: string, now = T0) => store.messages.enqueue({ kind: 'im.send_card', target: 'oc_chat', payload: { n: key }, idempotencyKey: key, now });

  it('enqueue is idempotent on the key', async () => {
    const a = await item('k-1');
    const b = await store.messages.enqueue({ kind: 'other', target: 'x', payload: { different: true }, idempotencyKey: 'k-1', now: at(5) });
    expect(b).toEqual(a);
    expect(await store.messages.counts()).toEqual({ pending: 1, in_flight: 0, done: 0, dead: 0 });
  });

  it('claims due rows under a lease; an expired lease is claimed again', async () => {
    await item('a');
    await item('b', at(1000));
    const first = await store.messages.claim(at(10), 10, 30_000);
    expect(first.map((i) => i.idempotencyKey)).toEqual(['a']);
    expect(first[0]).toMatchObject({ status: 'in_flight', attempts: 1 });
    expect(await store.messages.claim(at(20), 10, 30_000)).toEqual([]); // leased, b not due
    const again = await store.messages.claim(at(40_000), 10, 30_000);
    expect(again.map((i) => [i.idempotencyKey, i.attempts])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('retries with a next attempt, goes dead, and can be replayed with the same key', async () => {
    const a = await item('a');
    await store.messages.claim(T0, 1, 1000);
    expect(await store.messages.markFailed(a.id, '429 99991400', at(1), { retryAt: at(5000) })).toBe(true);
    expect(await store.messages.get(a.id)).toMatchObject({ status: 'pending', lastError: '429 99991400', nextAttemptAt: at(5000) });
    expect(await store.messages.claim(at(4999), 1, 1000)).toEqual([]);
    await store.messages.claim(at(5000), 1, 1000);
    await store.messages.markFailed(a.id, '1254060 TextFieldConvFail', at(5001), { dead: true });
    expect((await store.messages.listByStatus('dead')).map((i) => i.lastError)).toEqual(['1254060 TextFieldConvFail']);
    expect(await store.messages.requeueDead(a.id, at(6000))).toBe(true);
    const replay = await store.messages.claim(at(6000), 1, 1000);
    expect(replay[0]).toMatchObject({ idempotencyKey: 'a', attempts: 1 });
    expect(await store.messages.markDone(a.id, at(6001))).toBe(true);
    expect(await store.messages.markDone(a.id, at(6002))).toBe(false);
  });
});

describe('inbox', () => {
  it('records an event id once and prunes old ids in batches', async () => {
    expect(await store.seenEvents.recordOnce('e1', 'feishu', T0)).toBe(true);
    expect(await store.seenEvents.recordOnce('e1', 'feishu', at(1))).toBe(false);
    for (let i = 0; i < 5; i++) await store.seenEvents.recordOnce(`old-${i}`, 'feishu', T0);
    await store.seenEvents.recordOnce('new', 'feishu', at(72 * 3_600_000));
    const now = at(72 * 3_600_000 + 1);
    expect(await store.seenEvents.prune(now, 4)).toBe(4);
    expect(await store.seenEvents.prune(now, 4)).toBe(2);
    expect(await store.seenEvents.has('new')).toBe(true);
    expect(await store.seenEvents.has('e1')).toBe(false);
  });
});

describe('timers', () => {
  it('schedules once per dedupe key, fires once, cancels', async () => {
    const l = await newLead();
    const t1 = await store.timers.schedule({ kind: 'sla.accept', leadId: l.id, dueAt: at(3_600_000), dedupeKey: `sla:${l.id}:1`, now: T0 });
    const t2 = await store.timers.schedule({ kind: 'sla.accept', leadId: l.id, dueAt: at(9_999_999), dedupeKey: `sla:${l.id}:1`, now: T0 });
    expect(t2.id).toBe(t1.id);
    expect(t2.dueAt).toEqual(at(3_600_000));
    const n = await store.timers.schedule({ kind: 'nurture.step', leadId: l.id, dueAt: at(86_400_000), payload: { step: 1 }, now: T0 });
    expect(await store.timers.due(at(3_599_999))).toEqual([]);
    expect((await store.timers.due(at(3_600_000))).map((t) => t.id)).toEqual([t1.id]);
    expect(await store.timers.markFired(t1.id, at(3_600_000))).toBe(true);
    expect(await store.timers.markFired(t1.id, at(3_600_001))).toBe(false);
    expect(await store.timers.nextDueAt()).toEqual(at(86_400_000));
    expect(await store.timers.cancelForLead(l.id, 'nurture.step')).toBe(1);
    expect(await store.timers.pendingForLead(l.id)).toEqual([]);
    expect(await store.timers.cancel(n.id)).toBe(false);
  });
});

describe('transaction (the unit of work)', () => {
  it('rolls back every write when the function throws', async () => {
    await expect(
      store.transaction(async () => {
        const l = await newLead('tx-1');
        await store.messages.enqueue({ kind: 'x', target: 't', payload: {}, idempotencyKey: 'tx-o', now: T0 });
        await store.seenEvents.recordOnce('tx-e', 'feishu', T0);
        await store.scores.append({ leadId: l.id, at: T0, delta: 5, reasonCode: 'x' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.leads.count()).toBe(0);
    expect((await store.messages.counts()).pending).toBe(0);
    expect(await store.seenEvents.has('tx-e')).toBe(false);
  });

  it('two decisions at once do not interleave: each reads and writes as if alone (no lost update)', async () => {
    await store.cursors.set('n', 0, T0);
    const bump = () =>
      store.transaction(async (tx) => {
        const n = (await tx.cursors.get('n')) ?? 0;
        await new Promise((r) => setTimeout(r, 2)); // another request gets the event loop here
        await tx.cursors.set('n', n + 1, T0);
      });
    await Promise.all(Array.from({ length: 20 }, bump));
    expect(await store.cursors.get('n')).toBe(20);
  });

  it('a call outside the transaction waits for it instead of slipping into it (and is not undone with it)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failing = store.transaction(async () => {
      await newLead('inside');
      await gate;
      throw new Error('undo');
    });
    const outside = newLead('outside');
    const seen = store.leads.count();
    release();
    await expect(failing).rejects.toThrow('undo');
    await outside;
    expect(await seen).toBe(1); // counted after the rollback: only its own lead
    expect(await store.leads.getByKey('inside')).toBeUndefined();
    expect(await store.leads.getByKey('outside')).toBeDefined();
  });

  it('a nested transaction is a savepoint: its failure undoes only itself, the outer one commits', async () => {
    await store.transaction(async () => {
      await newLead('outer');
      await expect(
        store.transaction(async () => {
          await newLead('inner');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await store.transaction(() => newLead('inner-ok'));
    });
    expect(await store.leads.getByKey('outer')).toBeDefined();
    expect(await store.leads.getByKey('inner')).toBeUndefined();
    expect(await store.leads.getByKey('inner-ok')).toBeDefined();
  });

  it('work started inside a transaction that outlives it runs on its own afterwards', async () => {
    let later: Promise<unknown> | undefined;
    await store.transaction(async () => {
      await newLead('first');
      later = new Promise((r) => setTimeout(r, 5)).then(() => newLead('later'));
    });
    await later;
    expect(await store.leads.count()).toBe(2);
  });
});
