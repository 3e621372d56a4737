import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { LEADS_TEMPLATE, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** Value shapes both ways (docs/platform/feishu.md#23-record-values), through the real SDK over HTTP. */
describe('bitable record values (SDK contract)', () => {
  let emu: BitableEmulator;
  let base: CreatedBase;
  let leads: string;
  let accountRec: string;
  const path = () => ({ app_token: base.app_token, table_id: leads });

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: Date.UTC(2025, 0, 15, 4, 0, 0) } });
    base = await emu.createBase(LEADS_TEMPLATE);
    leads = emu.tableId(base, 'leads');
    const acc = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token: base.app_token, table_id: emu.tableId(base, 'accounts') }, data: { fields: { Account: 'ACME' } } });
    accountRec = acc.data!.record!.record_id!;
  });
  afterAll(() => emu.stop());

  const fullWrite = () => ({
    Name: 'ACME 采购 https://acme.example.com 官网',
    Score: 87.5,
    Stage: 'MQL',
    Tags: ['vip', 'brand-new'],
    Due: 1736899200000,
    Qualified: true,
    Owner: [{ id: emu.alice.open_id }],
    Phone: '+8613800138000',
    Website: { text: 'ACME', link: 'https://acme.example.com' },
    Account: [accountRec],
    Email: 'buyer@acme.example.com',
  });

  it('create echoes the written fields with record_id and id; read returns the documented read shapes', async () => {
    const res = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: fullWrite() } });
    expect(res.code).toBe(0);
    const rec = res.data!.record!;
    expect(rec.record_id).toMatch(/^rec[A-Za-z0-9]+$/);
    expect((rec as { id?: string }).id).toBe(rec.record_id); // write responses echo `id` (§2.3), absent from the SDK types
    expect(rec.fields).toEqual(fullWrite());

    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [rec.record_id!] } });
    expect(got.code).toBe(0);
    expect(got.data!.records![0]!.fields).toEqual({
      Name: [
        { type: 'text', text: 'ACME 采购 ' },
        { type: 'url', text: 'https://acme.example.com', link: 'https://acme.example.com' },
        { type: 'text', text: ' 官网' },
      ],
      Score: 87.5,
      Stage: 'MQL',
      Tags: ['vip', 'brand-new'],
      Due: 1736899200000,
      Qualified: true,
      Owner: [{ id: emu.alice.open_id, name: '张敏', en_name: 'Min Zhang', email: 'min@example.com', avatar_url: emu.alice.avatar_url }],
      Phone: '+8613800138000',
      Website: { text: 'ACME', link: 'https://acme.example.com' },
      Account: { link_record_ids: [accountRec] },
      Email: [{ type: 'url', text: 'buyer@acme.example.com', link: 'mailto:buyer@acme.example.com' }],
      // automatic fields are always in `fields`; formula values are not computed by the emulator
      Created: Date.UTC(2025, 0, 15, 4, 0, 0),
      Modified: Date.UTC(2025, 0, 15, 4, 0, 0),
      Creator: [{ id: emu.app.bot_open_id, name: emu.app.name, en_name: emu.app.name, avatar_url: '' }],
      Editor: [{ id: emu.app.bot_open_id, name: emu.app.name, en_name: emu.app.name, avatar_url: '' }],
      'No.': '1', // AutoNumber counts per table
    });
    // No automatic envelope fields unless asked for (§2.3).
    expect(got.data!.records![0]).not.toHaveProperty('created_time');
  });

  it('the deprecated single-record GET shows a link as [{type, table_id, record_ids, text}]; search and batch_get as {link_record_ids}', async () => {
    const made = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: '链接', Account: [accountRec] } } });
    const id = made.data!.record!.record_id!;
    const one = await emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: id } });
    expect(one.data!.record!.fields.Account).toEqual([{ type: 'text', table_id: emu.tableId(base, 'accounts'), record_ids: [accountRec], text: 'ACME' }]);
    const many = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
    expect(many.data!.records![0]!.fields.Account).toEqual({ link_record_ids: [accountRec] });
  });

  it('an unknown select name creates a new option with an opt… id (visible in the fields list)', async () => {
    const fields = await emu.client.bitable.v1.appTableField.list({ path: path(), params: { page_size: 100 } });
    const tags = fields.data!.items!.find((f) => f.field_name === 'Tags')!;
    expect(tags.property!.options!.map((o) => o.name)).toEqual(['vip', 'cn', 'brand-new']);
    expect(tags.property!.options![2]!.id).toMatch(/^opt[A-Za-z0-9]{7}$/);
  });

  it('empty cells are omitted; update is a partial merge; null clears', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Beta', Score: 10, Notes: 'call back' } } });
    const id = c.data!.record!.record_id!;
    const u = await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, data: { fields: { Score: 11, Notes: null } as never } });
    expect(u.code).toBe(0);
    expect(u.data!.record).toEqual({ fields: { Score: 11, Notes: null }, id, record_id: id });
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
    const f = got.data!.records![0]!.fields;
    expect(f.Name).toEqual([{ type: 'text', text: 'Beta' }]);
    expect(f.Score).toBe(11);
    expect(f).not.toHaveProperty('Notes');
    expect(f).not.toHaveProperty('Stage');
    expect(f).not.toHaveProperty('Qualified');
    // switch (undocumented behaviour): an unchecked checkbox read as false instead of left out
    emu.svc.config.uncheckedCheckbox = 'false';
    try {
      const again = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
      expect(again.data!.records![0]!.fields.Qualified).toBe(false);
      expect(again.data!.records![0]!.fields).not.toHaveProperty('Notes'); // other empty cells stay out
    } finally {
      emu.svc.config.uncheckedCheckbox = 'omitted';
    }
  });

  it('writing false to a checkbox or "" to text empties the cell', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Gamma', Qualified: true } } });
    const id = c.data!.record!.record_id!;
    await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, data: { fields: { Qualified: false, Name: '' } } });
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
    expect(got.data!.records![0]!.fields).not.toHaveProperty('Qualified');
    expect(got.data!.records![0]!.fields).not.toHaveProperty('Name');
  });

  it('person ids follow user_id_type on write and read', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { user_id_type: 'user_id' }, data: { fields: { Owner: [{ id: emu.bob.user_id }] } } });
    expect(c.code).toBe(0);
    const id = c.data!.record!.record_id!;
    const asUnion = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id], user_id_type: 'union_id' } });
    expect(asUnion.data!.records![0]!.fields.Owner).toEqual([{ id: emu.bob.union_id, name: '李雷', en_name: 'Lei Li', avatar_url: emu.bob.avatar_url }]);
    // An open_id sent while user_id_type=user_id does not resolve: 1254066.
    const wrong = await outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), params: { user_id_type: 'user_id' }, data: { fields: { Owner: [{ id: emu.bob.open_id }] } } }));
    expect(wrong).toMatchObject({ status: 200, code: 1254066 });
  });

  it('type mismatches answer the 12540xx conversion codes with HTTP 200', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ Name: 42 }, 1254060],
      [{ Score: '42' }, 1254061],
      [{ Stage: ['MQL'] }, 1254062],
      [{ Tags: 'vip' }, 1254063],
      [{ Due: '2025-01-01' }, 1254064],
      [{ Qualified: 'yes' }, 1254065],
      [{ Owner: [{ id: 'ou_nobody' }] }, 1254066],
      [{ Owner: 'ou_x' }, 1254066],
      [{ Account: ['recDoesNotExist'] }, 1254067],
      [{ Website: 'https://x.example' }, 1254068],
      [{ Phone: '138-0013-8000' }, 1254072],
    ];
    for (const [fields, code] of cases) {
      const r = await outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: fields as never } }));
      expect({ fields, status: r.status, code: r.code }).toEqual({ fields, status: 200, code });
    }
  });

  it('unknown or read-only field names answer 1254045 FieldNameNotFound and write nothing', async () => {
    const before = emu.svc.state.table(base.app_token, leads).records.size;
    for (const fields of [{ Nope: 'x' }, { 'Days open': 3 }, { Created: 1 }, { Creator: [{ id: emu.alice.open_id }] }, { 'No.': '9' }]) {
      const r = await outcome(emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: fields as never } }));
      expect(r).toMatchObject({ status: 200, code: 1254045, msg: 'FieldNameNotFound' });
      expect((r.body as { error: { message: string } }).error.message).toContain(Object.keys(fields)[0]);
    }
    // A batch with one bad record writes none of them.
    const batch = await outcome(emu.client.bitable.v1.appTableRecord.batchCreate({ path: path(), data: { records: [{ fields: { Name: 'ok' } }, { fields: { Score: 'bad' } as never }] } }));
    expect(batch.code).toBe(1254061);
    expect(emu.svc.state.table(base.app_token, leads).records.size).toBe(before);
  });

  it('unknown record → 1254043; unknown table → 1254041; unknown base → 1254040', async () => {
    expect(await outcome(emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: 'recNope' }, data: { fields: { Score: 1 } } }))).toMatchObject({ code: 1254043 });
    expect(await outcome(emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: 'recNope' } }))).toMatchObject({ code: 1254043 });
    expect(await outcome(emu.client.bitable.v1.appTableRecord.delete({ path: { ...path(), record_id: 'recNope' } }))).toMatchObject({ code: 1254043 });
    expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: 'tblNope' } }))).toMatchObject({ code: 1254041 });
    expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: { app_token: 'NoSuchBase', table_id: leads } }))).toMatchObject({ code: 1254040 });
  });

  it('GET record: text as a plain string unless text_field_as_array=true; automatic_fields adds the envelope', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Delta' } } });
    const id = c.data!.record!.record_id!;
    const plain = await emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: id } });
    expect(plain.data!.record).toMatchObject({ id, record_id: id, fields: { Name: 'Delta' } });
    expect(plain.data!.record).not.toHaveProperty('created_by');
    const arr = await emu.client.bitable.v1.appTableRecord.get({ path: { ...path(), record_id: id }, params: { text_field_as_array: true, automatic_fields: true } });
    expect(arr.data!.record!.fields.Name).toEqual([{ type: 'text', text: 'Delta' }]);
    expect(arr.data!.record).toMatchObject({
      created_time: Date.UTC(2025, 0, 15, 4, 0, 0),
      last_modified_time: Date.UTC(2025, 0, 15, 4, 0, 0),
      created_by: { id: emu.app.bot_open_id, name: emu.app.name },
      last_modified_by: { id: emu.app.bot_open_id },
    });
  });

  it('automatic fields track the emulator clock and the editing app', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Epsilon' } } });
    const id = c.data!.record!.record_id!;
    emu.emu.kernel.clock.advance(60_000);
    await emu.client.bitable.v1.appTableRecord.update({ path: { ...path(), record_id: id }, data: { fields: { Score: 1 } } });
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id], automatic_fields: true } });
    const r = got.data!.records![0]!;
    expect(r.last_modified_time! - r.created_time!).toBe(60_000);
    expect(r.fields.Modified).toBe(r.last_modified_time);
  });

  it('batch_get returns found records and lists the rest in absent_record_ids (≤100 ids)', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Zeta' } } });
    const id = c.data!.record!.record_id!;
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id, 'recGone1', 'recGone2'] } });
    expect(got.data!.records!.map((r) => r.record_id)).toEqual([id]);
    expect(got.data!.absent_record_ids).toEqual(['recGone1', 'recGone2']);
    expect(got.data!.forbidden_record_ids).toEqual([]);
    const tooMany = await outcome(emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: Array.from({ length: 101 }, (_, i) => `rec${i}`) } }));
    expect(tooMany).toMatchObject({ status: 400, code: 99992402 });
  });

  it('delete answers {deleted, record_id}; the record is gone', async () => {
    const c = await emu.client.bitable.v1.appTableRecord.create({ path: path(), data: { fields: { Name: 'Eta' } } });
    const id = c.data!.record!.record_id!;
    const d = await emu.client.bitable.v1.appTableRecord.delete({ path: { ...path(), record_id: id } });
    expect(d).toMatchObject({ code: 0, data: { deleted: true, record_id: id } });
    const got = await emu.client.bitable.v1.appTableRecord.batchGet({ path: path(), data: { record_ids: [id] } });
    expect(got.data!.absent_record_ids).toEqual([id]);
  });

  it('error replies carry error.log_id and the X-Tt-Logid header', async () => {
    const res = await fetch(`${emu.url}/open-apis/bitable/v1/apps/${base.app_token}/tables/${leads}/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.emu.kernel.tokens.issue(emu.app.app_id).token}`, 'content-type': 'application/json' },
      body: '{"fields":',
    });
    const body = (await res.json()) as { code: number; error: { log_id: string } };
    expect(res.status).toBe(200);
    expect(body.code).toBe(1254000);
    expect(body.error.log_id).toBe(res.headers.get('x-tt-logid'));
  });
});
