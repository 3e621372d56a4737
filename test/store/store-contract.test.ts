import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { pgliteEngine, realPostgresAvailable, serverEngine, sqliteEngine } from '../support/stores.js';

/**
 * The store contract: every repository and the unit of work behave the same on SQLite, on embedded
 * PostgreSQL (PGlite) and on a real PostgreSQL server (a throwaway cluster from Debian's binaries, or
 * LJ_TEST_POSTGRES_URL). Each engine opens once per file; every test starts from empty tables.
 */
const T0 = new Date('2026-03-02T01:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const UNIQUE = /UNIQUE|unique constraint/i;
const FOREIGN_KEY = /FOREIGN KEY|foreign key constraint/i;

const engines = [sqliteEngine(), pgliteEngine(), ...(realPostgresAvailable() ? [serverEngine()] : [])];
if (!realPostgresAvailable()) {
  const why = 'a real PostgreSQL server: apt-get install postgresql, or set LJ_TEST_POSTGRES_URL';
  // .ci/run sets LJ_REQUIRE_POSTGRES: there a missing server fails the run instead of skipping
  if (process.env.LJ_REQUIRE_POSTGRES) it(why, () => expect.fail('no PostgreSQL server binaries and no LJ_TEST_POSTGRES_URL'));
  else it.skip(why, () => {});
}

describe.each(engines)('store on $name', (engine) => {
  let store: Store;
  beforeEach(async () => {
    store = await engine.reset();
  }, 60_000);
  afterAll(() => engine.close());

  const newLead = (key = 'lead-1') => store.leads.insert({ leadKey: key, journeyId: 'default', facts: { company: '甲公司', phone: '1380000' }, now: T0 });

  describe('leads', () => {
    it('round-trips a lead and finds it by key and record id', async () => {
      const l = await store.leads.insert({ leadKey: 'k1', journeyId: 'default', facts: { company: '甲', tags: ['a', 'b'] }, recordId: 'recA', tableId: 'tblX', baseToken: 'app', now: T0 });
      expect(l).toMatchObject({ leadKey: 'k1', stage: null, score: 0, version: 0, facts: { company: '甲', tags: ['a', 'b'] }, createdAt: T0 });
      expect((await store.leads.getByKey('k1'))?.id).toBe(l.id);
      expect((await store.leads.getByRecordId('recA'))?.id).toBe(l.id);
      await expect(newLead('k1')).rejects.toThrow(UNIQUE);
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
      await expect(store.transitions.append(l.id, rec)).rejects.toThrow(UNIQUE);
      await expect(store.transitions.append(9999, rec)).rejects.toThrow(FOREIGN_KEY);
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
      release();
      await expect(failing).rejects.toThrow('undo');
      await outside;
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
  describe('leads (engine fields)', () => {
    it('numbers 线索编号 past typed keys, records activity, decays and deletes', async () => {
      await store.leads.insert({ leadKey: 'XS-000041', journeyId: 'default', facts: { company: '北京甲科技有限公司' }, now: T0 });
      await newLead('other-key');
      expect(await store.leads.nextLeadKey()).toBe('XS-000042');
      expect(await store.leads.nextLeadKey()).toBe('XS-000043');
      await store.leads.insert({ leadKey: 'XS-000100', journeyId: 'default', facts: { company: '北京甲科技有限公司' }, now: T0 });
      expect(await store.leads.nextLeadKey()).toBe('XS-000101');

      const l = (await store.leads.getByKey('XS-000041'))!;
      const twin = (await store.leads.getByKey('XS-000100'))!;
      expect(l.companyKey).not.toBeNull();
      expect(await store.leads.sameCompanyKeys(l.companyKey, l.id, 10)).toEqual(['XS-000100']);
      await store.leads.recordActivity(l.id, at(5000), at(6000));
      await store.leads.recordActivity(l.id, at(1000), at(7000)); // an older, late activity changes nothing
      expect((await store.leads.get(l.id))!.lastActivityAt).toEqual(at(5000));

      await store.leads.setDecay(l.id, 0, at(10_000));
      expect((await store.leads.decayDue(at(9_999), 10)).map((r) => r.id)).toEqual([]);
      expect((await store.leads.decayDue(at(10_000), 10)).map((r) => r.id)).toEqual([l.id]);
      const v = (await store.leads.get(l.id))!.version;
      await store.leads.setDecayed(l.id, 0, 30, null, at(10_000)); // score unchanged: version stays
      expect((await store.leads.get(l.id))!.version).toBe(v);
      await store.leads.setDecayed(l.id, -5, 60, null, at(10_001));
      expect(await store.leads.get(l.id)).toMatchObject({ score: -5, decayedDays: 60, version: v + 1, decayNextAt: null });

      await store.leads.linkRecord(twin.id, { baseToken: 'app', tableId: 'tblL', recordId: 'rec2' }, T0);
      expect(await store.leads.activeRecordIds('tblL')).toEqual(['rec2']);
      expect(await store.leads.markDeleted(twin.id, at(1))).toBe(true);
      expect(await store.leads.markDeleted(twin.id, at(2))).toBe(false);
      expect(await store.leads.activeRecordIds('tblL')).toEqual([]);
      expect((await store.leads.idsAfter(0, 10)).length).toBe(2); // the deleted one is not listed
    });
  });

  describe('cards and assignments', () => {
    it('a card closes once, cancels its renewal, and keeps what its action led to', async () => {
      const l = await newLead();
      const c = await store.cards.create({ kind: 'assignment', leadId: l.id, chatId: 'oc_1', uuid: 'u-1', subject: { owner: 'ou_a' }, now: T0 });
      expect((await store.cards.create({ kind: 'assignment', leadId: l.id, chatId: 'oc_1', uuid: 'u-1', subject: { other: true }, now: at(1) })).id).toBe(c.id);
      await store.cards.setMessageId('u-1', 'om_1', at(1));
      await store.cards.setMessageId('u-1', 'om_2', at(2)); // the first id stays
      expect((await store.cards.getByMessageId('om_1'))?.id).toBe(c.id);
      const renew = await store.timers.schedule({ kind: 'card.renew', leadId: l.id, dueAt: at(1e9), dedupeKey: `card-renew:${c.id}`, now: T0 });
      expect(await store.cards.close(c.id, { status: 'done', action: 'accept', by: 'ou_a', detail: { note: '好' }, now: at(3) })).toBe(true);
      expect(await store.cards.close(c.id, { status: 'done', action: 'return', by: 'ou_b', now: at(4) })).toBe(false);
      expect(await store.timers.pendingForLead(l.id)).toEqual([]);
      expect(await store.timers.markFired(renew.id, at(5))).toBe(false);
      await store.cards.addDetail(c.id, { next: ['培育'] }, at(6));
      expect(await store.cards.get(c.id)).toMatchObject({ status: 'done', action: 'accept', actedBy: 'ou_a', detail: { note: '好', next: ['培育'] } });
      expect(await store.cards.openFor(l.id, 'assignment')).toEqual([]);
    });

    it('offers, accepts and returns; rep loads follow the assignments and the lead stage (triggers)', async () => {
      expect(await store.routing.setOpenStages(['sql', 'opportunity'])).toBe(true);
      expect(await store.routing.setOpenStages(['opportunity', 'sql'])).toBe(false);
      const l = await newLead();
      await store.leads.setStage(l.id, 0, 'sql', T0);
      const a = await store.assignments.offer({ leadId: l.id, ownerId: 'ou_a', source: 'routing:全员轮转', acceptDueAt: at(1000), why: '轮到 A', now: T0 });
      expect(await store.routing.loads()).toEqual(new Map([['ou_a', 1]]));
      expect((await store.assignments.current(l.id))?.id).toBe(a.id);
      expect(await store.assignments.lastOfferedAt(l.id)).toEqual(T0);
      expect(await store.assignments.accept(a.id, 'ou_a', at(5000), at(10))).toBe(true);
      expect(await store.assignments.accept(a.id, 'ou_a', null, at(11))).toBe(false);
      expect(await store.routing.loads()).toEqual(new Map([['ou_a', 1]]));
      // the lead leaves the open stages: its owner's load drops; it comes back: up again
      const cur = (await store.leads.get(l.id))!;
      await store.leads.setStage(l.id, cur.version, 'nurture', at(20));
      expect(await store.routing.loads()).toEqual(new Map());
      await store.leads.setStage(l.id, cur.version + 1, 'sql', at(21));
      expect(await store.routing.loads()).toEqual(new Map([['ou_a', 1]]));
      expect(await store.assignments.markReturned(a.id, 'not_decision_maker', '换人', at(30))).toBe(true);
      expect(await store.routing.loads()).toEqual(new Map());
      expect(await store.assignments.get(a.id)).toMatchObject({ status: 'returned', returnReason: 'not_decision_maker', returnNote: '换人', acceptedBy: 'ou_a' });
      const b = await store.assignments.offer({ leadId: l.id, ownerId: 'ou_b', source: 'bitable', acceptDueAt: null, now: at(40) });
      expect(await store.routing.companyOwner(l.companyKey, l.id + 1)).toBe('ou_b');
      expect(await store.assignments.withdraw(b.id, at(41))).toBe(true);
      expect((await store.assignments.listForLead(l.id)).map((x) => x.status)).toEqual(['returned', 'withdrawn']);
      // a rebuild from scratch agrees with what the triggers kept
      await store.assignments.offer({ leadId: l.id, ownerId: 'ou_c', source: 'bitable', acceptDueAt: null, now: at(50) });
      expect(await store.routing.setOpenStages(['sql'])).toBe(true);
      expect(await store.routing.loads()).toEqual(new Map([['ou_c', 1]]));
    });

    it('escalation steps are taken once; routing credits are kept per pool', async () => {
      const l = await newLead();
      const a = await store.assignments.offer({ leadId: l.id, ownerId: 'ou_a', source: 'bitable', acceptDueAt: null, now: T0 });
      expect(await store.escalations.record({ leadId: l.id, assignmentId: a.id, sla: 'accept', step: 'remind', toId: 'ou_a', at: at(1) })).toBe(true);
      expect(await store.escalations.record({ leadId: l.id, assignmentId: a.id, sla: 'accept', step: 'remind', toId: 'ou_a', at: at(2) })).toBe(false);
      expect(await store.escalations.record({ leadId: l.id, assignmentId: a.id, sla: 'accept', step: 'manager', toId: 'ou_m', at: at(3) })).toBe(true);
      expect((await store.escalations.forAssignment(a.id)).map((e) => [e.step, e.toId])).toEqual([
        ['remind', 'ou_a'],
        ['manager', 'ou_m'],
      ]);
      expect(await store.escalations.forLead(l.id)).toHaveLength(2);
      await store.routing.setCredits(
        'rule:全员',
        new Map([
          ['ou_a', 3],
          ['ou_b', -3],
        ]),
        T0,
      );
      await store.routing.setCredits('rule:全员', new Map([['ou_a', -1]]), at(1));
      expect(await store.routing.credits('rule:全员')).toEqual(
        new Map([
          ['ou_a', -1],
          ['ou_b', -3],
        ]),
      );
      expect(await store.routing.credits('rule:其他')).toEqual(new Map());
    });
  });

  describe('activities, owner queue, unknown users, cursors', () => {
    it('keeps each activity once, attaches the unknown ones, pages after a cursor', async () => {
      const first = await store.activities.add({ leadId: null, leadRef: 'a@b.com', type: 'download', at: T0, key: 'act-1', now: T0 });
      expect(first).toMatchObject({ leadId: null, leadRef: 'a@b.com', type: 'download', sourceKey: 'act-1' });
      expect(await store.activities.add({ leadId: null, type: 'download', at: T0, key: 'act-1', now: T0 })).toBeUndefined();
      const l = await newLead();
      expect((await store.activities.unattached('a@b.com')).map((a) => a.id)).toEqual([first!.id]);
      expect(await store.activities.attach(first!.id, l.id)).toBe(true);
      expect(await store.activities.attach(first!.id, l.id)).toBe(false);
      const second = await store.activities.add({ leadId: l.id, type: 'webinar', at: at(1), key: 'act-2', detail: '直播', now: at(1) });
      expect((await store.activities.forLead(l.id)).map((a) => a.type)).toEqual(['download', 'webinar']);
      // ids grow but may skip (PostgreSQL spends one on the refused duplicate)
      expect(await store.activities.after(first!.id, 10)).toEqual([{ id: second!.id, leadId: l.id }]);
    });

    it('queues leads in arrival order, updates the reason, reports the size', async () => {
      const a = await newLead('a');
      const b = await newLead('b');
      expect(await store.ownerQueue.add(b.id, 'handoff', '都满了', T0)).toBe(true);
      expect(await store.ownerQueue.add(a.id, 'new', '都满了', at(1))).toBe(true);
      expect(await store.ownerQueue.add(b.id, 'handoff', '仍然满', at(2))).toBe(false);
      expect((await store.ownerQueue.list(10)).map((q) => [q.leadId, q.why])).toEqual([
        [b.id, '仍然满'],
        [a.id, '都满了'],
      ]);
      expect(await store.ownerQueue.size()).toEqual({ count: 2, since: T0 });
      expect(await store.ownerQueue.remove(b.id)).toBe(true);
      expect(await store.ownerQueue.has(b.id)).toBe(false);
    });

    it('counts refused ids, says the first time once; cursors move', async () => {
      expect(await store.unknownUsers.record('ou_x', '张三', T0)).toBe(true);
      expect(await store.unknownUsers.record('ou_x', undefined, at(1))).toBe(false);
      expect(await store.unknownUsers.list()).toEqual([{ openId: 'ou_x', name: '张三', firstSeenAt: T0, lastSeenAt: at(1), times: 2 }]);
      expect(await store.cursors.get('c')).toBeUndefined();
      await store.cursors.set('c', 5, T0);
      await store.cursors.set('c', 1_770_000_000_123, T0); // epoch ms fit
      expect(await store.cursors.get('c')).toBe(1_770_000_000_123);
    });
  });

  describe('inbound events and scores (batch reads)', () => {
    it('hands out pending events in arrival order (same millisecond too), marks, prunes', async () => {
      for (const id of ['e3', 'e1', 'e2']) await store.eventQueue.add({ eventId: id, source: 'feishu.event', eventType: 'x', payload: { id }, now: T0 });
      expect(await store.eventQueue.add({ eventId: 'e1', source: 'feishu.event', eventType: 'x', payload: {}, now: T0 })).toBe(false);
      expect((await store.eventQueue.pending(10)).map((e) => e.eventId)).toEqual(['e3', 'e1', 'e2']);
      await store.eventQueue.done('e3', at(1));
      await store.eventQueue.attemptFailed('e1', 'boom');
      await store.eventQueue.failed('e2', 'gave up', at(1));
      expect(await store.eventQueue.pending(10)).toMatchObject([{ eventId: 'e1', attempts: 1, payload: { id: 'e1' } }]);
      expect(await store.eventQueue.counts()).toEqual({ pending: 1, done: 1, failed: 1 });
      expect(await store.eventQueue.prune(at(2), 10)).toBe(1);
    });

    it('reads many ledgers at once and appends known balances once per source', async () => {
      const a = await newLead('a');
      const b = await newLead('b');
      await store.scores.append({ leadId: a.id, at: T0, delta: 10, reasonCode: 'x' });
      expect(await store.scores.appendKnown({ leadId: b.id, at: T0, delta: -3, balance: -3, reasonCode: 'decay', detail: '30天', sourceKey: 'd-1' })).toBeTypeOf('number');
      expect(await store.scores.appendKnown({ leadId: b.id, at: T0, delta: -3, balance: -6, reasonCode: 'decay', detail: '30天', sourceKey: 'd-1' })).toBeUndefined();
      const lines = await store.scores.linesForLeads([a.id, b.id, 999]);
      expect([...lines].map(([id, l]) => [id, l.map((x) => x.delta)])).toEqual([
        [a.id, [10]],
        [b.id, [-3]],
        [999, []],
      ]);
      await expect(store.scores.append({ leadId: 999, at: T0, delta: 1, reasonCode: 'x' })).rejects.toThrow(/does not exist/);
    });

    it('due timers of the given kinds only', async () => {
      await store.timers.schedule({ kind: 'a', dueAt: T0, now: T0 });
      await store.timers.schedule({ kind: 'b', dueAt: T0, now: T0 });
      await store.timers.schedule({ kind: 'c', dueAt: T0, now: T0 });
      expect((await store.timers.dueOfKinds(T0, ['a', 'c'])).map((t) => t.kind)).toEqual(['a', 'c']);
      expect(await store.timers.dueOfKinds(T0, [])).toEqual([]);
    });
  });

  describe('Bitable writes (table outbox)', () => {
    const target = 'app/tblL';
    it('the oldest waiting write (the writer lag): pending or in flight, not done or dead', async () => {
      expect(await store.tableWrites.oldestWaiting()).toBeUndefined();
      await store.tableWrites.enqueueUpdate(target, { recordId: 'rec1', fields: { 线索评分: 1 } }, 'w1', at(100));
      await store.tableWrites.enqueueUpdate(target, { recordId: 'rec2', fields: { 线索评分: 2 } }, 'w2', at(200));
      expect(await store.tableWrites.oldestWaiting()).toEqual(at(100));
      const [first] = await store.tableWrites.pending(target, 'bitable.update', at(300), 1);
      const b = await store.tableWrites.createBatch({ target, op: 'update', clientToken: null, records: [{ record_id: 'rec1', fields: {} }], items: [[first!.id]], now: at(300) });
      expect(await store.tableWrites.oldestWaiting()).toEqual(at(100)); // in flight still waits
      await store.tableWrites.rowDone(first!.id, at(400));
      await store.tableWrites.finishBatch(b.id, 'done', at(400));
      expect(await store.tableWrites.oldestWaiting()).toEqual(at(200));
      await store.messages.enqueue({ kind: 'im.send_card', target: 'oc_x', payload: {}, idempotencyKey: 'm1', now: at(50) });
      expect(await store.tableWrites.oldestWaiting()).toEqual(at(200)); // chat messages are not the writer's
    });
    it('queues, batches, retries, finishes, remembers what was written', async () => {
      expect(await store.tableWrites.enqueueCreate(target, { leadKey: 'XS-1', fields: { 公司名称: '甲' } }, 'c1', T0)).toBe(true);
      expect(await store.tableWrites.enqueueCreate(target, { leadKey: 'XS-1', fields: {} }, 'c1', T0)).toBe(false);
      await store.tableWrites.enqueueUpdate(target, { leadKey: 'XS-1', fields: { 线索评分: 5 } }, 'u1', T0);
      await store.tableWrites.enqueueUpdate(target, { recordId: 'rec9', fields: { 阶段: 'MQL' }, force: true }, 'u2', T0);
      expect(await store.tableWrites.hasPendingCreate(target, 'XS-1')).toBe(true);
      expect(await store.tableWrites.activeTargets()).toEqual([target]);
      expect(await store.tableWrites.nextDueAt(target)).toBe(T0.getTime());
      const creates = await store.tableWrites.pending(target, 'bitable.create', T0, 10);
      expect(creates.map((r) => r.payload)).toEqual([{ leadKey: 'XS-1', fields: { 公司名称: '甲' } }]);
      const b = await store.tableWrites.createBatch({ target, op: 'create', clientToken: 'tok', records: [{ fields: { 公司名称: '甲' } }], items: [[creates[0]!.id]], now: T0 });
      await expect(store.tableWrites.createBatch({ target, op: 'create', clientToken: 'tok2', records: [{ fields: {} }], items: [[creates[0]!.id]], now: T0 })).rejects.toThrow(/not pending/);
      expect(await store.tableWrites.openBatchCount(target)).toBe(1);
      expect((await store.tableWrites.openBatch(target))?.id).toBe(b.id);
      await store.tableWrites.retryBatch(b.id, '429', at(500).getTime(), at(1), true);
      expect(await store.tableWrites.getBatch(b.id)).toMatchObject({ attempts: 1, nextAttemptAt: at(500).getTime(), lastError: '429' });
      await store.tableWrites.finishBatch(b.id, 'done', at(600));
      for (const id of b.items.flat()) await store.tableWrites.rowDone(id, at(600));
      expect(await store.tableWrites.hasPendingCreate(target, 'XS-1')).toBe(false);

      const updates = await store.tableWrites.pending(target, 'bitable.update', T0, 10);
      expect(updates).toHaveLength(2);
      expect(await store.tableWrites.inFlight(target, 'rec9', 'XS-1')).toEqual(
        new Map([
          ['线索评分', new Set(['5'])],
          ['阶段', new Set(['"MQL"'])],
        ]),
      );
      expect(await store.tableWrites.inFlight(target, 'rec9')).toEqual(new Map([['阶段', new Set(['"MQL"'])]]));
      const u = await store.tableWrites.createBatch({ target, op: 'update', clientToken: null, records: [{ record_id: 'rec9', fields: {} }], items: [updates.map((r) => r.id)], now: at(700) });
      expect(await store.tableWrites.forcedRows(u.id)).toEqual(new Set([updates[1]!.id]));
      await store.tableWrites.recordWritten(target, 'rec9', { 阶段: 'MQL', 线索评分: 5 }, at(800));
      await store.tableWrites.recordWritten(target, 'rec9', { 线索评分: 6 }, at(801));
      expect(await store.tableWrites.written(target, 'rec9')).toEqual(
        new Map([
          ['阶段', '"MQL"'],
          ['线索评分', '6'],
        ]),
      );
      for (const id of u.items.flat()) await store.tableWrites.rowDead(id, '1254060', at(900));
      await store.tableWrites.finishBatch(u.id, 'dead', at(900), '1254060');
      expect((await store.tableWrites.deadLetters()).map((d) => d.error)).toEqual(['1254060', '1254060']);
      expect(await store.tableWrites.retryDead(updates[0]!.id, at(1000))).toBe(true);
      expect(await store.tableWrites.counts()).toEqual({ pending: 1, in_flight: 0, done: 1, dead: 1 });
      expect(await store.messages.counts()).toEqual({ pending: 0, in_flight: 0, done: 0, dead: 0 }); // kept apart from chat messages
    });

    it("bookkeeping for a whole batch at once: cells written, rows done, leads by key, past the statements' slice sizes", async () => {
      const target = 'bascnX/tblY';
      const records = Array.from({ length: 300 }, (_, i) => ({ recordId: `rec${i}`, fields: { 线索编号: `XS-${i}`, 线索评分: i } }));
      // 600 cells (three statements), and a cell written twice in one call: the last value wins
      await store.tableWrites.recordWrittenMany(target, [...records, { recordId: 'rec7', fields: { 线索评分: 'seven' } }], at(10));
      expect(await store.tableWrites.written(target, 'rec7')).toEqual(
        new Map([
          ['线索编号', '"XS-7"'],
          ['线索评分', '"seven"'],
        ]),
      );
      expect(await store.tableWrites.written(target, 'rec299')).toEqual(
        new Map([
          ['线索编号', '"XS-299"'],
          ['线索评分', '299'],
        ]),
      );
      const ids: number[] = [];
      const keys: string[] = [];
      await store.transaction(async () => {
        for (let i = 0; i < 620; i++) {
          keys.push(`XS-${i}`);
          if (i % 2) await store.leads.insert({ leadKey: `XS-${i}`, journeyId: 'default', facts: {}, now: at(20) });
          await store.tableWrites.enqueueCreate(target, { leadKey: `XS-${i}`, fields: { 线索编号: `XS-${i}` } }, `c${i}`, at(20));
        }
      });
      for (const r of await store.tableWrites.pending(target, 'bitable.create', at(30), 1000)) ids.push(r.id);
      const payloads = await store.tableWrites.rowPayloads(ids);
      expect(payloads.size).toBe(620);
      expect(payloads.get(ids[555]!)).toEqual({ leadKey: 'XS-555', fields: { 线索编号: 'XS-555' } });
      const leads = await store.leads.getByKeys(keys);
      expect([...leads.keys()].sort()).toEqual(keys.filter((_, i) => i % 2).sort()); // the ones that exist
      await store.tableWrites.rowsDone(ids.slice(0, 610), at(40));
      expect(await store.tableWrites.counts()).toEqual({ pending: 10, in_flight: 0, done: 610, dead: 0 });
    });
  });
  describe('leases', () => {
    it('one holder at a time; renewed by its holder; taken over once expired; let go by its holder only', async () => {
      expect(await store.leases.acquire('reconcile', 'a', 1000, T0)).toBe(true);
      expect(await store.leases.acquire('reconcile', 'b', 1000, at(500))).toBe(false);
      expect(await store.leases.acquire('reconcile', 'a', 1000, at(900))).toBe(true); // renewed until 1900
      expect(await store.leases.acquire('reconcile', 'b', 1000, at(1500))).toBe(false);
      expect(await store.leases.holder('reconcile', at(1500))).toBe('a');
      expect(await store.leases.acquire('reconcile', 'b', 1000, at(1900))).toBe(true); // a died: expired
      expect(await store.leases.release('reconcile', 'a')).toBe(false);
      expect(await store.leases.release('reconcile', 'b')).toBe(true);
      expect(await store.leases.holder('reconcile', at(2000))).toBeUndefined();
      expect(await store.leases.acquire('other', 'a', 1000, at(2000))).toBe(true); // names are independent
    });
  });
});
