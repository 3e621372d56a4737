import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBitable } from '../../../src/sandbox/feishu/bitable/module.js';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { createFeishuEmulator } from '../../../src/sandbox/feishu/emulator.js';
import { startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** The Bitable control API (/__control) used by tests and the sandbox UI. */
describe('bitable control API', () => {
  let emu: BitableEmulator;
  beforeAll(async () => {
    emu = await startBitable();
  });
  afterAll(() => emu.stop());

  const template = () => ({
    name: 'Demo',
    app_token: 'DemoBaseToken0000000000001',
    time_zone: 'Asia/Tokyo',
    tables: [
      { key: 'co', name: 'Companies', fields: [{ field_name: 'Company', type: 1 }], records: [{ fields: { Company: 'ACME' } }] },
      {
        key: 'leads',
        name: 'Leads',
        fields: [
          { field_name: 'Lead', type: 1 },
          { field_name: 'Stage', type: 3, property: { options: [{ name: 'New' }] } },
          { field_name: 'Owner', type: 11 },
          { field_name: 'Company', type: 18, property: { table_id: 'co' } },
        ],
        records: [{ fields: { Lead: 'Ann', Stage: 'New', Owner: [{ id: emu.alice.open_id }] } }, { fields: { Lead: 'Bo', Stage: 'Hot' } }],
      },
    ],
  });
  let created: CreatedBase;

  it('POST /bases creates a base from a template: ids per table and field, records seeded, links by key', async () => {
    const res = await emu.control<CreatedBase>('POST', '/bases', { template: template() });
    expect(res.status).toBe(201);
    created = res.body;
    expect(created.app_token).toBe('DemoBaseToken0000000000001');
    expect(created.tables.map((t) => [t.key, t.name, t.fields.map((f) => [f.field_name, f.type])])).toEqual([
      ['co', 'Companies', [['Company', 1]]],
      [
        'leads',
        'Leads',
        [
          ['Lead', 1],
          ['Stage', 3],
          ['Owner', 11],
          ['Company', 18],
        ],
      ],
    ]);
    const leads = emu.svc.tableByKey(created.app_token, 'leads');
    expect(leads.fields.find((f) => f.field_name === 'Company')!.property!.table_id).toBe(created.tables[0]!.table_id);
    expect(leads.records.size).toBe(2);
    // Seeded select values create options like API writes do.
    expect(leads.fields.find((f) => f.field_name === 'Stage')!.property!.options!.map((o) => o.name)).toEqual(['New', 'Hot']);
    // The SDK sees the base.
    const app = await emu.client.bitable.v1.app.get({ path: { app_token: created.app_token } });
    expect(app.data!.app!.time_zone).toBe('Asia/Tokyo');
  });

  it('a second base with the same app_token is a 409', async () => {
    const res = await emu.control('POST', '/bases', { template: template() });
    expect(res.status).toBe(409);
  });

  it('bad templates are refused with 400 and readable issues, leaving nothing behind', async () => {
    const cases: unknown[] = [
      undefined,
      { name: 'x' },
      { name: 'x', tables: [] },
      { name: 'x', tables: [{ name: 't', fields: [] }] },
      { name: 'x', tables: [{ name: 't', fields: [{ field_name: 'f', type: 'text' }] }] },
      { name: 'x', time_zone: 'Mars/Olympus', tables: [{ name: 't', fields: [{ field_name: 'f', type: 1 }] }] },
    ];
    for (const t of cases) {
      const res = await emu.control<{ error: string; issues: unknown[] }>('POST', '/bases', t === undefined ? {} : { template: t });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_body');
      expect(res.body.issues.length).toBeGreaterThan(0);
    }
    const before = emu.svc.listBases().length;
    const semantic = await emu.control<{ code: number; message: string }>('POST', '/bases', { template: { name: 'x', tables: [{ name: 't', fields: [{ field_name: 'f', type: 1 }], records: [{ fields: { f: 1 } }] }] } });
    expect(semantic.status).toBe(400);
    expect(semantic.body.code).toBe(1254060);
    expect(semantic.body.message).toContain("'fields.f'");
    const dupField = await emu.control<{ code: number }>('POST', '/bases', {
      template: {
        name: 'x',
        tables: [
          {
            name: 't',
            fields: [
              { field_name: 'f', type: 1 },
              { field_name: ' f ', type: 2 },
            ],
          },
        ],
      },
    });
    expect(dupField.body.code).toBe(1254014);
    expect(emu.svc.listBases().length).toBe(before);
  });

  it('GET /bases, /bases/:app and …/records serve the UI: read shapes plus field meta', async () => {
    const list = await emu.control<Array<{ app_token: string; tables: Array<{ key: string; record_count: number }> }>>('GET', '/bases');
    const demo = list.body.find((b) => b.app_token === created.app_token)!;
    expect(demo.tables.map((t) => [t.key, t.record_count])).toEqual([
      ['co', 1],
      ['leads', 2],
    ]);
    const one = await emu.control<{ tables: Array<{ fields: Array<{ field_name: string }> }> }>('GET', `/bases/${created.app_token}`);
    expect(one.body.tables[1]!.fields.map((f) => f.field_name)).toEqual(['Lead', 'Stage', 'Owner', 'Company']);
    const recs = await emu.control<{ fields: Array<{ field_name: string; type: number }>; records: Array<{ fields: Record<string, unknown>; created_time: number }> }>('GET', `/bases/${created.app_token}/tables/leads/records`);
    expect(recs.status).toBe(200);
    expect(recs.body.fields.map((f) => f.type)).toEqual([1, 3, 11, 18]);
    expect(recs.body.records[0]!.fields).toEqual({ Lead: [{ type: 'text', text: 'Ann' }], Stage: 'New', Owner: [{ id: emu.alice.open_id, name: '张敏', en_name: 'Min Zhang', email: 'min@example.com', avatar_url: emu.alice.avatar_url }] });
    expect(typeof recs.body.records[0]!.created_time).toBe('number');
    expect((await emu.control('GET', '/bases/NoSuchBase')).status).toBe(404);
    expect((await emu.control('GET', `/bases/${created.app_token}/tables/nope/records`)).status).toBe(404);
  });

  it('view settings (kanban grouping, a "current user" filter) and …/records?view=&viewer= show what a person sees in that view', async () => {
    const app_token = created.app_token;
    const table_id = emu.svc.tableByKey(app_token, 'leads').table_id;
    const add = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token, table_id }, data: { fields: { Lead: 'Cy', Stage: 'New', Owner: [{ id: emu.bob.open_id }] } } });
    expect(add.code).toBe(0);
    const mk = async (view_name: string, view_type: 'grid' | 'kanban') => (await emu.client.bitable.v1.appTableView.create({ path: { app_token, table_id }, data: { view_name, view_type } })).data!.view!.view_id!;
    const mine = await mk('Mine', 'grid');
    const board = await mk('Board', 'kanban');
    const newOnes = await mk('New ones', 'grid');
    const stage = emu.svc.tableByKey(app_token, 'leads').fields.find((f) => f.field_name === 'Stage')!;
    const patched = await emu.client.bitable.v1.appTableView.patch({
      path: { app_token, table_id, view_id: newOnes },
      data: { property: { filter_info: { conjunction: 'and', conditions: [{ field_id: stage.field_id, operator: 'is', value: JSON.stringify([stage.property!.options![0]!.id]) }] } } },
    });
    expect(patched.code).toBe(0);
    const settings = (view: string, body: unknown) => emu.control<{ settings?: Record<string, string>; code?: number }>('POST', `/bases/${app_token}/tables/leads/views/${view}/settings`, body);
    expect((await settings(mine, { current_user_field: 'Owner' })).status).toBe(200);
    const grouped = await settings(board, { group_field: 'Stage' });
    expect(grouped.body.settings).toEqual({ group_field_id: stage.field_id });
    // refused: a kanban grouped by a person, a "current user" filter on text, a field that does not exist, a view that does not, unknown keys
    expect((await settings(board, { group_field: 'Owner' })).status).toBe(400);
    expect((await settings(mine, { current_user_field: 'Lead' })).status).toBe(400);
    expect((await settings(mine, { current_user_field: 'Nobody' })).status).toBe(400);
    expect((await settings('vewNoSuchView', { group_field: 'Stage' })).status).toBe(404);
    expect((await settings(mine, { filter: 'x' })).status).toBe(400);
    // what the Open API lists does not carry them (Feishu's view API cannot set or read them)
    const listed = await emu.client.bitable.v1.appTableView.list({ path: { app_token, table_id } });
    expect(JSON.stringify(listed.data!.items)).not.toContain('settings');

    type Recs = { view_id?: string; table: { views: Array<{ view_id: string; settings?: unknown }> }; records: Array<{ fields: { Lead: Array<{ text: string }> } }> };
    const names = async (q: string) => (await emu.control<Recs>('GET', `/bases/${app_token}/tables/leads/records${q}`)).body.records.map((r) => r.fields.Lead[0]!.text).sort();
    expect(await names('')).toEqual(['Ann', 'Bo', 'Cy']);
    expect(await names(`?view=${mine}&viewer=${emu.alice.open_id}`)).toEqual(['Ann']);
    expect(await names(`?view=${mine}&viewer=${emu.bob.open_id}`)).toEqual(['Cy']);
    expect(await names(`?view=${mine}`)).toEqual([]); // no one looking: no row
    expect(await names(`?view=${newOnes}`)).toEqual(['Ann', 'Cy']); // its filter_info: Stage is New
    expect(await names(`?view=${board}`)).toEqual(['Ann', 'Bo', 'Cy']); // a kanban groups, it does not filter
    const withViews = await emu.control<Recs>('GET', `/bases/${app_token}/tables/leads/records?view=${board}`);
    expect(withViews.body.view_id).toBe(board);
    expect(withViews.body.table.views.find((v) => v.view_id === board)!.settings).toEqual({ group_field_id: stage.field_id });
    expect((await emu.control('GET', `/bases/${app_token}/tables/leads/records?view=vewNoSuchView`)).status).toBe(404);
  });

  it('DELETE …/records/:rec?operator_open_id= deletes as that user', async () => {
    const leads = emu.svc.tableByKey(created.app_token, 'leads');
    const id = [...leads.records.keys()][1]!;
    const res = await emu.control('DELETE', `/bases/${created.app_token}/tables/leads/records/${id}?operator_open_id=${emu.bob.open_id}`);
    expect(res).toEqual({ status: 200, body: { deleted: true, record_id: id } });
    expect((await emu.control('DELETE', `/bases/${created.app_token}/tables/leads/records/${id}`)).status).toBe(400); // no operator
  });

  it('POST /bitable/config validates and applies; GET reads it back', async () => {
    expect((await emu.control('GET', '/bitable/config')).body).toEqual({ writeLatencyMs: 2, notReadyMs: 0, batchCap: 500, timezone: 'Asia/Shanghai', eventsForAppWrites: true, uncheckedCheckbox: 'omitted' });
    for (const bad of [{ writeLatencyMs: -1 }, { batchCap: 0 }, { timezone: 'Nowhere/City' }, { unknown: 1 }, { notReadyMs: '5' }, { uncheckedCheckbox: 'null' }]) {
      expect((await emu.control('POST', '/bitable/config', bad)).status).toBe(400);
    }
    const ok = await emu.control('POST', '/bitable/config', { writeLatencyMs: 0, batchCap: 1000 });
    expect(ok).toEqual({ status: 200, body: { writeLatencyMs: 0, notReadyMs: 0, batchCap: 1000, timezone: 'Asia/Shanghai', eventsForAppWrites: true, uncheckedCheckbox: 'omitted' } });
    expect(emu.svc.config.batchCap).toBe(1000);
  });

  it('getBitable(kernel) gives in-process access without HTTP, and refuses emulators without the module', () => {
    const e = createFeishuEmulator({ modules: [] });
    expect(() => getBitable(e.kernel)).toThrow(/not registered/);
    const svc = getBitable(emu.emu.kernel);
    const made = svc.createBase({ name: 'In-process', tables: [{ name: 'T', fields: [{ field_name: 'A', type: 1 }] }] });
    expect(svc.state.base(made.app_token).name).toBe('In-process');
  });
});
