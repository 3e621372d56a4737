import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { outcome, startBitable, type BitableEmulator, type Outcome } from '../../support/bitable-fixtures.js';

/**
 * Fault injection on Bitable routes (docs/platform/feishu.md §2.7, §7): injected Feishu error codes with their
 * documented HTTP statuses, 429 bursts with a reset header, bare 5xx, delays long enough to time a
 * client out, and "data not ready" — per route key, consumed in order, with skip/times.
 */
describe('fault injection on bitable routes (SDK contract)', () => {
  let emu: BitableEmulator;
  let base: CreatedBase;
  let table: string;
  let rec: string;
  let fieldId: string;
  const p = () => ({ app_token: base.app_token, table_id: table });
  const fault = async (rule: Record<string, unknown>) => {
    const r = await emu.control('POST', '/faults', rule);
    expect(r.status).toBe(201);
  };

  beforeAll(async () => {
    emu = await startBitable();
    await emu.control('POST', '/bitable/config', { writeLatencyMs: 0 });
    base = await emu.createBase({
      name: 'Faults',
      tables: [
        {
          name: 'T',
          fields: [
            { field_name: 'A', type: 1 },
            { field_name: 'N', type: 2 },
          ],
          records: [{ fields: { A: 'seed' } }],
        },
      ],
    });
    table = base.tables[0]!.table_id;
    fieldId = base.tables[0]!.fields[1]!.field_id;
    rec = [...emu.svc.state.table(base.app_token, table).records.keys()][0]!;
    await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token } }); // token cached before any fault
  });
  afterEach(async () => {
    await emu.control('DELETE', '/faults');
  });
  afterAll(() => emu.stop());

  /** One SDK call per Bitable route key. */
  const calls: Record<string, () => Promise<Outcome>> = {
    'bitable.app.get': () => outcome(emu.client.bitable.v1.app.get({ path: { app_token: base.app_token } })),
    'bitable.table.list': () => outcome(emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token } })),
    'bitable.table.create': () => outcome(emu.client.bitable.v1.appTable.create({ path: { app_token: base.app_token }, data: { table: { name: `T${Math.random()}` } } })),
    'bitable.view.list': () => outcome(emu.client.bitable.v1.appTableView.list({ path: p() })),
    'bitable.field.list': () => outcome(emu.client.bitable.v1.appTableField.list({ path: p() })),
    'bitable.field.create': () => outcome(emu.client.bitable.v1.appTableField.create({ path: p(), data: { field_name: `F${Math.random()}`, type: 1 } })),
    'bitable.field.update': () => outcome(emu.client.bitable.v1.appTableField.update({ path: { ...p(), field_id: fieldId }, data: { field_name: 'N', type: 2 } })),
    'bitable.record.get': () => outcome(emu.client.bitable.v1.appTableRecord.get({ path: { ...p(), record_id: rec } })),
    'bitable.record.search': () => outcome(emu.client.bitable.v1.appTableRecord.search({ path: p(), data: {} })),
    'bitable.record.batch_get': () => outcome(emu.client.bitable.v1.appTableRecord.batchGet({ path: p(), data: { record_ids: [rec] } })),
    'bitable.record.create': () => outcome(emu.client.bitable.v1.appTableRecord.create({ path: p(), data: { fields: { A: 'c' } } })),
    'bitable.record.update': () => outcome(emu.client.bitable.v1.appTableRecord.update({ path: { ...p(), record_id: rec }, data: { fields: { N: Math.random() } } })),
    'bitable.record.batch_create': () => outcome(emu.client.bitable.v1.appTableRecord.batchCreate({ path: p(), data: { records: [{ fields: { A: 'b' } }] } })),
    'bitable.record.batch_update': () => outcome(emu.client.bitable.v1.appTableRecord.batchUpdate({ path: p(), data: { records: [{ record_id: rec, fields: { N: Math.random() } }] } })),
    'bitable.record.batch_delete': () => outcome(emu.client.bitable.v1.appTableRecord.batchDelete({ path: p(), data: { records: ['recNotThere'] } })),
    'bitable.record.delete': async () => {
      const c = await emu.client.bitable.v1.appTableRecord.create({ path: p(), data: { fields: { A: 'to delete' } } });
      return outcome(emu.client.bitable.v1.appTableRecord.delete({ path: { ...p(), record_id: c.data!.record!.record_id! } }));
    },
  };

  it('every bitable route takes an injected error once (times: 1), then answers normally', async () => {
    for (const [route, call] of Object.entries(calls)) {
      await fault({ route, kind: 'error', code: 1254290, times: 1 });
      expect({ route, ...pick(await call()) }).toEqual({ route, status: 200, code: 1254290 });
      expect({ route, ...pick(await call()) }).toEqual({ route, status: 200, code: 0 });
    }
  });

  it('documented statuses: 1255040 → 504, 1254607 → 400, 1254002 / 1254291 → 200; status may be forced', async () => {
    const call = calls['bitable.record.create']!;
    for (const [code, status] of [
      [1255040, 504],
      [1254607, 400],
      [1254002, 200],
      [1254291, 200],
      [1254608, 403],
    ] as const) {
      await fault({ route: 'bitable.record.create', kind: 'error', code, times: 1 });
      const r = await call();
      expect({ code, status: r.status, got: r.code }).toEqual({ code, status, got: code });
      expect((r.body as { error: { log_id: string } }).error.log_id).toMatch(/^\d/);
    }
    await fault({ route: 'bitable.record.create', kind: 'error', code: 99991400, status: 400, times: 1 });
    expect(pick(await call())).toEqual({ status: 400, code: 99991400 });
  });

  it('a 429 burst: times N with the given reset, then through', async () => {
    await fault({ route: 'bitable.record.batch_create', kind: 'rate_limit', resetSeconds: 5, times: 3 });
    const call = calls['bitable.record.batch_create']!;
    for (let i = 0; i < 3; i++) {
      const r = await call();
      expect(r).toMatchObject({ status: 429, code: 99991400 });
      expect(r.headers['x-ogw-ratelimit-reset']).toBe('5');
    }
    expect((await call()).code).toBe(0);
  });

  it('bare 5xx: HTML 503 and JSON 500 bodies reach the SDK as AxiosErrors', async () => {
    await fault({ route: 'bitable.record.search', kind: 'http', status: 503, times: 1 });
    const html = await calls['bitable.record.search']!();
    expect(html.status).toBe(503);
    expect(html.code).toBeUndefined();
    expect(String(html.body)).toContain('503');
    await fault({ route: 'bitable.record.search', kind: 'http', status: 500, body: '{"code":1255001,"msg":"InternalError"}', times: 1 });
    expect(pick(await calls['bitable.record.search']!())).toEqual({ status: 500, code: 1255001 });
  });

  it('not_ready answers 1254607 with HTTP 400', async () => {
    await fault({ route: 'bitable.record.batch_update', kind: 'not_ready', times: 1 });
    expect(pick(await calls['bitable.record.batch_update']!())).toEqual({ status: 400, code: 1254607 });
  });

  it('a delay longer than the client timeout makes the call time out; the next one is fine', async () => {
    await fault({ route: 'bitable.record.search', kind: 'delay', ms: 250, times: 1 });
    const url = `/open-apis/bitable/v1/apps/${base.app_token}/tables/${table}/records/search`;
    const err = await emu.client.request({ method: 'POST', url, data: {}, timeout: 50 }).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(err?.code).toBe('ECONNABORTED');
    const ok = await emu.client.request<{ code: number }>({ method: 'POST', url, data: {}, timeout: 1000 });
    expect(ok.code).toBe(0);
  });

  it('a delayed write is carried out though its caller gave up waiting, as at Feishu; GET /faults counts the calls each rule took', async () => {
    await fault({ route: 'bitable.record.batch_create', kind: 'delay', ms: 300, times: 1 });
    const rows = () => emu.svc.state.table(base.app_token, table).records.size;
    const before = rows();
    const url = `/open-apis/bitable/v1/apps/${base.app_token}/tables/${table}/records/batch_create`;
    const err = await emu.client.request({ method: 'POST', url, data: { records: Array.from({ length: 500 }, (_, i) => ({ fields: { A: `landed late ${i} ${'x'.repeat(400)}` } })) }, timeout: 50 }).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(err?.code).toBe('ECONNABORTED');
    expect(rows()).toBe(before);
    const listed = await emu.control<Array<{ route: string; used: number }>>('GET', '/faults');
    expect(listed.body).toEqual([expect.objectContaining({ route: 'bitable.record.batch_create', kind: 'delay', used: 1 })]);
    await new Promise((r) => setTimeout(r, 500));
    expect(rows()).toBe(before + 500);
  });

  it('skip lets the first calls through; faults on one route leave the others alone; DELETE clears', async () => {
    await fault({ route: 'bitable.record.get', kind: 'error', code: 1254002, skip: 2, times: 1 });
    const codes: Array<number | undefined> = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await calls['bitable.record.get']!()).code);
      expect((await calls['bitable.record.batch_get']!()).code).toBe(0);
    }
    expect(codes).toEqual([0, 0, 1254002, 0]);
    await fault({ route: 'bitable.record.get', kind: 'error', code: 1254002 });
    expect((await calls['bitable.record.get']!()).code).toBe(1254002);
    await emu.control('DELETE', '/faults?route=bitable.record.get');
    expect((await calls['bitable.record.get']!()).code).toBe(0);
  });

  it('route "*" hits any route; malformed fault rules are refused with 400', async () => {
    await fault({ route: '*', kind: 'error', code: 1255040, times: 2 });
    expect(pick(await calls['bitable.field.list']!())).toEqual({ status: 504, code: 1255040 });
    expect(pick(await calls['bitable.record.search']!())).toEqual({ status: 504, code: 1255040 });
    expect((await calls['bitable.record.search']!()).code).toBe(0);
    expect((await emu.control('POST', '/faults', { route: 'bitable.record.get', kind: 'error' })).status).toBe(400);
    expect((await emu.control('POST', '/faults', { route: 'bitable.record.get', kind: 'explode' })).status).toBe(400);
  });
});

function pick(o: Outcome): { status: number; code: number | undefined } {
  return { status: o.status, code: o.code };
}
