import { describe, expect, it } from 'vitest';
import { loadRuleSet, ruleTableSpecs } from '../../src/compose/rule-set.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Cell, LeadTable, TableRow } from '../../src/ports/lead-table.js';
import { readRuleFile } from '../../src/rules/rule-table.js';
import { CHECK_FIELD, createRuleTables } from '../../src/usecases/rule-tables.js';
import { testStore } from '../support/test-store.js';

/** The 退回原因 table as the team edits it: rows in, 校验结果 out through the table outbox, rules swapped only when all is right. */
describe('rule tables edited in the Base', () => {
  async function world() {
    const store = await testStore();
    const rules = loadRuleSet('default');
    const rows: TableRow[] = readRuleFile('returns').rows.map((r, i) => ({ id: `rec${i + 1}`, cells: r as Record<string, Cell> }));
    const table: LeadTable = {
      layout: () => undefined,
      read: async () => ({ rows: [], absent: [] }),
      async *scan() {
        yield rows.map((r) => ({ ...r, cells: { ...r.cells } }));
      },
      cellKey: String,
    };
    const rt = createRuleTables({
      store,
      table,
      clock: createManualClock('2026-12-03T02:00:00Z'),
      log: createLogger({ level: 'silent' }),
      specs: ruleTableSpecs(rules),
      locate: () => ({ tableId: 'tblReturns', target: 'bascn/tblReturns' }),
    });
    const queued = async () => (await store.tableWrites.pending('bascn/tblReturns', 'bitable.update', new Date('2027-01-01'), 100)).map((p) => p.payload as { recordId: string; fields: Record<string, unknown> });
    return { store, rules, rows, rt, queued };
  }

  it('the shipped rows read back from the Base are in force, with nothing to say', async () => {
    const w = await world();
    const [r] = await w.rt.reloadAll();
    expect(r).toEqual({ table: '退回原因', rows: 7, problems: 0, applied: true });
    expect(await w.queued()).toEqual([]);
    expect((await w.rt.reloadAll())[0]!.applied).toBe(false); // read again, unchanged: nothing to swap
  });

  it('a table emptied of rows changes nothing: the last good rules stay', async () => {
    const w = await world();
    await w.rt.reloadAll();
    const before = w.rules.returnReasons;
    w.rows.length = 0;
    expect((await w.rt.reloadAll())[0]).toEqual({ table: '退回原因', rows: 0, problems: 0, applied: false });
    expect(w.rules.returnReasons).toBe(before);
  });

  it('two wrong rows: each gets its message (zh, then en), the last good rules stay; fixed: the messages are cleared and the edit is in force', async () => {
    const w = await world();
    await w.rt.reloadAll();
    const before = w.rules.returnReasons;
    w.rows[1]!.cells['扣分'] = 5000;
    w.rows[3]!.cells['去向'] = '火星';
    w.rows[0]!.cells['扣分'] = 12; // a right edit in the same table waits for the others
    const r = (await w.rt.reloadAll())[0]!;
    expect(r).toMatchObject({ problems: 2, applied: false });
    expect(w.rules.returnReasons).toBe(before);
    const msgs = await w.queued();
    expect(msgs.map((m) => m.recordId)).toEqual(['rec2', 'rec4']);
    expect(String(msgs[0]!.fields[CHECK_FIELD])).toMatch(/^「扣分」须为 0–1000 的数字\n扣分 must be a number from 0 to 1000$/);
    expect(String(msgs[1]!.fields[CHECK_FIELD])).toContain('去向');
    await w.rt.reloadAll();
    expect(await w.queued()).toHaveLength(2); // the same messages are not queued twice

    // the writer wrote them; then the team fixes both rows
    w.rows[1]!.cells[CHECK_FIELD] = String(msgs[0]!.fields[CHECK_FIELD]);
    w.rows[3]!.cells[CHECK_FIELD] = String(msgs[1]!.fields[CHECK_FIELD]);
    w.rows[1]!.cells['扣分'] = 20;
    w.rows[3]!.cells['去向'] = '培育池';
    expect((await w.rt.reloadAll())[0]).toMatchObject({ problems: 0, applied: true });
    const clears = (await w.queued()).slice(2);
    expect(clears.map((m) => [m.recordId, m.fields[CHECK_FIELD]])).toEqual([
      ['rec2', ''],
      ['rec4', ''],
    ]);
    expect(w.rules.returnReasons.map((x) => x.penalty).slice(0, 2)).toEqual([12, 20]);
  });
});
