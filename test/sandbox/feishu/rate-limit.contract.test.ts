import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { sdkClient } from '../../support/feishu-emulator.js';
import { outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/**
 * Frequency control per API class × app (docs/platform/feishu.md §0, §7): bitable.write 50/s & 1000/min,
 * bitable.read 20/s, bitable.schema.write 10/s. Over the limit → HTTP 429, code 99991400, with
 * x-ogw-ratelimit-limit / x-ogw-ratelimit-reset. The clock is frozen so a burst lands in one second.
 */
describe('rate limits (SDK contract)', () => {
  // 250 ms into a second, at the start of a minute.
  const T0 = Date.UTC(2025, 0, 15, 4, 0, 0) + 250;
  let emu: BitableEmulator;
  let base: CreatedBase;
  let table: string;
  const create = (client = emu.client) => outcome(client.bitable.v1.appTableRecord.create({ path: { app_token: base.app_token, table_id: table }, data: { fields: { A: 'x' } } }));
  const search = () => outcome(emu.client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: table }, params: { page_size: 1 }, data: {} }));
  const burst = async (n: number, fn: () => Promise<{ code: number | undefined }>) => {
    const codes: Array<number | undefined> = [];
    for (let i = 0; i < n; i++) codes.push((await fn()).code);
    return codes;
  };

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: T0 } });
    await emu.control('POST', '/bitable/config', { writeLatencyMs: 0 });
    base = await emu.createBase({ name: 'Rates', tables: [{ name: 'T', fields: [{ field_name: 'A', type: 1 }] }] });
    table = base.tables[0]!.table_id;
    await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token } }); // fetch the token outside the measured bursts
  });
  beforeEach(async () => {
    emu.emu.kernel.clock.advance(60_000); // a fresh minute (and second) for each test
    await emu.control('POST', '/rate-limits', { enabled: true, reset: true });
  });
  afterAll(() => emu.stop());

  it('the 51st write in one second gets 429 / 99991400 with x-ogw-ratelimit-* headers; the next second is open again', async () => {
    expect(await burst(50, () => create())).toEqual(Array(50).fill(0));
    const limited = await create();
    expect(limited).toMatchObject({ status: 429, code: 99991400, msg: 'request trigger frequency limit' });
    expect(limited.headers['x-ogw-ratelimit-limit']).toBe('50');
    expect(limited.headers['x-ogw-ratelimit-reset']).toBe('1');
    // A refused call does not eat quota, and reads are a separate bucket.
    expect((await search()).code).toBe(0);
    emu.emu.kernel.clock.advance(1000);
    expect(await burst(50, () => create())).toEqual(Array(50).fill(0));
    expect((await create()).status).toBe(429);
  });

  it('reads: the 21st search in one second is refused', async () => {
    expect(await burst(20, search)).toEqual(Array(20).fill(0));
    const r = await search();
    expect(r).toMatchObject({ status: 429, code: 99991400 });
    expect(r.headers['x-ogw-ratelimit-limit']).toBe('20');
    expect((await create()).code).toBe(0);
  });

  it('schema writes: the 11th field create in one second is refused', async () => {
    const mk = (i: number) => outcome(emu.client.bitable.v1.appTableField.create({ path: { app_token: base.app_token, table_id: table }, data: { field_name: `F${Math.random()}${i}`, type: 1 } }));
    const codes: Array<number | undefined> = [];
    for (let i = 0; i < 11; i++) codes.push((await mk(i)).code);
    expect(codes).toEqual([...Array(10).fill(0), 99991400]);
  });

  it('the per-minute window throttles too, with reset = seconds left in the minute', async () => {
    await emu.control('POST', '/rate-limits', { rules: { 'bitable.write': { perSecond: 50, perMinute: 60 } } });
    try {
      expect(await burst(50, () => create())).toEqual(Array(50).fill(0));
      emu.emu.kernel.clock.advance(1000);
      expect(await burst(10, () => create())).toEqual(Array(10).fill(0));
      const r = await create();
      expect(r).toMatchObject({ status: 429, code: 99991400 });
      expect(r.headers['x-ogw-ratelimit-limit']).toBe('60');
      const intoMinute = emu.emu.kernel.clock.now() % 60_000;
      expect(intoMinute).toBeGreaterThan(1000);
      expect(r.headers['x-ogw-ratelimit-reset']).toBe(String(Math.ceil((60_000 - intoMinute) / 1000)));
    } finally {
      await emu.control('POST', '/rate-limits', { rules: { 'bitable.write': { perSecond: 50, perMinute: 1000 } } });
    }
  });

  it('limits are per app: another app keeps its own quota', async () => {
    const other = emu.emu.kernel.apps.add({});
    const client2 = sdkClient(emu.url, other);
    expect(await burst(50, () => create())).toEqual(Array(50).fill(0));
    expect((await create()).status).toBe(429);
    expect((await create(client2)).code).toBe(0);
  });
});
