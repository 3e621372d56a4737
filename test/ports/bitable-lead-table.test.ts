import { bitableCellEncoder } from '../../src/bitable/field-map.js';
import { createBitableLeadTable } from '../../src/bitable/lead-table.js';
import { testLogger } from '../support/log-capture.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { startWriterFixture } from '../support/writer-fixture.js';
import { leadTableContract } from './lead-table-contract.js';

/** The Feishu adapter: the real SDK against the emulator over HTTP, the real writer sending the queue. */
leadTableContract('Feishu Bitable (emulator, real SDK)', async () => {
  const fx = await startWriterFixture({ rates: false });
  const template = loadBaseTemplate();
  const encode = bitableCellEncoder(template);
  const tables = new Map((await fx.api.listTables(fx.appToken)).map((t) => [t.name, t.table_id]));
  const layout = { appToken: fx.appToken, leadsTableId: fx.leadsTableId, historyTableId: tables.get('阶段历史')!, repsTableId: tables.get('销售团队'), activitiesTableId: tables.get('活动记录') };
  const table = createBitableLeadTable({ api: fx.api, template, layout: () => layout, log: testLogger() });
  const kernel = fx.emu.emu.kernel;
  const svc = getBitable(kernel);
  const people = new Map<string, string>();
  const as = (by: string) => ({ operator: svc.userOperator(by) });
  return {
    table,
    store: fx.store,
    layout,
    person(name) {
      if (!people.has(name)) people.set(name, kernel.directory.addUser({ name }).open_id);
      return people.get(name)!;
    },
    type: async (tableId, cells, by) => (await svc.createRecords(fx.appToken, tableId, [{ fields: encode(cells) }], as(by)))[0]!.record_id,
    edit: async (tableId, id, cells, by) => void (await svc.updateRecords(fx.appToken, tableId, [{ record_id: id, fields: encode(cells) }], as(by))),
    flush: async () => void (await fx.writer().drain()),
    now: () => kernel.clock.now(),
    advance: (ms) => kernel.clock.advance(ms),
    close: () => fx.close(),
  };
});
