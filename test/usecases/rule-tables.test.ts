import { describe, expect, it } from 'vitest';
import { loadRuleSet, ruleTableSpecs } from '../../src/compose/rule-set.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import type { Cell, LeadTable, TableRow } from '../../src/ports/lead-table.js';
import { readRuleFile } from '../../src/rules/rule-table.js';
import { CHECK_FIELD, createRuleTables } from '../../src/usecases/rule-tables.js';
import { testStore } from '../support/test-store.js';

/** The rule tables as the team edits them: rows in, 校验结果 out through the table outbox, rules swapped only when all is right. */
const FILES: Record<string, string> = { rules_scoring: 'scoring', rules_routing: 'routing', rules_returns: 'returns', rules_nurture: 'nurture', rules_sla: 'sla', rules_pool: 'pool', rules_recycle: 'recycle' };

describe('rule tables edited in the Base', () => {
  async function world() {
    const store = await testStore();
    const rules = loadRuleSet('default');
    // each rule table holds the shipped rows, as provisioning writes them
    const tables = new Map<string, TableRow[]>(Object.entries(FILES).map(([key, file]) => [`tbl_${key}`, readRuleFile(file).rows.map((r, i) => ({ id: `rec${i + 1}`, cells: r as Record<string, Cell> }))]));
    const table: LeadTable = {
      layout: () => undefined,
      read: async () => ({ rows: [], absent: [] }),
      async *scan(tableId) {
        yield tables.get(tableId)!.map((r) => ({ ...r, cells: { ...r.cells } }));
      },
      cellKey: String,
    };
    const applied: string[] = [];
    const rt = createRuleTables({
      store,
      table,
      clock: createManualClock('2026-12-03T02:00:00Z'),
      log: testLogger(),
      specs: ruleTableSpecs(rules),
      locate: (key) => (FILES[key] ? { tableId: `tbl_${key}`, target: `bascn/tbl_${key}` } : undefined), // 销售团队: the e2e
      onApplied: (key) => applied.push(key),
    });
    const queued = async (key = 'rules_returns') => (await store.tableWrites.pending(`bascn/tbl_${key}`, 'bitable.update', new Date('2027-01-01'), 100)).map((p) => p.payload as { recordId: string; fields: Record<string, unknown> });
    const rowsOf = (key: string) => tables.get(`tbl_${key}`)!;
    const reload = async (key: string) => (await rt.reload(rt.specOf(`tbl_${key}`)!))!;
    return { store, rules, rows: rowsOf('rules_returns'), rowsOf, rt, queued, applied, reload };
  }

  it('the shipped rows read back from the Base are in force, with nothing to say', async () => {
    const w = await world();
    expect(await w.rt.reloadAll()).toEqual([
      { table: '评分规则', rows: 29, problems: 0, applied: true },
      { table: '分配规则', rows: 6, problems: 0, applied: true },
      { table: '退回原因', rows: 7, problems: 0, applied: true },
      { table: '培育步骤', rows: 6, problems: 0, applied: true },
      { table: 'SLA 策略', rows: 3, problems: 0, applied: true },
      { table: '公海规则', rows: 1, problems: 0, applied: true },
      { table: '回收规则', rows: 2, problems: 0, applied: true },
    ]);
    expect(w.applied).toEqual(['rules_scoring', 'rules_routing', 'rules_returns', 'rules_nurture', 'rules_sla', 'rules_pool', 'rules_recycle']);
    for (const key of Object.keys(FILES)) expect(await w.queued(key)).toEqual([]);
    // the rules read from the Base are the shipped ones
    const shipped = loadRuleSet('default');
    expect(w.rules.routing).toEqual(shipped.routing);
    expect(w.rules.scoring).toEqual(shipped.scoring);
    expect(w.rules.nurtureSteps).toEqual(shipped.nurtureSteps);
    expect(w.rules.assignment).toEqual(shipped.assignment);
    expect(w.rules.pools).toEqual(shipped.pools);
    expect(w.rules.recycle).toEqual(shipped.recycle);
    expect((await w.rt.reloadAll()).map((r) => r.applied)).toEqual([false, false, false, false, false, false, false]); // read again, unchanged: nothing to swap
  });

  it('a table emptied of rows changes nothing: the last good rules stay', async () => {
    const w = await world();
    await w.rt.reloadAll();
    const before = w.rules.returnReasons;
    w.rows.length = 0;
    expect(await w.reload('rules_returns')).toEqual({ table: '退回原因', rows: 0, problems: 0, applied: false });
    expect(w.rules.returnReasons).toBe(before);
  });

  it('two wrong rows: each gets its message (zh, then en), the last good rules stay; fixed: the messages are cleared and the edit is in force', async () => {
    const w = await world();
    await w.rt.reloadAll();
    const before = w.rules.returnReasons;
    w.rows[1]!.cells['扣分'] = 5000;
    w.rows[3]!.cells['去向'] = '火星';
    w.rows[0]!.cells['扣分'] = 12; // a right edit in the same table waits for the others
    const r = await w.reload('rules_returns');
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
    expect(await w.reload('rules_returns')).toMatchObject({ problems: 0, applied: true });
    const clears = (await w.queued()).slice(2);
    expect(clears.map((m) => [m.recordId, m.fields[CHECK_FIELD]])).toEqual([
      ['rec2', ''],
      ['rec4', ''],
    ]);
    expect(w.rules.returnReasons.map((x) => x.penalty).slice(0, 2)).toEqual([12, 20]);
  });

  it('the same mistake made again after a fix is said again (each edit of the row is its own message)', async () => {
    const w = await world();
    await w.rt.reloadAll();
    const row = w.rows[1]!;
    const edit = async (cells: Record<string, Cell>, at: number) => {
      Object.assign(row.cells, cells);
      row.editedAt = at;
      await w.reload('rules_returns');
    };
    const says = async () => (await w.queued()).map((m) => String(m.fields[CHECK_FIELD]).split('\n')[0]);
    await edit({ 扣分: 5000 }, 1);
    row.cells[CHECK_FIELD] = String((await w.queued())[0]!.fields[CHECK_FIELD]);
    await edit({ 扣分: 20 }, 2);
    row.cells[CHECK_FIELD] = '';
    await edit({ 扣分: 5000 }, 3);
    expect(await says()).toEqual(['「扣分」须为 0–1000 的数字', '', '「扣分」须为 0–1000 的数字']);
  });

  type World = Awaited<ReturnType<typeof world>>;
  // per table: a row made wrong (its message), and a right edit (what it changes once in force)
  const cases: Array<{ key: string; row: number; wrong: Record<string, Cell>; says: RegExp; right: Record<string, Cell>; inForce: (w: World) => unknown; expected: unknown }> = [
    {
      key: 'rules_scoring',
      row: 1, // 官网咨询 25
      wrong: { 类别: '天气' },
      says: /^「类别」须为 来源渠道、行业.*\n类别 must be one of/,
      right: { 分值: 30 },
      inForce: (w) => w.rules.scoring.source.get('官网咨询')?.points,
      expected: 30,
    },
    {
      key: 'rules_routing',
      row: 6, // 兜底：全部销售轮流 (顺序 50)
      wrong: { 分配方式: '抽签' },
      says: /^「分配方式」须为 团队、按地区行业.*\n分配方式 must be one of/,
      right: { 顺序: 1 },
      inForce: (w) => w.rules.routing[0]?.name,
      expected: '兜底：全部销售轮流',
    },
    {
      key: 'rules_nurture',
      row: 3, // 入池第7天：同行案例
      wrong: { 阶段: ['培育池', '火星'] },
      says: /^「火星」不是旅程「.*」的阶段\n"火星" is not a stage of journey default$/,
      right: { 第几天: 10 },
      inForce: (w) => w.rules.nurtureSteps.find((x) => x.name === '入池第7天：同行案例')?.day,
      expected: 10,
    },
    {
      key: 'rules_sla',
      row: 1, // 接受线索 4 working hours
      wrong: { 时限: 0 },
      says: /^「接受线索」的「时限」按工作小时计，须为大于 0、不超过 720 的数字\n时限 of 接受线索 counts working hours/,
      right: { 提醒跟进人: 1, 改派他人: 3 },
      inForce: (w) => w.rules.assignment.escalation.accept,
      expected: [
        { step: 'remind', afterWorkingHours: 1 },
        { step: 'manager', afterWorkingHours: 2 },
        { step: 'reassign', afterWorkingHours: 3 },
      ],
    },
    {
      key: 'rules_recycle',
      row: 2, // 销售跟进 30 days
      wrong: { 阶段: ['SQL', '商机'] },
      says: /^「商机」的线索不回收（已转化或已关闭）\nleads at "Opportunity" are never recycled/,
      right: { 保护期天数: 20 },
      inForce: (w) => w.rules.recycle.find((r) => r.name === '销售跟进')?.days,
      expected: 20,
    },
  ];

  it.each(cases)('$key: a wrong row is explained and changes nothing; fixed, the edit is in force and the jobs are told', async (c) => {
    const w = await world();
    await w.rt.reloadAll();
    w.applied.length = 0;
    const before = c.inForce(w);
    const row = w.rowsOf(c.key)[c.row - 1]!;
    const was = { ...row.cells };
    Object.assign(row.cells, c.wrong, c.right);
    expect(await w.reload(c.key)).toMatchObject({ problems: 1, applied: false });
    expect(c.inForce(w)).toEqual(before);
    const [msg] = await w.queued(c.key);
    expect(msg!.recordId).toBe(`rec${c.row}`);
    expect(String(msg!.fields[CHECK_FIELD])).toMatch(c.says);
    expect(w.applied).toEqual([]);

    row.cells = { ...was, ...c.right, [CHECK_FIELD]: String(msg!.fields[CHECK_FIELD]) };
    expect(await w.reload(c.key)).toMatchObject({ problems: 0, applied: true });
    expect(c.inForce(w)).toEqual(c.expected);
    expect((await w.queued(c.key)).at(-1)!.fields[CHECK_FIELD]).toBe('');
    expect(w.applied).toEqual([c.key]);
  });
});
