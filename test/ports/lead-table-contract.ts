import { afterEach, describe, expect, it } from 'vitest';
import type { Cell, LeadTable, TableLayout } from '../../src/ports/lead-table.js';
import { bitableTarget } from '../../src/store/bitable-outbox-repo.js';
import type { Store } from '../../src/store/store.js';

/**
 * What every lead-table adapter must do, run against each of them (the Feishu Bitable adapter over the
 * emulator, the in-memory table): rows in as plain cells, writes queued in the store's table outbox
 * land as written, guarded put-backs never overwrite a newer edit, and what was written compares equal
 * to what is read back (the use cases' echo detection rests on it).
 */
export interface TableHarness {
  table: LeadTable;
  store: Store;
  layout: TableLayout & { historyTableId: string };
  /** a person the table knows (their id goes in person cells) */
  person(name: string): string;
  /** a person adds a row; its id */
  type(tableId: string, cells: Record<string, Cell>, by: string): Promise<string>;
  edit(tableId: string, id: string, cells: Record<string, Cell>, by: string): Promise<void>;
  /** the platform writer sends what is queued */
  flush(): Promise<void>;
  /** the table's clock */
  now(): number;
  advance(ms: number): void;
  close(): Promise<void>;
}

export function leadTableContract(name: string, setup: () => Promise<TableHarness>): void {
  describe(`lead-table contract: ${name}`, () => {
    let h: TableHarness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });
    const start = async () => (h = await setup());
    const queueUpdate = (x: TableHarness, tableId: string, recordId: string, fields: Record<string, unknown>, key: string, guard?: { expect: Record<string, Cell> }) =>
      x.store.tableWrites.enqueueUpdate(bitableTarget(x.layout.appToken, tableId), { recordId, fields, ...(guard ? { force: true, expect: guard.expect } : {}) }, key, new Date(x.now()));

    it('a typed row reads back as plain cells: text, a select, a number, one person as their id, who and when', async () => {
      const x = await start();
      const zhang = x.person('张伟');
      const li = x.person('李雷');
      const before = x.now();
      const id = await x.type(x.layout.leadsTableId, { 公司名称: '甲科技有限公司', 电话: '13800000000', 来源渠道: '官网咨询', 线索评分: 42, 跟进人: li, 阶段: '线索' }, zhang);
      const { rows, absent } = await x.table.read(x.layout.leadsTableId, [id]);
      expect(absent).toEqual([]);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.id).toBe(id);
      expect(row.cells).toMatchObject({ 公司名称: '甲科技有限公司', 电话: '13800000000', 来源渠道: '官网咨询', 线索评分: 42, 跟进人: li, 阶段: '线索' });
      expect(row.editedBy).toBe(zhang);
      expect(row.editedAt).toBeGreaterThanOrEqual(before - 1000);
    });

    it('ids not in the table come back absent', async () => {
      const x = await start();
      const id = await x.type(x.layout.leadsTableId, { 公司名称: '乙公司' }, x.person('张伟'));
      const r = await x.table.read(x.layout.leadsTableId, [id, 'recNoSuchRow0001']);
      expect(r.rows.map((row) => row.id)).toEqual([id]);
      expect(r.absent).toEqual(['recNoSuchRow0001']);
    });

    it('scan gives every row; with modifiedAfter, at least the rows changed since (cut exactly on editedAt)', async () => {
      const x = await start();
      const zhang = x.person('张伟');
      const ids = [];
      for (const c of ['丙', '丁', '戊']) ids.push(await x.type(x.layout.leadsTableId, { 公司名称: `${c}公司` }, zhang));
      const all = [];
      for await (const page of x.table.scan(x.layout.leadsTableId)) all.push(...page);
      expect(all.map((r) => r.id).sort()).toEqual([...ids].sort());
      x.advance(60_000);
      const since = x.now();
      x.advance(60_000);
      await x.edit(x.layout.leadsTableId, ids[1]!, { 需求描述: '要私有化部署' }, zhang);
      const changed = [];
      for await (const page of x.table.scan(x.layout.leadsTableId, { modifiedAfter: since })) changed.push(...page.filter((r) => (r.editedAt ?? 0) > since));
      expect(changed.map((r) => r.id)).toEqual([ids[1]]);
      expect(changed[0]!.cells.需求描述).toBe('要私有化部署');
    });

    it('queued writes land on flush and read back equal to what was written (people by id, dates in ms)', async () => {
      const x = await start();
      const zhang = x.person('张伟');
      const li = x.person('李雷');
      const id = await x.type(x.layout.leadsTableId, { 公司名称: '己公司', 阶段: '线索' }, zhang);
      const due = Date.UTC(2026, 11, 4, 2, 0);
      const written = { 跟进人: li, SLA截止: due, 旅程备注: '[12-03 10:00] 已分配给 李雷', 线索编号: 'XS-000001' };
      await queueUpdate(x, x.layout.leadsTableId, id, written, 'w1');
      await x.store.tableWrites.enqueueCreate(bitableTarget(x.layout.appToken, x.layout.historyTableId), { fields: { 摘要: 'XS-000001 线索 → MQL', 线索编号: 'XS-000001', 操作人: zhang, 变更时间: due } }, 'h1', new Date(x.now()));
      await x.flush();
      const row = (await x.table.read(x.layout.leadsTableId, [id])).rows[0]!;
      for (const [k, v] of Object.entries(written)) {
        expect(row.cells[k], k).toEqual(v);
        expect(x.table.cellKey(row.cells[k]), k).toBe(x.table.cellKey(v));
      }
      expect(row.cells.公司名称).toBe('己公司'); // the cells not written are kept
      const history = [];
      for await (const page of x.table.scan(x.layout.historyTableId)) history.push(...page);
      expect(history).toHaveLength(1);
      expect(history[0]!.cells).toMatchObject({ 线索编号: 'XS-000001', 操作人: zhang, 变更时间: due });
    });

    it('a guarded put-back lands only while the row still shows what the decision saw', async () => {
      const x = await start();
      const zhang = x.person('张伟');
      const a = await x.type(x.layout.leadsTableId, { 公司名称: '庚公司', 阶段: 'MQL' }, zhang);
      const b = await x.type(x.layout.leadsTableId, { 公司名称: '辛公司', 阶段: 'MQL' }, zhang);
      // both put back to 线索, decided on a row that showed MQL; b is changed again before the write
      await queueUpdate(x, x.layout.leadsTableId, a, { 阶段: '线索' }, 'pa', { expect: { 阶段: 'MQL' } });
      await queueUpdate(x, x.layout.leadsTableId, b, { 阶段: '线索' }, 'pb', { expect: { 阶段: 'MQL' } });
      await x.edit(x.layout.leadsTableId, b, { 阶段: 'SQL' }, zhang);
      await x.flush();
      const rows = (await x.table.read(x.layout.leadsTableId, [a, b])).rows;
      expect(rows.find((r) => r.id === a)!.cells.阶段).toBe('线索');
      expect(rows.find((r) => r.id === b)!.cells.阶段).toBe('SQL');
    });

    it('cellKey: every empty form is the same, a list of one is its item, different values differ', async () => {
      const x = await start();
      const k = x.table.cellKey;
      expect(new Set([k(null), k(undefined), k(''), k([])]).size).toBe(1);
      expect(k(['ou_x'])).toBe(k('ou_x'));
      expect(k('MQL')).not.toBe(k('SQL'));
      expect(k(42)).not.toBe(k('43'));
    });
  });
}
