import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordChanged } from '../../../src/sandbox/feishu/kernel/bus.js';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { LEADS_TEMPLATE, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/**
 * Every record add/edit/delete announces `bitable.record_changed` on the kernel bus with field values in
 * the EVENT shape (docs/platform/feishu.md#36-bitable-record-changed-event), the table revision, and the operator: the app's bot for API
 * writes, the person for control-API ("UI") edits.
 */
describe('bitable record-change events', () => {
  const NOW = Date.UTC(2025, 0, 15, 4, 0, 0);
  let emu: BitableEmulator;
  let base: CreatedBase;
  let leads: string;
  let events: RecordChanged[];
  const fid = (name: string) => emu.fieldId(base, 'leads', name);
  const path = () => ({ app_token: base.app_token, table_id: leads });
  const optionId = (field: string, name: string) =>
    emu.svc.state
      .table(base.app_token, leads)
      .fields.find((f) => f.field_name === field)!
      .property!.options!.find((o) => o.name === name)!.id;

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: NOW } });
    base = await emu.createBase(LEADS_TEMPLATE);
    leads = emu.tableId(base, 'leads');
    emu.emu.kernel.bus.on('bitable.record_changed', (e) => void events.push(e));
  });
  beforeEach(() => {
    events = [];
  });
  afterAll(() => emu.stop());

  it('API create → record_added with after_value in event shape, operator = the app bot', async () => {
    const acc = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token: base.app_token, table_id: emu.tableId(base, 'accounts') }, data: { fields: { Account: 'ACME' } } });
    const accId = acc.data!.record!.record_id!;
    events = [];
    const revBefore = emu.svc.state.table(base.app_token, leads).revision;
    const res = await emu.client.bitable.v1.appTableRecord.create({
      path: path(),
      data: {
        fields: {
          Name: 'ACME',
          Score: 12.5,
          Stage: 'MQL',
          Tags: ['vip', 'cn'],
          Due: 1736899200000,
          Qualified: true,
          Owner: [{ id: emu.alice.open_id }],
          Phone: '+86100',
          Website: { text: 'site', link: 'https://acme.example' },
          Account: [accId],
        },
      },
    });
    const id = res.data!.record!.record_id!;
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({ appToken: base.app_token, tableId: leads, revision: revBefore + 1, operatorOpenId: emu.app.bot_open_id, viaAppId: emu.app.app_id, at: NOW });
    expect(e.actions).toHaveLength(1);
    expect(e.actions[0]).toMatchObject({ record_id: id, action: 'record_added', before_value: [] });
    // Entries are keyed by field_id, in field order; values are strings.
    expect(e.actions[0]!.after_value).toEqual([
      { field_id: fid('Name'), field_value: '[{"type":"text","text":"ACME"}]' },
      { field_id: fid('Score'), field_value: '12.5' },
      { field_id: fid('Stage'), field_value: optionId('Stage', 'MQL') },
      { field_id: fid('Tags'), field_value: JSON.stringify([optionId('Tags', 'vip'), optionId('Tags', 'cn')]) },
      { field_id: fid('Due'), field_value: '1736899200000' },
      { field_id: fid('Qualified'), field_value: 'true' },
      {
        field_id: fid('Owner'),
        field_value: JSON.stringify({ users: [{ userId: emu.alice.user_id, name: '张敏', enName: 'Min Zhang' }] }),
        field_identity_value: { users: [{ user_id: { open_id: emu.alice.open_id, union_id: emu.alice.union_id, user_id: emu.alice.user_id }, name: '张敏', en_name: 'Min Zhang', avatar_url: emu.alice.avatar_url }] },
      },
      { field_id: fid('Phone'), field_value: '+86100' },
      { field_id: fid('Website'), field_value: '{"text":"site","link":"https://acme.example"}' },
      { field_id: fid('Account'), field_value: JSON.stringify([accId]) },
    ]);
  });

  it('API update → record_edited listing only the changed fields, before and after; a cleared cell is ""', async () => {
    const res = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'E', Score: 1, Stage: 'New', Notes: 'n' } } });
    const id = res.data!.record!.record_id!;
    events = [];
    await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, data: { fields: { Score: 2, Stage: 'New', Notes: null, Qualified: true } as never } });
    expect(events).toHaveLength(1);
    expect(events[0]!.actions).toEqual([
      {
        record_id: id,
        action: 'record_edited',
        before_value: [
          { field_id: fid('Score'), field_value: '1' },
          { field_id: fid('Qualified'), field_value: '' },
          { field_id: fid('Notes'), field_value: '[{"type":"text","text":"n"}]' },
        ],
        after_value: [
          { field_id: fid('Score'), field_value: '2' },
          { field_id: fid('Qualified'), field_value: 'true' },
          { field_id: fid('Notes'), field_value: '' },
        ],
      },
    ]);
  });

  it('an update that changes nothing emits nothing and leaves the revision alone', async () => {
    const res = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Same', Score: 5 } } });
    const rev = emu.svc.state.table(base.app_token, leads).revision;
    events = [];
    const u = await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: res.data!.record!.record_id! }, data: { fields: { Score: 5 } } });
    expect(u.code).toBe(0);
    expect(events).toEqual([]);
    expect(emu.svc.state.table(base.app_token, leads).revision).toBe(rev);
  });

  it('batch writes: one event per call with one action per record; revision +1 per call', async () => {
    const rev = emu.svc.state.table(base.app_token, leads).revision;
    const res = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: [{ fields: { Name: 'b1' } }, { fields: { Name: 'b2' } }, { fields: { Name: 'b3' } }] } });
    const ids = res.data!.records!.map((r) => r.record_id!);
    await emu.client.bitable.v1.appTableRecord.batchDelete({ path: path(), data: { records: ids.slice(0, 2) } });
    expect(events.map((e) => [e.revision, e.actions.map((a) => [a.action, a.record_id])])).toEqual([
      [rev + 1, ids.map((id) => ['record_added', id])],
      [rev + 2, ids.slice(0, 2).map((id) => ['record_deleted', id])],
    ]);
    expect(events[1]!.actions[0]).toEqual({ record_id: ids[0], action: 'record_deleted', before_value: [{ field_id: fid('Name'), field_value: '[{"type":"text","text":"b1"}]' }], after_value: [] });
  });

  it("switch (undocumented behaviour): with eventsForAppWrites off, an app write raises no event and a person's edit still does", async () => {
    const bot = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: '开关' } } });
    expect(events).toHaveLength(1); // the default: the app's own write raises an event
    events = [];
    emu.svc.config.eventsForAppWrites = false;
    try {
      await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: bot.data!.record!.record_id! }, data: { fields: { Score: 3 } } });
      expect(events).toEqual([]);
      await emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/${bot.data!.record!.record_id}/edit`, { operator_open_id: emu.alice.open_id, fields: { Score: 4 } });
      expect(events).toHaveLength(1);
    } finally {
      emu.svc.config.eventsForAppWrites = true;
    }
  });

  it('failed writes emit nothing', async () => {
    await outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Score: 'x' } as never } }));
    await outcome(emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: Array.from({ length: 501 }, () => ({ fields: {} })) } }));
    expect(events).toEqual([]);
  });

  it('a control-API "UI" edit goes through the same path, with the person as operator', async () => {
    const res = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'UI', Stage: 'New' } } });
    const id = res.data!.record!.record_id!;
    events = [];
    emu.emu.kernel.clock.advance(5_000);
    const edit = await emu.control<{ fields: Record<string, unknown>; last_modified_by: { id: string } }>('POST', `/bases/${base.app_token}/tables/leads/records/${id}/edit`, {
      operator_open_id: emu.bob.open_id,
      fields: { Stage: 'SQL', Owner: [{ id: emu.alice.open_id }] },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.fields.Stage).toBe('SQL');
    expect(edit.body.last_modified_by.id).toBe(emu.bob.open_id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorOpenId: emu.bob.open_id, at: NOW + 5_000 });
    expect(events[0]).not.toHaveProperty('viaAppId');
    expect(events[0]!.actions[0]).toMatchObject({
      action: 'record_edited',
      before_value: [
        { field_id: fid('Stage'), field_value: optionId('Stage', 'New') },
        { field_id: fid('Owner'), field_value: '' },
      ],
      after_value: [
        { field_id: fid('Stage'), field_value: optionId('Stage', 'SQL') },
        { field_id: fid('Owner'), field_value: expect.stringContaining(emu.alice.user_id) },
      ],
    });
    // The SDK sees the person as last modifier.
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id], automatic_fields: true } });
    expect(got.data!.records![0]).toMatchObject({ last_modified_by: { id: emu.bob.open_id, name: '李雷' }, created_by: { id: emu.app.bot_open_id }, last_modified_time: NOW + 5_000 });
    expect(got.data!.records![0]!.fields.Editor).toEqual([{ id: emu.bob.open_id, name: '李雷', en_name: 'Lei Li', avatar_url: emu.bob.avatar_url }]);
  });

  it('control-API add and delete as a user emit record_added / record_deleted with that user', async () => {
    const add = await emu.control<{ record_id: string; fields: Record<string, unknown> }>('POST', `/bases/${base.app_token}/tables/${leads}/records`, { operator_open_id: emu.alice.open_id, fields: { Name: 'From UI', Score: 3 } });
    expect(add.status).toBe(201);
    expect(add.body.fields).toMatchObject({ Name: [{ type: 'text', text: 'From UI' }], Score: 3, Creator: [{ id: emu.alice.open_id }] });
    const del = await emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/${add.body.record_id}/delete`, { operator_open_id: emu.alice.open_id });
    expect(del).toEqual({ status: 200, body: { deleted: true, record_id: add.body.record_id } });
    expect(events.map((e) => [e.operatorOpenId, e.actions[0]!.action])).toEqual([
      [emu.alice.open_id, 'record_added'],
      [emu.alice.open_id, 'record_deleted'],
    ]);
  });

  it('control-API edits are validated like API writes: bad values and unknown people are refused without events', async () => {
    const res = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'V' } } });
    const id = res.data!.record!.record_id!;
    events = [];
    const bad = await emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/${id}/edit`, { operator_open_id: emu.alice.open_id, fields: { Score: 'lots' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'feishu_error', code: 1254061 } });
    const nobody = await emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/${id}/edit`, { operator_open_id: 'ou_nobody', fields: { Score: 1 } });
    expect(nobody).toMatchObject({ status: 400, body: { code: 1254066 } });
    const gone = await emu.control('POST', `/bases/${base.app_token}/tables/${leads}/records/recGone/edit`, { operator_open_id: emu.alice.open_id, fields: { Score: 1 } });
    expect(gone).toMatchObject({ status: 404, body: { code: 1254043 } });
    const malformed = await emu.control<{ error: string }>('POST', `/bases/${base.app_token}/tables/${leads}/records/${id}/edit`, { fields: { Score: 1 } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_body');
    expect(events).toEqual([]);
  });

  it('the in-process service makes the same writes and events (for main.ts / a UI)', async () => {
    const [rec] = await emu.svc.createRecords(base.app_token, leads, [{ fields: { Name: 'In-process' } }], { operator: emu.svc.userOperator(emu.alice.open_id) });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorOpenId: emu.alice.open_id, actions: [{ action: 'record_added', record_id: rec!.record_id }] });
    const page = emu.svc.search(base.app_token, leads, { filter: { conjunction: 'and', conditions: [{ field_name: 'Name', operator: 'is', value: ['In-process'] }] } });
    expect(page.items.map((i) => i.record_id)).toEqual([rec!.record_id]);
  });
});
