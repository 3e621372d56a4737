import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { LEADS_TEMPLATE, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** Bases, tables and fields (docs/platform/feishu.md §2.1–2.2) through the real SDK. */
describe('bitable tables and fields (SDK contract)', () => {
  let emu: BitableEmulator;
  let base: CreatedBase;

  beforeAll(async () => {
    emu = await startBitable();
    base = await emu.createBase(LEADS_TEMPLATE);
  });
  afterAll(() => emu.stop());

  it('ids have the documented shapes', () => {
    expect(base.app_token).toMatch(/^[A-Za-z0-9]{27}$/);
    for (const t of base.tables) {
      expect(t.table_id).toMatch(/^tbl[A-Za-z0-9]{13}$/);
      for (const f of t.fields) expect(f.field_id).toMatch(/^fld[A-Za-z0-9]{7}$/);
    }
  });

  it('GET app answers the base meta; unknown app_token → 1254040', async () => {
    const app = await emu.client.bitable.v1.app.get({ path: { app_token: base.app_token } });
    expect(app.data!.app).toMatchObject({ app_token: base.app_token, name: '线索旅程', time_zone: 'Asia/Shanghai' });
    expect(await outcome(emu.client.bitable.v1.appTable.list({ path: { app_token: 'bascnNoSuchBase' } }))).toMatchObject({ status: 200, code: 1254040 });
  });

  it('tables list pages with has_more / page_token / total', async () => {
    for (const name of ['T1', 'T2', 'T3']) await emu.client.bitable.v1.appTable.create({ path: { app_token: base.app_token }, data: { table: { name } } });
    const p1 = await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token }, params: { page_size: 3 } });
    expect(p1.data).toMatchObject({ has_more: true, total: 5 });
    expect(p1.data!.items!.map((t) => t.name)).toEqual(['Accounts', 'Leads', 'T1']);
    expect(p1.data!.items![0]).toEqual({ table_id: expect.stringMatching(/^tbl/), revision: expect.any(Number), name: 'Accounts' });
    const p2 = await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token }, params: { page_size: 3, page_token: p1.data!.page_token! } });
    expect(p2.data!.items!.map((t) => t.name)).toEqual(['T2', 'T3']);
    expect(p2.data!.has_more).toBe(false);
    expect(p2.data).not.toHaveProperty('page_token');
  });

  it('table create answers table_id, default_view_id, field_id_list; duplicate name → 1254013', async () => {
    const res = await emu.client.bitable.v1.appTable.create({
      path: { app_token: base.app_token },
      data: {
        table: {
          name: 'Campaigns',
          default_view_name: 'All',
          fields: [
            { field_name: 'Campaign', type: 1 },
            { field_name: 'Budget', type: 2, ui_type: 'Currency' },
          ],
        },
      },
    });
    expect(res.code).toBe(0);
    expect(res.data!.table_id).toMatch(/^tbl[A-Za-z0-9]{13}$/);
    expect(res.data!.default_view_id).toMatch(/^vew[A-Za-z0-9]{7}$/);
    expect(res.data!.field_id_list).toHaveLength(2);
    const fields = await emu.client.bitable.v1.appTableField.list({ path: { app_token: base.app_token, table_id: res.data!.table_id! } });
    expect(fields.data!.items).toEqual([
      { field_id: res.data!.field_id_list![0], field_name: 'Campaign', type: 1, ui_type: 'Text', is_primary: true, is_hidden: false, property: null },
      { field_id: res.data!.field_id_list![1], field_name: 'Budget', type: 2, ui_type: 'Currency', is_primary: false, is_hidden: false, property: null },
    ]);
    const views = await emu.client.bitable.v1.appTableView.list({ path: { app_token: base.app_token, table_id: res.data!.table_id! } });
    expect(views.data!.items).toEqual([{ view_id: res.data!.default_view_id, view_name: 'All', view_type: 'grid' }]);
    const inView = await emu.client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: res.data!.table_id! }, data: { view_id: res.data!.default_view_id! } });
    expect(inView.code).toBe(0);
    expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: res.data!.table_id! }, data: { view_id: 'vewNope123' } }))).toMatchObject({ code: 1254042 });
    const dup = await outcome(emu.client.bitable.v1.appTable.create({ path: { app_token: base.app_token }, data: { table: { name: 'Campaigns' } } }));
    expect(dup).toMatchObject({ status: 200, code: 1254013 });
  });

  it('a bad field definition fails the whole table create with HTTP 400 / 99992402', async () => {
    const r = await outcome(emu.client.bitable.v1.appTable.create({ path: { app_token: base.app_token }, data: { table: { name: 'Broken', fields: [{ field_name: 'Owner', type: 11 }] } } }));
    expect(r).toMatchObject({ status: 400, code: 99992402 }); // a person field cannot be primary
    const r2 = await outcome(
      emu.client.bitable.v1.appTable.create({
        path: { app_token: base.app_token },
        data: {
          table: {
            name: 'Broken',
            fields: [
              { field_name: 'A', type: 1 },
              { field_name: 'B', type: 999 },
            ],
          },
        },
      }),
    );
    expect(r2).toMatchObject({ status: 400, code: 99992402 });
    const list = await emu.client.bitable.v1.appTable.list({ path: { app_token: base.app_token }, params: { page_size: 100 } });
    expect(list.data!.items!.some((t) => t.name === 'Broken')).toBe(false);
  });

  it('fields list reports type, ui_type, is_primary and select options with opt… ids; pages ≤100', async () => {
    const leads = emu.tableId(base, 'leads');
    const p1 = await emu.client.bitable.v1.appTableField.list({ path: { app_token: base.app_token, table_id: leads }, params: { page_size: 5 } });
    expect(p1.data).toMatchObject({ has_more: true, total: LEADS_TEMPLATE.tables[1]!.fields.length });
    expect(p1.data!.items![0]).toMatchObject({ field_name: 'Name', type: 1, ui_type: 'Text', is_primary: true });
    const stage = p1.data!.items!.find((f) => f.field_name === 'Stage')!;
    expect(stage).toMatchObject({ type: 3, ui_type: 'SingleSelect', is_primary: false });
    expect(stage.property!.options).toEqual([
      { id: expect.stringMatching(/^opt[A-Za-z0-9]{7}$/), name: 'New', color: 0 },
      { id: expect.stringMatching(/^opt[A-Za-z0-9]{7}$/), name: 'MQL', color: 1 },
      { id: expect.stringMatching(/^opt[A-Za-z0-9]{7}$/), name: 'SQL', color: 2 },
    ]);
    const p2 = await emu.client.bitable.v1.appTableField.list({ path: { app_token: base.app_token, table_id: leads }, params: { page_size: 100, page_token: p1.data!.page_token! } });
    expect(p2.data!.items!.length).toBe(LEADS_TEMPLATE.tables[1]!.fields.length - 5);
    const link = p2.data!.items!.find((f) => f.field_name === 'Account')!;
    expect(link).toMatchObject({ type: 18, ui_type: 'SingleLink', property: { table_id: emu.tableId(base, 'accounts') } });
    expect(await outcome(emu.client.bitable.v1.appTableField.list({ path: { app_token: base.app_token, table_id: leads }, params: { page_size: 101 } }))).toMatchObject({ status: 400, code: 99992402 });
  });

  it('field create trims the name, assigns option ids (ignoring given ones), and rejects duplicates with 1254014', async () => {
    const path = { app_token: base.app_token, table_id: emu.tableId(base, 'accounts') };
    const res = await emu.client.bitable.v1.appTableField.create({
      path,
      data: {
        field_name: '  Tier  ',
        type: 3,
        property: {
          options: [
            { name: 'A', id: 'optMINE0001' },
            { name: 'B', color: 7 },
          ],
        },
      },
    });
    expect(res.code).toBe(0);
    expect(res.data!.field).toMatchObject({ field_name: 'Tier', type: 3, ui_type: 'SingleSelect', is_primary: false });
    const opts = res.data!.field!.property!.options!;
    expect(opts.map((o) => [o.name, o.color])).toEqual([
      ['A', 0],
      ['B', 7],
    ]);
    expect(opts[0]!.id).not.toBe('optMINE0001');
    expect(await outcome(emu.client.bitable.v1.appTableField.create({ path, data: { field_name: 'Tier', type: 1 } }))).toMatchObject({ code: 1254014 });
    expect(await outcome(emu.client.bitable.v1.appTableField.create({ path, data: { field_name: 'Empty opt', type: 4, property: { options: [{ name: '' }] } } }))).toMatchObject({ code: 1254026 });
  });

  it('field create with client_token is idempotent; a malformed token is 1254037', async () => {
    const path = { app_token: base.app_token, table_id: emu.tableId(base, 'accounts') };
    const token = randomUUID();
    const a = await emu.client.bitable.v1.appTableField.create({ path, params: { client_token: token }, data: { field_name: 'Region', type: 1 } });
    const b = await emu.client.bitable.v1.appTableField.create({ path, params: { client_token: token }, data: { field_name: 'Region', type: 1 } });
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.data!.field!.field_id).toBe(a.data!.field!.field_id);
    expect(emu.svc.state.table(base.app_token, path.table_id).fields.filter((f) => f.field_name === 'Region')).toHaveLength(1);
    expect(await outcome(emu.client.bitable.v1.appTableField.create({ path, params: { client_token: 'not-a-uuid' }, data: { field_name: 'X', type: 1 } }))).toMatchObject({ status: 400, code: 1254037 });
  });

  it('field update (PUT) renames, keeps option ids that are sent back, and clears cells of removed options', async () => {
    const leads = emu.tableId(base, 'leads');
    const path = { app_token: base.app_token, table_id: leads };
    const stageId = emu.fieldId(base, 'leads', 'Stage');
    const rec = await emu.client.bitable.v1.appTableRecord.create({ path, data: { fields: { Name: 'Opt test', Stage: 'New' } } });
    const rec2 = await emu.client.bitable.v1.appTableRecord.create({ path, data: { fields: { Name: 'Opt test 2', Stage: 'SQL' } } });
    const rec3 = await emu.client.bitable.v1.appTableRecord.create({ path, data: { fields: { Name: 'Opt test 3', Stage: 'MQL' } } });
    const list = await emu.client.bitable.v1.appTableField.list({ path, params: { page_size: 100 } });
    const [newOpt, , sqlOpt] = list.data!.items!.find((f) => f.field_id === stageId)!.property!.options!;
    const res = await emu.client.bitable.v1.appTableField.update({
      path: { ...path, field_id: stageId },
      data: { field_name: 'Lifecycle', type: 3, property: { options: [{ id: newOpt!.id!, name: 'New lead' }, { id: sqlOpt!.id!, name: 'SQL' }, { name: 'Won' }] } },
    });
    expect(res.code).toBe(0);
    expect(res.data!.field!.field_name).toBe('Lifecycle');
    expect(res.data!.field!.property!.options!.map((o) => o.id).slice(0, 2)).toEqual([newOpt!.id, sqlOpt!.id]);
    const ids = [rec, rec2, rec3].map((r) => r.data!.record!.record_id!);
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path, data: { record_ids: ids } });
    expect(got.data!.records![0]!.fields.Lifecycle).toBe('New lead'); // stored by option id, so the rename shows
    expect(got.data!.records![1]!.fields.Lifecycle).toBe('SQL');
    expect(got.data!.records![2]!.fields).not.toHaveProperty('Lifecycle'); // its option (MQL) was removed
    // Renaming onto another field's name is refused.
    expect(await outcome(emu.client.bitable.v1.appTableField.update({ path: { ...path, field_id: stageId }, data: { field_name: 'Score', type: 3 } }))).toMatchObject({ code: 1254014 });
    expect(await outcome(emu.client.bitable.v1.appTableField.update({ path: { ...path, field_id: 'fldNope123' }, data: { field_name: 'X', type: 1 } }))).toMatchObject({ code: 1254044 });
    // Put the name back for other tests.
    await emu.client.bitable.v1.appTableField.update({ path: { ...path, field_id: stageId }, data: { field_name: 'Stage', type: 3, property: { options: res.data!.field!.property!.options } } });
  });
});
