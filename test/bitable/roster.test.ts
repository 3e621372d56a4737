import { afterEach, describe, expect, it } from 'vitest';
import { createRoster } from '../../src/bitable/roster.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';

/**
 * The 销售团队 roster through the real SDK against the sandbox: every row checked; a row made wrong keeps
 * the person as their row was last read right, a row never right is left out, and fixing a row puts its
 * new values in force.
 */
describe('the 销售团队 roster', () => {
  let fx: WriterFixture;
  afterEach(async () => fx?.close());

  it('a wrong row keeps its last good version; a new wrong row is left out until fixed', async () => {
    fx = await startWriterFixture({ rates: false });
    const tableId = new Map((await fx.api.listTables(fx.appToken)).map((t) => [t.name, t.table_id])).get('销售团队')!;
    const dir = fx.emu.emu.kernel.directory;
    const [li, han, chen] = ['李雷', '韩梅梅', '陈静'].map((name) => dir.addUser({ name }).open_id);
    const svc = getBitable(fx.emu.emu.kernel);
    const as = { operator: svc.userOperator(chen!) };
    const roster = createRoster({ api: fx.api, template: loadBaseTemplate(), appToken: () => fx.appToken, tableId: () => tableId, maxAgeMs: 0 });
    const [liRow] = await svc.createRecords(
      fx.appToken,
      tableId,
      [{ fields: { 姓名: '李雷', 成员: [{ id: li }], 角色: ['销售'], 分配权重: 2, 跟进上限: 30, 在岗: true, 直属上级: [{ id: chen }] } }, { fields: { 姓名: '陈静', 成员: [{ id: chen }], 角色: ['销售总监'], 在岗: true } }],
      as,
    );
    const first = await roster.members();
    expect(first.get(li!)).toMatchObject({ name: '李雷', roles: ['sales'], weight: 2, capacity: 30, onDuty: true, managerId: chen });
    expect([...first.keys()]).toEqual([li, chen]);

    // 李雷's row made wrong (a negative capacity), and a new row that was never right (its own manager)
    await svc.updateRecords(fx.appToken, tableId, [{ record_id: liRow!.record_id, fields: { 跟进上限: -5, 分配权重: 3 } }], as);
    const [hanRow] = await svc.createRecords(fx.appToken, tableId, [{ fields: { 姓名: '韩梅梅', 成员: [{ id: han }], 角色: ['销售'], 在岗: true, 直属上级: [{ id: han }] } }], as);
    const meanwhile = await roster.members();
    expect(meanwhile.get(li!)).toEqual(first.get(li!)); // as last read right: weight 2, capacity 30
    expect(meanwhile.has(han!)).toBe(false);

    // both fixed: the new values are in force
    await svc.updateRecords(fx.appToken, tableId, [{ record_id: liRow!.record_id, fields: { 跟进上限: 25 } }], as);
    await svc.updateRecords(fx.appToken, tableId, [{ record_id: hanRow!.record_id, fields: { 直属上级: [{ id: chen }] } }], as);
    const after = await roster.members();
    expect(after.get(li!)).toMatchObject({ weight: 3, capacity: 25 });
    expect(after.get(han!)).toMatchObject({ name: '韩梅梅', managerId: chen });
  });
});
