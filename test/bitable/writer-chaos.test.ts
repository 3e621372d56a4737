import { afterAll, describe, expect, it } from 'vitest';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { queueLeads, startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';

const WINDOW_MS = 30_000;
const FAULTS = [
  { kind: 'rate_limit', resetSeconds: 1 },
  { kind: 'http', status: 500 },
  { kind: 'http', status: 502 },
  { kind: 'http', status: 503 },
  { kind: 'delay', ms: 700 }, // longer than the client's 400 ms timeout: the write lands, the answer is lost
  { kind: 'error', code: 1254291 },
  { kind: 'error', code: 1254290 },
  { kind: 'not_ready' },
];

/**
 * 30 s of injected faults on every Bitable write route while leads and score updates keep arriving:
 * afterwards every create exists exactly once and every record holds the last value written to it.
 */
describe('Bitable writer under 30 s of faults', () => {
  let fx: WriterFixture;
  afterAll(async () => fx?.close());

  it('429 (with reset), 5xx, timeouts, 1254291, 1254290 and 1254607 for 30 s: every write applied exactly once', async () => {
    fx = await startWriterFixture();
    const w = fx.writer({ backoff: { baseMs: 100, capMs: 2000 }, maxAttempts: 500 }, 400);
    w.start();
    const last = new Map<string, number>();
    const keys: string[] = [];
    const injected: Record<string, number> = {};
    let tick = 0;
    const end = Date.now() + WINDOW_MS;
    while (Date.now() < end) {
      tick++;
      keys.push(...(await queueLeads(fx.store, fx.target, 40, { from: keys.length + 1 })));
      const now = new Date();
      await fx.store.transaction(async () => {
        for (let j = 0; j < 25; j++) {
          const k = keys[Math.floor(Math.random() * keys.length)]!;
          const v = tick * 100 + j;
          last.set(k, v);
          await fx.store.tableWrites.enqueueUpdate(fx.target, { leadKey: k, fields: { 线索评分: v } }, `s:${tick}:${j}`, now);
        }
      });
      // Every kind in turn (rules are used first-in first-out, so each kind is met early whatever the pace).
      for (const [r, route] of ['bitable.record.batch_create', 'bitable.record.batch_update'].entries()) {
        const f = FAULTS[(tick + r * 3) % FAULTS.length]!;
        const label = `${route.split('.').at(-1)} ${f.kind}${'code' in f ? ` ${f.code}` : 'status' in f ? ` ${f.status}` : ''}`;
        injected[label] = (injected[label] ?? 0) + 1;
        await fx.emu.control('POST', '/faults', { route, times: 2, ...f });
      }
      w.kick();
      await new Promise((r) => setTimeout(r, 250));
    }
    await fx.emu.control('DELETE', '/faults');
    await w.drain();
    await w.stop();

    expect(w.stats.dead, JSON.stringify((await fx.store.tableWrites.deadLetters()).slice(0, 3))).toBe(0);
    expect(w.stats.rateLimited).toBeGreaterThan(0);
    expect(w.stats.retries).toBeGreaterThan(10);
    expect(await fx.store.tableWrites.counts()).toMatchObject({ pending: 0, in_flight: 0, dead: 0 });
    const inBitable = fx.leadKeysInBitable();
    expect([...inBitable].filter(([, n]) => n > 1)).toEqual([]);
    expect(inBitable.size).toBe(keys.length);
    const table = getBitable(fx.emu.emu.kernel).state.table(fx.appToken, fx.leadsTableId);
    const score = table.fields.find((f) => f.field_name === '线索评分')!.field_id;
    for (const [k, v] of last) expect(table.records.get((await fx.store.leads.getByKey(k))!.recordId!)?.cells.get(score), k).toBe(v);
    expect(Object.keys(injected).length).toBeGreaterThan(5);
  }, 120_000);
});
