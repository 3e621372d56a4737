import type * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { freshClient, LEADS_TEMPLATE, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

type Cond = { field_name: string; operator: string; value?: string[] };
type Filter = { conjunction: 'and' | 'or'; conditions?: Cond[]; children?: unknown[] };

/** POST …/records/search (docs/platform/feishu.md#24-search) through the real SDK. */
describe('bitable search (SDK contract)', () => {
  // 2025-01-15 12:00 in Asia/Shanghai (a Wednesday).
  const NOW = Date.UTC(2025, 0, 15, 4, 0, 0);
  let emu: BitableEmulator;
  let base: CreatedBase;
  let leads: string;
  const label = new Map<string, string>();
  let acc1: string;
  let client: lark.Client;

  const search = (data: Record<string, unknown>, params: Record<string, unknown> = {}) => client.bitable.v1.appTableRecord.search({ path: { app_token: base.app_token, table_id: leads }, params: params as never, data: data as never });
  const labels = async (filter: Filter, params: Record<string, unknown> = {}) => {
    const res = await search({ filter }, params);
    if (res.code !== 0) throw new Error(`search failed: ${res.code} ${res.msg}`);
    return res.data!.items!.map((i) => label.get(i.record_id!)).sort();
  };
  const codeOf = async (filter: unknown) => (await outcome(search({ filter }))).code;

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: NOW } });
    client = emu.client;
    base = await emu.createBase(LEADS_TEMPLATE);
    leads = emu.tableId(base, 'leads');
    const acc = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token: base.app_token, table_id: emu.tableId(base, 'accounts') }, data: { fields: { Account: 'ACME' } } });
    acc1 = acc.data!.record!.record_id!;
    const rows: Array<[string, Record<string, unknown>]> = [
      [
        'r1',
        {
          Name: 'Alpha Corp',
          Score: 10,
          Stage: 'New',
          Tags: ['vip'],
          Due: Date.UTC(2025, 0, 15, 1, 0),
          Qualified: true,
          Owner: [{ id: emu.alice.open_id }],
          Phone: '+86100',
          Website: { text: 'alpha', link: 'https://alpha.example' },
          Account: [acc1],
        },
      ],
      ['r2', { Name: 'Beta LLC', Score: 50, Stage: 'MQL', Tags: ['vip', 'cn'], Due: Date.UTC(2025, 0, 14, 15, 30), Owner: [{ id: emu.bob.open_id }] }],
      ['r3', { Name: 'gamma ltd', Score: 90.5, Stage: 'SQL', Tags: ['cn'], Due: Date.UTC(2025, 0, 15, 16, 0), Owner: [{ id: emu.alice.open_id }, { id: emu.bob.open_id }] }],
      ['r4', {}],
    ];
    const res = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: { app_token: base.app_token, table_id: leads }, data: { records: rows.map(([, fields]) => ({ fields: fields as never })) } });
    res.data!.records!.forEach((r, i) => {
      label.set(r.record_id!, rows[i]![0]);
    });
  });
  afterAll(() => emu.stop());

  describe('paging', () => {
    let big: string;
    beforeAll(async () => {
      const t = await emu.client.bitable.v1.appTable.create({ path: { app_token: base.app_token }, data: { table: { name: 'Big', fields: [{ field_name: 'N', type: 2 }] } } });
      big = t.data!.table_id!;
      for (let chunk = 0; chunk < 3; chunk++) {
        const records = Array.from({ length: 400 }, (_, i) => ({ fields: { N: chunk * 400 + i } }));
        const r = await emu.client.bitable.v1.appTableRecord.batchCreate({ path: { app_token: base.app_token, table_id: big }, data: { records } });
        expect(r.code).toBe(0);
      }
    });

    it('1,200 records come back in 3 pages of ≤500 with has_more, page_token only while more, and total', async () => {
      const seen: number[] = [];
      const pages: Array<{ n: number; has_more: boolean; token: boolean; total: number }> = [];
      let token: string | undefined;
      do {
        const res = await emu.client.bitable.v1.appTableRecord.search({
          path: { app_token: base.app_token, table_id: big },
          params: { page_size: 500, ...(token ? { page_token: token } : {}) },
          data: {},
        });
        expect(res.code).toBe(0);
        const d = res.data!;
        pages.push({ n: d.items!.length, has_more: d.has_more!, token: 'page_token' in d, total: d.total! });
        for (const it of d.items!) seen.push(it.fields.N as number);
        token = d.page_token;
      } while (token);
      expect(pages).toEqual([
        { n: 500, has_more: true, token: true, total: 1200 },
        { n: 500, has_more: true, token: true, total: 1200 },
        { n: 200, has_more: false, token: false, total: 1200 },
      ]);
      expect(seen).toEqual(Array.from({ length: 1200 }, (_, i) => i)); // insertion order, no gaps or repeats
    });

    it('page_size defaults to 20; 0 and negatives → 1254011; above 500 is refused (HTTP 400, 99992402)', async () => {
      const p = { app_token: base.app_token, table_id: big };
      const def = await emu.client.bitable.v1.appTableRecord.search({ path: p, data: {} });
      expect(def.data!.items).toHaveLength(20);
      expect(def.data!.has_more).toBe(true);
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: p, params: { page_size: 0 }, data: {} }))).toMatchObject({ status: 400, code: 1254011 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: p, params: { page_size: -5 }, data: {} }))).toMatchObject({ code: 1254011 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: p, params: { page_size: 501 }, data: {} }))).toMatchObject({ status: 400, code: 99992402 });
    });

    it('a tampered or foreign page_token is refused with 1254030', async () => {
      const p = { app_token: base.app_token, table_id: big };
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: p, params: { page_token: 'garbage!' }, data: {} }))).toMatchObject({ code: 1254030 });
      const other = await search({}, { page_size: 1 });
      expect(await outcome(emu.client.bitable.v1.appTableRecord.search({ path: p, params: { page_token: other.data!.page_token! }, data: {} }))).toMatchObject({ code: 1254030 });
    });

    it('filtered paging: total counts matches only', async () => {
      const res = await emu.client.bitable.v1.appTableRecord.search({
        path: { app_token: base.app_token, table_id: big },
        params: { page_size: 100 },
        data: { filter: { conjunction: 'and', conditions: [{ field_name: 'N', operator: 'isGreaterEqual', value: ['1000'] }] } },
      });
      expect(res.data).toMatchObject({ total: 200, has_more: true });
      expect(res.data!.items![0]!.fields.N).toBe(1000);
    });
  });

  it('field_names limits the returned fields; unknown names → 1254024; automatic_fields adds the envelope', async () => {
    const res = await search({ field_names: ['Name', 'Score'], automatic_fields: true, filter: { conjunction: 'and', conditions: [{ field_name: 'Name', operator: 'is', value: ['Alpha Corp'] }] } });
    expect(res.data!.items).toEqual([
      {
        record_id: expect.any(String),
        fields: { Name: [{ type: 'text', text: 'Alpha Corp' }], Score: 10 },
        created_time: NOW,
        last_modified_time: NOW,
        created_by: { id: emu.app.bot_open_id, name: emu.app.name, en_name: emu.app.name, avatar_url: '' },
        last_modified_by: { id: emu.app.bot_open_id, name: emu.app.name, en_name: emu.app.name, avatar_url: '' },
      },
    ]);
    expect(await outcome(search({ field_names: ['Nope'] }))).toMatchObject({ code: 1254024 });
  });

  it('sort: by number desc, by select option order, empties last; unknown field → 1254016', async () => {
    const byScore = await search({ sort: [{ field_name: 'Score', desc: true }] });
    expect(byScore.data!.items!.map((i) => label.get(i.record_id!))).toEqual(['r3', 'r2', 'r1', 'r4']);
    const byScoreAsc = await search({ sort: [{ field_name: 'Score' }] });
    expect(byScoreAsc.data!.items!.map((i) => label.get(i.record_id!))).toEqual(['r1', 'r2', 'r3', 'r4']);
    const byStage = await search({ sort: [{ field_name: 'Stage', desc: true }] });
    expect(byStage.data!.items!.map((i) => label.get(i.record_id!))).toEqual(['r3', 'r2', 'r1', 'r4']); // SQL, MQL, New
    expect(await outcome(search({ sort: [{ field_name: 'Nope' }] }))).toMatchObject({ code: 1254016 });
  });

  const c = (field_name: string, operator: string, value?: string[]): Filter => ({ conjunction: 'and', conditions: [{ field_name, operator, ...(value ? { value } : {}) }] });

  it('text operators (contains is case-insensitive); isEmpty/isNotEmpty need value []', async () => {
    expect(await labels(c('Name', 'is', ['Beta LLC']))).toEqual(['r2']);
    expect(await labels(c('Name', 'isNot', ['Beta LLC']))).toEqual(['r1', 'r3', 'r4']);
    expect(await labels(c('Name', 'contains', ['CORP']))).toEqual(['r1']);
    expect(await labels(c('Name', 'doesNotContain', ['a']))).toEqual(['r4']);
    expect(await labels(c('Name', 'isEmpty', []))).toEqual(['r4']);
    expect(await labels(c('Name', 'isNotEmpty', []))).toEqual(['r1', 'r2', 'r3']);
    expect(await labels(c('Phone', 'is', ['+86100']))).toEqual(['r1']);
    expect(await labels(c('Website', 'contains', ['alp']))).toEqual(['r1']);
    expect(await codeOf(c('Name', 'isEmpty'))).toBe(1254018);
    expect(await codeOf(c('Name', 'isEmpty', ['x']))).toBe(1254018);
    expect(await codeOf(c('Name', 'isGreater', ['a']))).toBe(1254018);
  });

  it('number operators take a numeric string', async () => {
    expect(await labels(c('Score', 'is', ['90.5']))).toEqual(['r3']);
    expect(await labels(c('Score', 'isNot', ['10']))).toEqual(['r2', 'r3', 'r4']);
    expect(await labels(c('Score', 'isGreater', ['50']))).toEqual(['r3']);
    expect(await labels(c('Score', 'isGreaterEqual', ['50']))).toEqual(['r2', 'r3']);
    expect(await labels(c('Score', 'isLess', ['50']))).toEqual(['r1']);
    expect(await labels(c('Score', 'isLessEqual', ['50']))).toEqual(['r1', 'r2']);
    expect(await codeOf(c('Score', 'isGreater', ['fifty']))).toBe(1254018);
    expect(await codeOf(c('Score', 'contains', ['5']))).toBe(1254018);
    expect(await codeOf({ conjunction: 'and', conditions: [{ field_name: 'Score', operator: 'is', value: [50] }] })).toBe(1254018);
  });

  it('single and multi select: is/isNot take one option name, contains/doesNotContain several', async () => {
    expect(await labels(c('Stage', 'is', ['MQL']))).toEqual(['r2']);
    expect(await labels(c('Stage', 'isNot', ['MQL']))).toEqual(['r1', 'r3', 'r4']);
    expect(await labels(c('Stage', 'contains', ['New', 'SQL']))).toEqual(['r1', 'r3']);
    expect(await labels(c('Stage', 'doesNotContain', ['New', 'SQL']))).toEqual(['r2', 'r4']);
    expect(await codeOf(c('Stage', 'is', ['New', 'SQL']))).toBe(1254018);
    expect(await labels(c('Tags', 'contains', ['cn']))).toEqual(['r2', 'r3']);
    expect(await labels(c('Tags', 'is', ['vip']))).toEqual(['r1']);
    expect(await labels(c('Tags', 'doesNotContain', ['vip']))).toEqual(['r3', 'r4']);
  });

  it('checkbox: is ["true"|"false"] only', async () => {
    expect(await labels(c('Qualified', 'is', ['true']))).toEqual(['r1']);
    expect(await labels(c('Qualified', 'is', ['false']))).toEqual(['r2', 'r3', 'r4']);
    expect(await codeOf(c('Qualified', 'isNot', ['true']))).toBe(1254018);
    expect(await codeOf(c('Qualified', 'is', ['yes']))).toBe(1254018);
  });

  it('person values use the user_id_type ids; links take record ids', async () => {
    expect(await labels(c('Owner', 'is', [emu.alice.open_id]))).toEqual(['r1']);
    expect(await labels(c('Owner', 'contains', [emu.bob.open_id]))).toEqual(['r2', 'r3']);
    expect(await labels(c('Owner', 'doesNotContain', [emu.bob.open_id]))).toEqual(['r1', 'r4']);
    expect(await labels(c('Owner', 'is', [emu.bob.user_id]), { user_id_type: 'user_id' })).toEqual(['r2']);
    expect(await labels(c('Owner', 'is', [emu.bob.open_id]), { user_id_type: 'user_id' })).toEqual([]);
    expect(await labels(c('Account', 'contains', [acc1]))).toEqual(['r1']);
    expect(await labels(c('Creator', 'is', [emu.app.bot_open_id]))).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('dates: ExactDate is truncated to the day in Asia/Shanghai; relative values use the emulator clock', async () => {
    const anyTimeOnJan15 = String(Date.UTC(2025, 0, 15, 14, 59)); // 22:59 in Shanghai
    expect(await labels(c('Due', 'is', ['ExactDate', anyTimeOnJan15]))).toEqual(['r1']);
    expect(await labels(c('Due', 'isGreater', ['ExactDate', anyTimeOnJan15]))).toEqual(['r3']);
    expect(await labels(c('Due', 'isLess', ['ExactDate', anyTimeOnJan15]))).toEqual(['r2']);
    expect(await labels(c('Due', 'is', ['Today']))).toEqual(['r1']);
    expect(await labels(c('Due', 'is', ['Yesterday']))).toEqual(['r2']);
    expect(await labels(c('Due', 'is', ['Tomorrow']))).toEqual(['r3']);
    expect(await labels(c('Due', 'is', ['CurrentWeek']))).toEqual(['r1', 'r2', 'r3']);
    expect(await labels(c('Due', 'is', ['LastWeek']))).toEqual([]);
    expect(await labels(c('Due', 'is', ['CurrentMonth']))).toEqual(['r1', 'r2', 'r3']);
    expect(await labels(c('Due', 'is', ['TheNextWeek']))).toEqual(['r1', 'r3']);
    expect(await labels(c('Due', 'is', ['TheLastWeek']))).toEqual(['r1', 'r2']);
    expect(await labels(c('Due', 'isEmpty', []))).toEqual(['r4']);
    expect(await labels(c('Created', 'is', ['Today']))).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(await codeOf(c('Due', 'isNot', ['Today']))).toBe(1254018);
    expect(await codeOf(c('Due', 'isGreaterEqual', ['Today']))).toBe(1254018);
    expect(await codeOf(c('Due', 'is', ['Someday']))).toBe(1254018);
    expect(await codeOf(c('Due', 'is', ['ExactDate']))).toBe(1254018);
  });

  it('conjunction or, and one level of children', async () => {
    expect(
      await labels({
        conjunction: 'or',
        conditions: [
          { field_name: 'Stage', operator: 'is', value: ['New'] },
          { field_name: 'Score', operator: 'isGreater', value: ['80'] },
        ],
      }),
    ).toEqual(['r1', 'r3']);
    const nested: Filter = {
      conjunction: 'and',
      conditions: [{ field_name: 'Score', operator: 'isGreater', value: ['5'] }],
      children: [
        {
          conjunction: 'or',
          conditions: [
            { field_name: 'Owner', operator: 'contains', value: [emu.bob.open_id] },
            { field_name: 'Qualified', operator: 'is', value: ['true'] },
          ],
        },
      ],
    };
    expect(await labels(nested)).toEqual(['r1', 'r2', 'r3']);
    const two: Filter = {
      conjunction: 'or',
      children: [
        { conjunction: 'and', conditions: [{ field_name: 'Stage', operator: 'is', value: ['MQL'] }] },
        { conjunction: 'and', conditions: [{ field_name: 'Name', operator: 'isEmpty', value: [] }] },
      ],
    };
    expect(await labels(two)).toEqual(['r2', 'r4']);
  });

  it('bad filters answer 1254018', async () => {
    expect(await codeOf({ conditions: [{ field_name: 'Name', operator: 'isEmpty', value: [] }] })).toBe(1254018); // no conjunction
    expect(await codeOf({ conjunction: 'xor', conditions: [] })).toBe(1254018);
    expect(await codeOf(c('Nope', 'is', ['x']))).toBe(1254018);
    expect(await codeOf(c('Name', 'like', ['x']))).toBe(1254018);
    expect(await codeOf(c('Name', 'in', ['x']))).toBe(1254018);
    expect(await codeOf(c('Days open', 'isGreater', ['1']))).toBe(1254018); // formula
    expect(await codeOf({ conjunction: 'and', children: [{ conjunction: 'or', children: [{ conjunction: 'and', conditions: [] }] }] })).toBe(1254018); // two levels
    expect(await codeOf({ conjunction: 'and', conditions: Array.from({ length: 51 }, () => ({ field_name: 'Name', operator: 'isNotEmpty', value: [] })) })).toBe(1254018);
  });
  // Last: it moves the emulator clock a day ahead.
  it('the day boundary follows the configured time zone and moves with the emulator clock', async () => {
    await emu.control('POST', '/bitable/config', { timezone: 'UTC' });
    try {
      // In UTC, r3 (16:00Z on the 15th) is "today" and r2 (15:30Z on the 14th) is still yesterday.
      expect(await labels(c('Due', 'is', ['Today']))).toEqual(['r1', 'r3']);
      emu.emu.kernel.clock.advance(24 * 3600_000);
      // A day later the SDK's cached token has expired on the emulator clock; use a fresh client.
      client = freshClient(emu);
      expect(await labels(c('Due', 'is', ['Yesterday']))).toEqual(['r1', 'r3']);
    } finally {
      await emu.control('POST', '/bitable/config', { timezone: 'Asia/Shanghai' });
    }
  });
});
