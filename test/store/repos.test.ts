import { beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { createStore, type Store } from '../../src/store/store.js';

const T0 = new Date('2026-03-02T01:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let store: Store;
beforeEach(() => {
  store = createStore(openDb(':memory:'));
});

const newLead = (key = 'lead-1') => store.leads.insert({ leadKey: key, journeyId: 'default', facts: { company: '甲公司', phone: '1380000' }, now: T0 });

describe('leads', () => {
  it('round-trips a lead and finds it by key and record id', () => {
    const l = store.leads.insert({ leadKey: 'k1', journeyId: 'default', facts: { company: '甲', tags: ['a', 'b'] }, recordId: 'recA', tableId: 'tblX', baseToken: 'app', now: T0 });
    expect(l).toMatchObject({ leadKey: 'k1', stage: null, score: 0, version: 0, facts: { company: '甲', tags: ['a', 'b'] }, createdAt: T0 });
    expect(store.leads.getByKey('k1')?.id).toBe(l.id);
    expect(store.leads.getByRecordId('recA')?.id).toBe(l.id);
    expect(() => newLead('k1')).toThrow(/UNIQUE/);
  });

  it('setStage is compare-and-set on version', () => {
    const l = newLead();
    expect(store.leads.setStage(l.id, 0, 'lead', T0)).toBe(true);
    expect(store.leads.setStage(l.id, 0, 'mql', at(1))).toBe(false); // stale version
    const cur = store.leads.get(l.id)!;
    expect(cur).toMatchObject({ stage: 'lead', version: 1, stageEnteredAt: T0 });
  });

  it('keeps and clears a pending approval', () => {
    const l = newLead();
    expect(store.leads.setPendingApproval(l.id, 0, { to: 'sql', role: 'marketing_director', requestedBy: 'ou_a', requestedAt: 1 }, T0)).toBe(true);
    const p = store.leads.get(l.id)!;
    expect(p.pendingApproval).toEqual({ to: 'sql', role: 'marketing_director', requestedBy: 'ou_a', requestedAt: 1 });
    expect(store.leads.setStage(p.id, p.version, 'sql', at(5))).toBe(true);
    expect(store.leads.get(l.id)!.pendingApproval).toBeNull();
  });
});

describe('stage transitions', () => {
  it('appends history and refuses a duplicate entry index', () => {
    const l = newLead();
    const rec = { from: null, to: 'lead', at: T0, actorId: 'system', reason: null, approvalId: null, entryIndex: 1, kind: 'create' as const };
    store.transitions.append(l.id, rec);
    store.transitions.append(l.id, { ...rec, from: 'lead', to: 'mql', at: at(10), kind: 'forward' });
    expect(store.transitions.listForLead(l.id)).toEqual([rec, { ...rec, from: 'lead', to: 'mql', at: at(10), kind: 'forward' }]);
    expect(() => store.transitions.append(l.id, rec)).toThrow(/UNIQUE/);
    expect(() => store.transitions.append(9999, rec)).toThrow(/FOREIGN KEY/);
  });
});

describe('score ledger', () => {
  it('keeps a running balance and the lead score, once per source', () => {
    const l = newLead();
    expect(store.scores.append({ leadId: l.id, at: T0, delta: 20, reasonCode: 'source.sem', sourceKey: 'evt-1' })?.balance).toBe(20);
    expect(store.scores.append({ leadId: l.id, at: at(1), delta: 15, reasonCode: 'activity.demo_request', detail: '申请演示', sourceKey: 'evt-2' })?.balance).toBe(35);
    expect(store.scores.append({ leadId: l.id, at: at(2), delta: 15, reasonCode: 'activity.demo_request', sourceKey: 'evt-2' })).toBeUndefined();
    expect(store.scores.append({ leadId: l.id, at: at(3), delta: -10, reasonCode: 'decay.30d' })?.balance).toBe(25);
    expect(store.leads.get(l.id)!.score).toBe(25);
    expect(store.scores.listForLead(l.id).map((e) => [e.delta, e.balance, e.reasonCode])).toEqual([
      [20, 20, 'source.sem'],
      [15, 35, 'activity.demo_request'],
      [-10, 25, 'decay.30d'],
    ]);
  });
});

describe('outbox', () => {
  const item = (key: string, now = T0) => store.messages.enqueue({ kind: 'im.send_card', target: 'oc_chat', payload: { n: key }, idempotencyKey: key, now });

  it('enqueue is idempotent on the key', () => {
    const a = item('k-1');
    const b = store.messages.enqueue({ kind: 'other', target: 'x', payload: { different: true }, idempotencyKey: 'k-1', now: at(5) });
    expect(b).toEqual(a);
    expect(store.messages.counts()).toEqual({ pending: 1, in_flight: 0, done: 0, dead: 0 });
  });

  it('claims due rows under a lease; an expired lease is claimed again', () => {
    item('a');
    item('b', at(1000));
    const first = store.messages.claim(at(10), 10, 30_000);
    expect(first.map((i) => i.idempotencyKey)).toEqual(['a']);
    expect(first[0]).toMatchObject({ status: 'in_flight', attempts: 1 });
    expect(store.messages.claim(at(20), 10, 30_000)).toEqual([]); // leased, b not due
    const again = store.messages.claim(at(40_000), 10, 30_000);
    expect(again.map((i) => [i.idempotencyKey, i.attempts])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('retries with a next attempt, goes dead, and can be replayed with the same key', () => {
    const a = item('a');
    store.messages.claim(T0, 1, 1000);
    expect(store.messages.markFailed(a.id, '429 99991400', at(1), { retryAt: at(5000) })).toBe(true);
    expect(store.messages.get(a.id)).toMatchObject({ status: 'pending', lastError: '429 99991400', nextAttemptAt: at(5000) });
    expect(store.messages.claim(at(4999), 1, 1000)).toEqual([]);
    store.messages.claim(at(5000), 1, 1000);
    store.messages.markFailed(a.id, '1254060 TextFieldConvFail', at(5001), { dead: true });
    expect(store.messages.listByStatus('dead').map((i) => i.lastError)).toEqual(['1254060 TextFieldConvFail']);
    expect(store.messages.requeueDead(a.id, at(6000))).toBe(true);
    const replay = store.messages.claim(at(6000), 1, 1000);
    expect(replay[0]).toMatchObject({ idempotencyKey: 'a', attempts: 1 });
    expect(store.messages.markDone(a.id, at(6001))).toBe(true);
    expect(store.messages.markDone(a.id, at(6002))).toBe(false);
  });
});

describe('inbox', () => {
  it('records an event id once and prunes old ids in batches', () => {
    expect(store.seenEvents.recordOnce('e1', 'feishu', T0)).toBe(true);
    expect(store.seenEvents.recordOnce('e1', 'feishu', at(1))).toBe(false);
    for (let i = 0; i < 5; i++) store.seenEvents.recordOnce(`old-${i}`, 'feishu', T0);
    store.seenEvents.recordOnce('new', 'feishu', at(72 * 3_600_000));
    const now = at(72 * 3_600_000 + 1);
    expect(store.seenEvents.prune(now, 4)).toBe(4);
    expect(store.seenEvents.prune(now, 4)).toBe(2);
    expect(store.seenEvents.has('new')).toBe(true);
    expect(store.seenEvents.has('e1')).toBe(false);
  });
});

describe('timers', () => {
  it('schedules once per dedupe key, fires once, cancels', () => {
    const l = newLead();
    const t1 = store.timers.schedule({ kind: 'sla.accept', leadId: l.id, dueAt: at(3_600_000), dedupeKey: `sla:${l.id}:1`, now: T0 });
    const t2 = store.timers.schedule({ kind: 'sla.accept', leadId: l.id, dueAt: at(9_999_999), dedupeKey: `sla:${l.id}:1`, now: T0 });
    expect(t2.id).toBe(t1.id);
    expect(t2.dueAt).toEqual(at(3_600_000));
    const n = store.timers.schedule({ kind: 'nurture.step', leadId: l.id, dueAt: at(86_400_000), payload: { step: 1 }, now: T0 });
    expect(store.timers.due(at(3_599_999))).toEqual([]);
    expect(store.timers.due(at(3_600_000)).map((t) => t.id)).toEqual([t1.id]);
    expect(store.timers.markFired(t1.id, at(3_600_000))).toBe(true);
    expect(store.timers.markFired(t1.id, at(3_600_001))).toBe(false);
    expect(store.timers.nextDueAt()).toEqual(at(86_400_000));
    expect(store.timers.cancelForLead(l.id, 'nurture.step')).toBe(1);
    expect(store.timers.pendingForLead(l.id)).toEqual([]);
    expect(store.timers.cancel(n.id)).toBe(false);
  });
});

describe('tx', () => {
  it('rolls back every write when the function throws', () => {
    expect(() =>
      store.tx(() => {
        const l = newLead('tx-1');
        store.messages.enqueue({ kind: 'x', target: 't', payload: {}, idempotencyKey: 'tx-o', now: T0 });
        store.seenEvents.recordOnce('tx-e', 'feishu', T0);
        store.scores.append({ leadId: l.id, at: T0, delta: 5, reasonCode: 'x' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.leads.count()).toBe(0);
    expect(store.messages.counts().pending).toBe(0);
    expect(store.seenEvents.has('tx-e')).toBe(false);
  });
});
