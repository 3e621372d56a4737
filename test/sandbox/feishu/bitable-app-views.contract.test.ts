import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** Base creation and views (docs/platform/feishu.md#210-creating-a-base-and-views) through the real SDK. */
describe('bitable: create a Base, create / list / patch views (SDK contract)', () => {
  let emu: BitableEmulator;
  const T0 = Date.UTC(2025, 0, 15, 4, 0, 0);

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: T0 } });
  });
  afterAll(() => emu.stop());

  it('POST /bitable/v1/apps creates a Base with one empty table; the token works at once', async () => {
    const res = await emu.client.bitable.v1.app.create({ data: { name: '线索旅程', time_zone: 'Asia/Shanghai' } });
    expect(res.code).toBe(0);
    const app = res.data!.app!;
    expect(app).toMatchObject({ name: '线索旅程', time_zone: 'Asia/Shanghai', revision: 1, default_table_id: expect.stringMatching(/^tbl[A-Za-z0-9]{13}$/) });
    expect(app.app_token).toMatch(/^[A-Za-z0-9]{27}$/);
    expect(app.url).toContain(app.app_token);
    const tables = await emu.client.bitable.v1.appTable.list({ path: { app_token: app.app_token! } });
    expect(tables.data!.items!.map((t) => t.table_id)).toEqual([app.default_table_id]);
    const fields = await emu.client.bitable.v1.appTableField.list({ path: { app_token: app.app_token!, table_id: app.default_table_id! } });
    expect(fields.data!.items).toHaveLength(1);
    expect(fields.data!.items![0]).toMatchObject({ is_primary: true, type: 1 });
  });

  it('a bad time_zone is refused (99992402, HTTP 400)', async () => {
    expect(await outcome(emu.client.bitable.v1.app.create({ data: { name: 'x', time_zone: 'Mars/Olympus' } }))).toMatchObject({ status: 400, code: 99992402 });
  });

  it('Base creation is limited to 20 a minute: the 21st gets 429 + x-ogw-ratelimit-reset', async () => {
    emu.emu.kernel.rates.setEnabled(true);
    try {
      emu.emu.kernel.clock.advance(60_000); // a fresh minute window
      const made: number[] = [];
      for (let i = 0; i < 20; i++) made.push((await emu.client.bitable.v1.app.create({ data: { name: `B${i}` } })).code!);
      expect(made.every((c) => c === 0)).toBe(true);
      const r = await fetch(`${emu.url}/open-apis/bitable/v1/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tenantToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'one too many' }),
      });
      expect(r.status).toBe(429);
      expect(await r.json()).toMatchObject({ code: 99991400 });
      expect(Number(r.headers.get('x-ogw-ratelimit-reset'))).toBeGreaterThan(0);
      expect(r.headers.get('x-ogw-ratelimit-limit')).toBe('20');
    } finally {
      emu.emu.kernel.rates.setEnabled(false);
    }
  });

  it('views: create each documented type, list them, patch a filter by field id; bad input is refused', async () => {
    const app = (await emu.client.bitable.v1.app.create({ data: { name: '视图' } })).data!.app!;
    const path = { app_token: app.app_token!, table_id: app.default_table_id! };
    const stage = await emu.client.bitable.v1.appTableField.create({ path, data: { field_name: '阶段', type: 3, property: { options: [{ name: '线索' }, { name: 'MQL' }] } } });
    const stageId = stage.data!.field!.field_id!;
    const made = [];
    for (const [name, type] of [
      ['看板（按阶段）', 'kanban'],
      ['画册', 'gallery'],
      ['甘特', 'gantt'],
      ['表单', 'form'],
      ['待审批', 'grid'],
    ] as const) {
      const v = await emu.client.bitable.v1.appTableView.create({ path, data: { view_name: name, view_type: type } });
      expect(v.code).toBe(0);
      expect(v.data!.view).toMatchObject({ view_name: name, view_type: type, view_id: expect.stringMatching(/^vew[A-Za-z0-9]{7}$/) });
      made.push(v.data!.view!);
    }
    const list = await emu.client.bitable.v1.appTableView.list({ path, params: { page_size: 100 } });
    expect(list.data!.items!.map((v) => [v.view_name, v.view_type])).toEqual([
      ['表格', 'grid'],
      ['看板（按阶段）', 'kanban'],
      ['画册', 'gallery'],
      ['甘特', 'gantt'],
      ['表单', 'form'],
      ['待审批', 'grid'],
    ]);

    const pending = made[4]!;
    const patched = await emu.client.bitable.v1.appTableView.patch({
      path: { ...path, view_id: pending.view_id! },
      data: { property: { filter_info: { conjunction: 'and', conditions: [{ field_id: stageId, operator: 'isNotEmpty' }] } } },
    });
    expect(patched.code).toBe(0);
    expect(patched.data!.view!.property!.filter_info).toMatchObject({ conjunction: 'and', conditions: [{ field_id: stageId, operator: 'isNotEmpty', field_type: 3 }] });
    const again = await emu.client.bitable.v1.appTableView.list({ path, params: { page_size: 100 } });
    expect(again.data!.items!.find((v) => v.view_id === pending.view_id)!.property!.filter_info!.conditions).toHaveLength(1);

    expect(await outcome(emu.client.bitable.v1.appTableView.create({ path, data: { view_name: 'x', view_type: 'calendar' as 'grid' } }))).toMatchObject({ status: 400, code: 99992402 });
    expect(await outcome(emu.client.bitable.v1.appTableView.create({ path, data: { view_name: ' ' } }))).toMatchObject({ status: 400, code: 99992402 });
    expect(
      await outcome(emu.client.bitable.v1.appTableView.patch({ path: { ...path, view_id: pending.view_id! }, data: { property: { filter_info: { conjunction: 'and', conditions: [{ field_id: 'fldNoSuch00', operator: 'is' }] } } } })),
    ).toMatchObject({ code: 1254044 });
    expect(await outcome(emu.client.bitable.v1.appTableView.patch({ path: { ...path, view_id: 'vewNoSuch00' }, data: { view_name: 'y' } }))).toMatchObject({ code: 1254042 });
  });

  it('record search honours view_id (its filter) unless the request brings its own filter or sort', async () => {
    const app = (await emu.client.bitable.v1.app.create({ data: { name: '视图搜索' } })).data!.app!;
    const path = { app_token: app.app_token!, table_id: app.default_table_id! };
    const approval = (await emu.client.bitable.v1.appTableField.create({ path, data: { field_name: '待审批', type: 1 } })).data!.field!.field_id!;
    const stage = (await emu.client.bitable.v1.appTableField.create({ path, data: { field_name: '阶段', type: 3, property: { options: [{ name: '线索' }, { name: 'MQL' }] } } })).data!.field!;
    await emu.client.bitable.v1.appTableRecord.batchCreate({ path, data: { records: [{ fields: { 待审批: '待市场总监审批：MQL → SQL', 阶段: 'MQL' } }, { fields: { 阶段: '线索' } }, { fields: { 阶段: 'MQL' } }] } });
    const pending = (await emu.client.bitable.v1.appTableView.create({ path, data: { view_name: '待审批', view_type: 'grid' } })).data!.view!;
    await emu.client.bitable.v1.appTableView.patch({ path: { ...path, view_id: pending.view_id! }, data: { property: { filter_info: { conjunction: 'and', conditions: [{ field_id: approval, operator: 'isNotEmpty' }] } } } });
    const mqlOption = stage.property!.options!.find((o) => o.name === 'MQL')!.id!;
    const mql = (await emu.client.bitable.v1.appTableView.create({ path, data: { view_name: 'MQL', view_type: 'grid' } })).data!.view!;
    await emu.client.bitable.v1.appTableView.patch({
      path: { ...path, view_id: mql.view_id! },
      data: { property: { filter_info: { conjunction: 'and', conditions: [{ field_id: stage.field_id!, operator: 'is', value: JSON.stringify([mqlOption]) }] } } },
    });
    const search = async (data: Record<string, unknown>) => (await emu.client.bitable.v1.appTableRecord.search({ path, params: { page_size: 100 }, data })).data!.total;

    expect(await search({})).toBe(3);
    expect(await search({ view_id: pending.view_id })).toBe(1); // the view's filter: 待审批 is not empty
    expect(await search({ view_id: mql.view_id })).toBe(2); // a select condition names its option by id
    // a filter or a sort of the request's own replaces the view's
    expect(await search({ view_id: pending.view_id, filter: { conjunction: 'and', conditions: [{ field_name: '阶段', operator: 'is', value: ['线索'] }] } })).toBe(1);
    expect(await search({ view_id: pending.view_id, sort: [{ field_name: '阶段' }] })).toBe(3);
    expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path, data: { view_id: 'vewNoSuch00' } }))).toMatchObject({ code: 1254042 });
  });

  it('at most 200 views a table (1254101)', async () => {
    const app = (await emu.client.bitable.v1.app.create({ data: { name: '很多视图' } })).data!.app!;
    const path = { app_token: app.app_token!, table_id: app.default_table_id! };
    for (let i = 1; i < 200; i++) expect((await emu.client.bitable.v1.appTableView.create({ path, data: { view_name: `V${i}` } })).code).toBe(0);
    expect(await outcome(emu.client.bitable.v1.appTableView.create({ path, data: { view_name: 'V200' } }))).toMatchObject({ code: 1254101 });
  });

  it('a view write takes the table write lock (1254291 while a record write holds it)', async () => {
    const app = (await emu.client.bitable.v1.app.create({ data: { name: '锁' } })).data!.app!;
    const path = { app_token: app.app_token!, table_id: app.default_table_id! };
    await emu.control('POST', '/bitable/config', { writeLatencyMs: 150 });
    try {
      const [rec, view] = await Promise.all([
        outcome(emu.client.bitable.v1.appTableRecord.create({ path, data: { fields: { 多行文本: 'x' } } })),
        (async () => {
          await new Promise((r) => setTimeout(r, 30));
          return outcome(emu.client.bitable.v1.appTableView.create({ path, data: { view_name: '并发' } }));
        })(),
      ]);
      expect(rec.code).toBe(0);
      expect(view.code).toBe(1254291);
    } finally {
      await emu.control('POST', '/bitable/config', { writeLatencyMs: 2 });
    }
  });

  async function tenantToken(): Promise<string> {
    const r = await fetch(`${emu.url}/open-apis/auth/v3/tenant_access_token/internal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: emu.app.app_id, app_secret: emu.app.app_secret }) });
    return ((await r.json()) as { tenant_access_token: string }).tenant_access_token;
  }
});
