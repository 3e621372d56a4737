import { afterEach, describe, expect, it } from 'vitest';
import { createBitableLeadTable } from '../../src/bitable/lead-table.js';
import { createRoster } from '../../src/bitable/roster.js';
import { systemClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { loadBaseTemplate, templateTable } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { createHandleRecordChange } from '../../src/usecases/handle-record-change.js';
import { createReconcile } from '../../src/usecases/reconcile.js';
import { startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';
import { TEST_STORE } from '../support/test-store.js';

/** The record-change path and reconciliation in process, against the sandbox through the real SDK. */
describe('record changes and reconciliation', () => {
  let fx: WriterFixture;
  afterEach(async () => fx?.close());

  async function setup() {
    fx = await startWriterFixture({ rates: false });
    const template = loadBaseTemplate();
    const tables = new Map((await fx.api.listTables(fx.appToken)).map((t) => [t.name, t.table_id]));
    const where = () => ({ appToken: fx.appToken, leadsTableId: fx.leadsTableId, historyTableId: tables.get('阶段历史'), repsTableId: tables.get('销售团队') });
    const log = testLogger();
    const roster = createRoster({ api: fx.api, template, appToken: () => fx.appToken, tableId: () => tables.get('销售团队') });
    const table = createBitableLeadTable({ api: fx.api, template, layout: where, log });
    const handle = createHandleRecordChange({ store: fx.store, journey: loadJourney('default'), clock: systemClock, table, team: roster, leadsTable: templateTable(template, 'leads'), log });
    const reconcile = createReconcile({ store: fx.store, table, clock: systemClock, log, handle, overlapMs: 0 });
    const svc = getBitable(fx.emu.emu.kernel);
    const person = fx.emu.emu.kernel.directory.addUser({ name: '张伟' });
    const as = { operator: svc.userOperator(person.open_id) };
    return { handle, reconcile, svc, as, person };
  }

  it('events for one row arriving out of order end in the state the row shows; a repeated event changes nothing', async () => {
    const { handle, svc, as, person } = await setup();
    const [row] = await svc.createRecords(fx.appToken, fx.leadsTableId, [{ fields: { 公司名称: '乱序科技', 联系人: '钱', 电话: '13500000000', 阶段: '线索' } }], as);
    const ev = (action: string) => ({ appToken: fx.appToken, tableId: fx.leadsTableId, editorId: person.open_id, actions: [{ recordId: row!.record_id, action }] });
    expect((await handle(ev('record_added'))).adopted).toBe(1);
    await fx.writer().drain();
    await svc.updateRecords(fx.appToken, fx.leadsTableId, [{ record_id: row!.record_id, fields: { 需求描述: '要私有化部署' } }], as); // edit 1
    await svc.updateRecords(fx.appToken, fx.leadsTableId, [{ record_id: row!.record_id, fields: { 阶段: 'MQL' } }], as); // edit 2
    // edit 2's event first: the row already holds both edits, so the move is applied once …
    expect(await handle(ev('record_edited'))).toMatchObject({ moved: 1, facts: 1 });
    // … and edit 1's late event (and any repeat) finds nothing left to do.
    expect(await handle(ev('record_edited'))).toMatchObject({ moved: 0, reverted: 0, facts: 0 });
    await fx.writer().drain();
    expect(await handle(ev('record_edited'))).toMatchObject({ moved: 0, reverted: 0, facts: 0, echoes: 1 }); // the server's own writes coming back
    const lead = (await fx.store.leads.getByRecordId(row!.record_id))!;
    expect(lead.stage).toBe('mql');
    expect((await fx.store.transitions.listForLead(lead.id)).map((t) => t.to)).toEqual(['lead', 'mql']);
  });

  it('a reconciliation pass stops between pages when the server is stopping, its cursor unmoved', async () => {
    const { reconcile, svc, as } = await setup();
    await svc.createRecords(fx.appToken, fx.leadsTableId, [{ fields: { 公司名称: '停止公司', 联系人: '孙', 电话: '13400000001', 需求描述: '需求', 阶段: '线索' } }], as);
    expect(await reconcile({ stopping: () => true })).toBeUndefined();
    expect(await fx.store.cursors.get('reconcile.leads')).toBeUndefined();
    expect(await fx.store.leads.count()).toBe(0);
    expect((await reconcile())!).toMatchObject({ full: true, adopted: 1 });
  });

  it('reconciliation repairs a change whose event never came, reads only rows past its cursor, and finds deleted rows on a full pass', async () => {
    const { reconcile, svc, as } = await setup();
    const rows = await svc.createRecords(
      fx.appToken,
      fx.leadsTableId,
      [1, 2, 3].map((i) => ({ fields: { 公司名称: `对账公司${i}`, 联系人: '孙', 电话: '13400000000', 需求描述: '需求', 阶段: '线索' } })),
      as,
    );
    const first = (await reconcile())!;
    expect(first).toMatchObject({ full: true, adopted: 3, rows: 3 });
    await fx.writer().drain();
    await new Promise((r) => setTimeout(r, 5));
    expect((await reconcile())!.rows).toBe(3); // the server's own write-backs moved the rows past the cursor
    await new Promise((r) => setTimeout(r, 5));
    expect((await reconcile())!).toMatchObject({ full: false, rows: 0 });

    // A person moves a row (the event is lost) and deletes another (so is its event).
    await new Promise((r) => setTimeout(r, 5));
    await svc.updateRecords(fx.appToken, fx.leadsTableId, [{ record_id: rows[0]!.record_id, fields: { 阶段: 'MQL' } }], as);
    const inc = (await reconcile())!;
    expect(inc).toMatchObject({ full: false, rows: 1, moved: 1 });
    expect((await fx.store.leads.getByRecordId(rows[0]!.record_id))!.stage).toBe('mql');
    await svc.deleteRecords(fx.appToken, fx.leadsTableId, [rows[1]!.record_id], as);
    expect((await reconcile({ full: true }))!).toMatchObject({ full: true, deleted: 1 });
    expect((await fx.store.leads.getByRecordId(rows[1]!.record_id))!.deletedAt).not.toBeNull();
  });

  // the Bitable's search budget, not the store's: run once, on SQLite (adopting 50,000 rows on PGlite takes minutes)
  it.skipIf(TEST_STORE !== 'sqlite')(
    'a full pass over 50,000 rows takes at most 100 search calls',
    async () => {
      const { reconcile, svc, as } = await setup();
      for (let i = 0; i < 50_000; i += 500) {
        await svc.createRecords(
          fx.appToken,
          fx.leadsTableId,
          Array.from({ length: 500 }, (_, j) => ({ fields: { 公司名称: `公司${i + j}`, 电话: '13300000000', 阶段: '线索' } })),
          as,
        );
      }
      fx.emu.emu.kernel.calls.clear();
      const r = (await reconcile())!;
      expect(r.rows).toBe(50_000);
      expect(r.searchCalls).toBe(100);
      expect(fx.emu.emu.kernel.calls.get('bitable.record.search')).toBe(100);
      expect(r.adopted).toBe(50_000);
    },
    180_000,
  );
});
