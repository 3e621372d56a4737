import { afterEach, describe, expect, it } from 'vitest';
import { createLease } from '../../src/jobs/lease.js';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { queueLeads, startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';

/** The outbox writer against the sandbox, through the real SDK over HTTP, with the documented rate limits on. */
describe('Bitable writer', () => {
  let fx: WriterFixture;
  afterEach(async () => {
    // The writer's own loop never fails: such a failure would be logged here and hidden by drain().
    expect(fx.logs.filter((l) => l.msg === 'bitable writer loop failed')).toEqual([]);
    await fx?.close();
  });

  it('coalesces 1,200 creates into 500/500/200 batch_create calls and links each lead to its record', async () => {
    fx = await startWriterFixture();
    const keys = await queueLeads(fx.store, fx.target, 1200);
    const w = fx.writer();
    const stats = await w.drain();
    // three batches; on a busy machine a call may also be retried once its connection was reset (the
    // same client_token: created once either way)
    expect(stats.calls.batch_create - stats.retries).toBe(3);
    expect(stats.calls.batch_update).toBe(0);
    expect(stats.records.created).toBe(1200);
    const inBitable = fx.leadKeysInBitable();
    expect(inBitable.size).toBe(1200);
    expect([...inBitable.values()].every((n) => n === 1)).toBe(true);
    const table = getBitable(fx.emu.emu.kernel).state.table(fx.appToken, fx.leadsTableId);
    for (const k of [keys[0]!, keys[699]!, keys[1199]!]) {
      const lead = (await fx.store.leads.getByKey(k))!;
      expect(lead.recordId).toMatch(/^rec/);
      expect(table.records.has(lead.recordId!)).toBe(true);
    }
    expect(await fx.store.tableWrites.counts()).toEqual({ pending: 0, in_flight: 0, done: 1200, dead: 0 });
  });

  it('updates: coalesced per record, only changed fields sent, nothing sent when nothing changed', async () => {
    fx = await startWriterFixture();
    const keys = await queueLeads(fx.store, fx.target, 600);
    const w = fx.writer();
    await w.drain();
    const now = new Date();
    // Two updates of the same lead become one record in one call; the later value wins.
    await fx.store.transaction(async () => {
      for (const [i, k] of keys.entries()) {
        await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: k, fields: { 线索评分: i, 评分等级: 'C' } }, `score1:${k}`, now);
      }
      for (const [i, k] of keys.entries()) {
        await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: k, fields: { 线索评分: i + 1 } }, `score2:${k}`, now);
      }
    });
    const s1 = await w.drain();
    expect(s1.calls.batch_update).toBe(2); // 600 records: 500 + 100
    expect(s1.records.updated).toBe(600);
    const lead = (await fx.store.leads.getByKey(keys[9]!))!;
    const rec = await fx.api.search(fx.appToken, fx.leadsTableId, { filter: { conjunction: 'and', conditions: [{ field_name: '线索编号', operator: 'is', value: [keys[9]] }] } });
    expect(rec.items[0]!.record_id).toBe(lead.recordId);
    expect(rec.items[0]!.fields).toMatchObject({ 线索评分: 10, 评分等级: 'C' });

    // The same values again: no call at all. One changed field: only that field goes out.
    await fx.store.transaction(async () => {
      for (const [i, k] of keys.entries()) {
        await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: k, fields: { 线索评分: i + 1, 评分等级: 'C' } }, `same:${k}`, now);
      }
    });
    const before = { ...s1.calls };
    const s2 = await w.drain();
    expect(s2.calls).toEqual(before);
    expect(s2.unchanged).toBe(600);
    await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: keys[0]!, fields: { 线索评分: 99, 评分等级: 'C' } }, 'one', now);
    const table = getBitable(fx.emu.emu.kernel).state.table(fx.appToken, fx.leadsTableId);
    const revBefore = table.revision;
    await w.drain();
    expect(w.stats.calls.batch_update).toBe(before.batch_update + 1);
    expect(table.revision).toBe(revBefore + 1);
    // What the server wrote is remembered per cell (the inbound side tells echoes from human edits with it).
    expect((await fx.store.tableWrites.written(fx.target, (await fx.store.leads.getByKey(keys[0]!))!.recordId!)).get('线索评分')).toBe('99');
    // force writes even an unchanged value (a revert of a human edit).
    await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: keys[0]!, fields: { 评分等级: 'C' }, force: true }, 'forced', now);
    await w.drain();
    expect(w.stats.calls.batch_update).toBe(before.batch_update + 2);
  });

  it('one poison record among 500: 499 written, 1 dead-lettered with its error, the rest unharmed', async () => {
    fx = await startWriterFixture();
    await queueLeads(fx.store, fx.target, 500, { fields: (i) => (i === 137 ? { 电话: 'call me maybe' } : { 电话: `1380000${String(i).padStart(4, '0')}` }) });
    const stats = await fx.writer().drain();
    expect(stats.records.created).toBe(499);
    expect(stats.dead).toBe(1);
    expect(stats.splits).toBeGreaterThan(0);
    expect(stats.splits).toBeLessThanOrEqual(10); // halving 500 down to one record
    const dead = await fx.store.tableWrites.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.payload).toMatchObject({ leadKey: 'L-00137' });
    expect(dead[0]!.error).toContain('1254072');
    const inBitable = fx.leadKeysInBitable();
    expect(inBitable.size).toBe(499);
    expect(inBitable.has('L-00137')).toBe(false);
    expect((await fx.store.leads.getByKey('L-00137'))!.recordId).toBeNull();
    expect(await fx.store.tableWrites.counts()).toMatchObject({ pending: 0, in_flight: 0, done: 499, dead: 1 });
    // An update for the dead lead has no record to go to: dead-lettered too, not retried forever.
    await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: 'L-00137', fields: { 线索评分: 1 } }, 'u137', new Date());
    await fx.writer().drain();
    expect(await fx.store.tableWrites.deadLetters()).toHaveLength(2);
    // After a person fixes the value, retry sends it again.
    expect(await fx.store.tableWrites.retryDead(dead[0]!.id, new Date())).toBe(true);
  });

  it('429 with a reset, 5xx, timeouts after the write landed, 1254291 and 1254607: every write applied exactly once', async () => {
    fx = await startWriterFixture();
    const add = (rule: Record<string, unknown>) => fx.emu.control('POST', '/faults', rule);
    await add({ route: 'bitable.record.batch_create', kind: 'rate_limit', resetSeconds: 1, times: 1 });
    await add({ route: 'bitable.record.batch_create', kind: 'http', status: 502, times: 2 });
    await add({ route: 'bitable.record.batch_create', kind: 'delay', ms: 2000, times: 2 }); // the call times out, the write lands
    await add({ route: 'bitable.record.batch_create', kind: 'error', code: 1254291, times: 2 });
    await add({ route: 'bitable.record.batch_create', kind: 'not_ready', times: 2 });
    await add({ route: 'bitable.record.batch_update', kind: 'http', status: 500, times: 2 });
    await add({ route: 'bitable.record.batch_update', kind: 'error', code: 1254290, times: 1 });
    const keys = await queueLeads(fx.store, fx.target, 1100);
    const w = fx.writer({ maxAttempts: 20 }, 1000);
    const t0 = Date.now();
    await w.drain();
    const now = new Date();
    await fx.store.transaction(async () => {
      for (const [i, k] of keys.entries()) {
        await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: k, fields: { 线索评分: i } }, `s:${k}`, now);
      }
    });
    await w.drain();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // the 429's reset was waited out
    expect(w.stats.rateLimited).toBe(1);
    expect(w.stats.retries).toBeGreaterThanOrEqual(9);
    expect(w.stats.dead).toBe(0);
    const inBitable = fx.leadKeysInBitable();
    expect(inBitable.size).toBe(1100);
    expect([...inBitable.values()].every((n) => n === 1)).toBe(true);
    const table = getBitable(fx.emu.emu.kernel).state.table(fx.appToken, fx.leadsTableId);
    const scoreField = table.fields.find((f) => f.field_name === '线索评分')!.field_id;
    const keyField = table.fields.find((f) => f.field_name === '线索编号')!.field_id;
    for (const r of table.records.values()) expect(r.cells.get(scoreField)).toBe(keys.indexOf(String(r.cells.get(keyField))));
    for (const k of keys) expect(table.records.has((await fx.store.leads.getByKey(k))!.recordId!)).toBe(true);
  });

  it('two instances on one database: one call in flight per table (no write lock met), every batch sent once', async () => {
    fx = await startWriterFixture();
    // each write holds the table's lock for 150 ms: a second call meanwhile would get 1254291
    await fx.emu.control('POST', '/bitable/config', { writeLatencyMs: 150 });
    await queueLeads(fx.store, fx.target, 2000);
    const log = testLogger();
    const instance = (holder: string) => (name: string) => createLease({ store: fx.store, clock: systemClock, log, name, holder, ttlMs: 3000 });
    const a = fx.writer({ batchSize: 250 }, 10_000, instance('a'));
    const b = fx.writer({ batchSize: 250 }, 10_000, instance('b'));
    const [sa, sb] = await Promise.all([a.drain(), b.drain()]);
    // never a write lock: the two never had calls in flight on the table at once. (A call retried after
    // its connection was reset, on a busy machine, is another matter: same batch, same client_token.)
    expect(fx.logs.filter((l) => /1254291|locked/i.test(String(l.error ?? '')))).toEqual([]);
    expect(sa.calls.batch_create + sb.calls.batch_create - sa.retries - sb.retries).toBe(8);
    expect(sa.records.created + sb.records.created).toBe(2000);
    const inBitable = fx.leadKeysInBitable();
    expect(inBitable.size).toBe(2000);
    expect([...inBitable.values()].every((n) => n === 1)).toBe(true);
    expect(await fx.store.tableWrites.counts()).toEqual({ pending: 0, in_flight: 0, done: 2000, dead: 0 });
    // let go when idle: once neither has a retry pending (a pass skipped while the other held the table
    // is tried again up to a second later, and holds the lease while it finds nothing to do)
    await Promise.all([a.stop(), b.stop()]);
    expect(await fx.store.leases.holder(`bitable:${fx.target}`, new Date())).toBeUndefined();
  });
});
