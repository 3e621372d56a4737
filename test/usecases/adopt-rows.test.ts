import { createBitableLeadTable } from '../../src/bitable/lead-table.js';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { loadBaseTemplate, templateTable } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { createAdoptRows } from '../../src/usecases/adopt-rows.js';
import { startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';

/** Rows people typed become leads: key assigned (or kept), journey started at the shown stage, server fields written back. */
describe('adopt rows', () => {
  let fx: WriterFixture;
  afterEach(async () => fx?.close());

  it('adopts human rows once, keeps a typed key, refuses a duplicate key, writes 线索编号 and the entry label back', async () => {
    fx = await startWriterFixture();
    const k = fx.emu.emu.kernel;
    const person = k.directory.addUser({ name: '张伟' });
    const svc = getBitable(k);
    const rows = [
      { 公司名称: '甲公司', 联系人: '赵', 电话: '13800000001', 需求描述: '要 CRM', 阶段: 'MQL' },
      { 公司名称: '乙公司', 邮箱: 'li@yi.cn', 阶段: '' },
      { 联系人: '丙经理', 微信: 'bing-wx', 线索编号: 'XS-000041', 阶段: '培育池' },
      { 公司名称: '丁公司', 电话: '13800000004', 线索编号: 'XS-000041' },
      // drafts: an empty row (「+ 新增记录」), a row with a name but no way to reach anyone, and one typed
      // with a stage and a key but no facts yet
      {},
      { 公司名称: '戊公司（草稿）', 阶段: 'MQL' },
      { 电话: '13800000007', 线索编号: 'XS-000077' },
    ];
    const made = await svc.createRecords(
      fx.appToken,
      fx.leadsTableId,
      rows.map((fields) => ({ fields })),
      { operator: svc.userOperator(person.open_id) },
    );
    const ids = made.map((r) => r.record_id);
    const journey = loadJourney('default');
    const template = loadBaseTemplate();
    const log = testLogger();
    const table = createBitableLeadTable({ api: fx.api, template, layout: () => ({ appToken: fx.appToken, leadsTableId: fx.leadsTableId, historyTableId: undefined, repsTableId: undefined }), log });
    const adopt = createAdoptRows({ store: fx.store, journey, clock: systemClock, table, leadsTable: templateTable(template, 'leads'), log });

    const r = await adopt(fx.appToken, fx.leadsTableId);
    expect(r.seen).toBe(7);
    expect(r.adopted).toEqual(['XS-000001', 'XS-000002', 'XS-000041']);
    expect(r.drafts).toBe(3);
    // drafts are not leads and the server writes nothing into them
    expect(await fx.store.leads.getByKey('XS-000077')).toBeUndefined();
    for (const id of ids.slice(4)) expect(await fx.store.leads.getByRecordId(id!)).toBeUndefined();
    expect(r.skipped).toEqual([{ recordId: ids[3], why: `线索编号 XS-000041 already belongs to row ${ids[2]}` }]);

    const a = (await fx.store.leads.getByKey('XS-000001'))!;
    expect(a).toMatchObject({ recordId: ids[0], stage: 'mql', baseToken: fx.appToken, tableId: fx.leadsTableId });
    expect(a.facts).toMatchObject({ company: '甲公司', contact_name: '赵', phone: '13800000001', need: '要 CRM' });
    expect((await fx.store.leads.getByKey('XS-000002'))!.stage).toBe(journey.initial);
    expect((await fx.store.leads.getByKey('XS-000041'))!.stage).toBe('nurture');

    await fx.writer().drain();
    const read = await fx.api.search(fx.appToken, fx.leadsTableId, {});
    const byId = new Map(read.items.map((x) => [x.record_id, x.fields]));
    const text = (v: unknown) => (Array.isArray(v) ? (v as Array<{ text: string }>).map((s) => s.text).join('') : v);
    expect(text(byId.get(ids[0]!)!['线索编号'])).toBe('XS-000001');
    expect(text(byId.get(ids[0]!)!['进入阶段次数'])).toBe('MQL-01');
    expect(byId.get(ids[1]!)!['阶段']).toBe('线索'); // the empty stage shows where the lead starts
    expect(text(byId.get(ids[2]!)!['线索编号'])).toBe('XS-000041');
    expect(Object.keys(byId.get(ids[4]!)!).filter((f) => f !== '最后更新时间')).toEqual([]);
    expect(byId.get(ids[5]!)!['线索编号']).toBeUndefined();
    expect(byId.get(ids[5]!)!['进入阶段次数']).toBeUndefined();

    // A second pass changes nothing; a new row continues the numbering after the highest key.
    expect((await adopt(fx.appToken, fx.leadsTableId)).adopted).toEqual([]);
    await svc.createRecords(fx.appToken, fx.leadsTableId, [{ fields: { 公司名称: '己公司', 电话: '13800000008' } }], { operator: svc.userOperator(person.open_id) });
    expect((await adopt(fx.appToken, fx.leadsTableId)).adopted).toEqual(['XS-000042']);
    // a draft that gets its way to reach them becomes a lead at the next pass, with the key it was typed with
    await svc.updateRecords(fx.appToken, fx.leadsTableId, [{ record_id: ids[6]!, fields: { 联系人: '庚女士' } }], { operator: svc.userOperator(person.open_id) });
    const later = await adopt(fx.appToken, fx.leadsTableId);
    expect(later).toMatchObject({ adopted: ['XS-000077'], drafts: 2 });
  });
});
