import type { Clock } from '../lib/clock.js';
import { stableJson } from '../lib/stable-json.js';
import { splitTarget, type UpdatePayload } from '../store/bitable-outbox-repo.js';
import type { Store } from '../store/store.js';
import type { Cell, LeadTable, RecordChange, TableLayout, TableRow } from './lead-table.js';

/** A cell as a person sees it: empty is null, a list of one is its item. */
export function plainCellKey(value: unknown): string {
  const v = value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? null : value;
  return stableJson(Array.isArray(v) && v.length === 1 ? v[0] : v);
}

/**
 * The lead-table port in memory, for use-case tests that run in milliseconds: people type rows
 * (`type`, `edit`, `remove`, each answering the change event a platform would send), and `flush()`
 * applies what the use cases queued in the store's table outbox, the way a platform writer would
 * (creates get row ids and link their lead; a guarded put-back is dropped when the row changed since
 * the decision; what was written is remembered for echo detection).
 */
export function createMemoryLeadTable(deps: { store: Store; clock: Clock; layout?: TableLayout }) {
  const layout: TableLayout = deps.layout ?? { appToken: 'memBase', leadsTableId: 'memLeads', historyTableId: 'memHistory', repsTableId: 'memReps', activitiesTableId: 'memActivities' };
  const tables = new Map<string, Map<string, TableRow>>();
  let seq = 0;
  const rowsOf = (tableId: string) => {
    let t = tables.get(tableId);
    if (!t) {
      t = new Map();
      tables.set(tableId, t);
    }
    return t;
  };
  const now = () => deps.clock.now().getTime();
  const copy = (r: TableRow): TableRow => ({ ...r, cells: { ...r.cells } });
  const change = (tableId: string, by: string | undefined, recordId: string, action: string): RecordChange => ({ appToken: layout.appToken, tableId, ...(by ? { editorId: by } : {}), actions: [{ recordId, action }] });
  const put = (tableId: string, id: string, cells: Record<string, Cell>, by: string | undefined) => {
    const old = rowsOf(tableId).get(id);
    const row: TableRow = { id, cells: { ...old?.cells, ...cells }, editedAt: now(), ...(by ? { editedBy: by } : {}) };
    rowsOf(tableId).set(id, row);
    return row;
  };

  const table: LeadTable = {
    layout: () => layout,
    async read(tableId, ids) {
      const t = rowsOf(tableId);
      return { rows: ids.filter((id) => t.has(id)).map((id) => copy(t.get(id)!)), absent: ids.filter((id) => !t.has(id)) };
    },
    async *scan(tableId, opts = {}) {
      const all = [...rowsOf(tableId).values()].filter((r) => opts.modifiedAfter === undefined || (r.editedAt ?? 0) > opts.modifiedAfter).map(copy);
      for (let i = 0; i < all.length; i += 500) yield all.slice(i, i + 500);
      if (!all.length) yield [];
    },
    cellKey: plainCellKey,
  };

  /** (in a transaction) The queued writes of one table, applied in order. */
  async function applyTarget(target: string, at: Date): Promise<number> {
    const repo = deps.store.tableWrites;
    const { tableId } = splitTarget(target);
    let applied = 0;
    for (const r of await repo.pending(target, 'bitable.create', at, 10_000)) {
      const id = `mrec${++seq}`;
      const fields = r.payload.fields as Record<string, Cell>;
      put(tableId, id, fields, undefined);
      await repo.recordWritten(target, id, fields, at);
      const leadKey = (r.payload as { leadKey?: string }).leadKey;
      const lead = leadKey ? await deps.store.leads.getByKey(leadKey) : undefined;
      if (lead && !lead.recordId) await deps.store.leads.linkRecord(lead.id, { baseToken: layout.appToken, tableId, recordId: id }, at);
      await repo.rowDone(r.id, at);
      applied++;
    }
    for (const r of await repo.pending(target, 'bitable.update', at, 10_000)) {
      const p = r.payload as UpdatePayload;
      const recordId = p.recordId ?? (p.leadKey ? (await deps.store.leads.getByKey(p.leadKey))?.recordId : undefined) ?? undefined;
      const row = recordId ? rowsOf(tableId).get(recordId) : undefined;
      if (!recordId || !row) {
        await repo.rowDead(r.id, `no row ${recordId ?? p.leadKey ?? '?'}`, at);
        continue;
      }
      // a put-back goes out only if the row still shows what the decision saw
      const current = !p.expect || Object.entries(p.expect).every(([k, v]) => plainCellKey(row.cells[k]) === plainCellKey(v));
      if (current) {
        put(tableId, recordId, p.fields as Record<string, Cell>, undefined);
        await repo.recordWritten(target, recordId, p.fields, at);
        applied++;
      }
      await repo.rowDone(r.id, at);
    }
    return applied;
  }

  return {
    table,
    layout,
    /** A person adds a row; the change event a platform would send. */
    type(tableId: string, cells: Record<string, Cell>, by: string): { id: string; change: RecordChange } {
      const id = `mrec${++seq}`;
      put(tableId, id, cells, by);
      return { id, change: change(tableId, by, id, 'record_added') };
    },
    /** A person edits cells of a row. */
    edit(tableId: string, id: string, cells: Record<string, Cell>, by: string): RecordChange {
      if (!rowsOf(tableId).has(id)) throw new Error(`no row ${id} in ${tableId}`);
      put(tableId, id, cells, by);
      return change(tableId, by, id, 'record_edited');
    },
    remove(tableId: string, id: string, by: string): RecordChange {
      rowsOf(tableId).delete(id);
      return change(tableId, by, id, 'record_deleted');
    },
    /** What a row shows now (a copy), or undefined. */
    row: (tableId: string, id: string): TableRow | undefined => {
      const r = rowsOf(tableId).get(id);
      return r && copy(r);
    },
    rows: (tableId: string): TableRow[] => [...rowsOf(tableId).values()].map(copy),
    /** Apply every queued table write (the platform writer's job); how many rows changed. */
    async flush(): Promise<number> {
      const at = deps.clock.now();
      let n = 0;
      for (const target of await deps.store.tableWrites.activeTargets()) n += await deps.store.transaction(() => applyTarget(target, at));
      return n;
    },
  };
}

export type MemoryLeadTable = ReturnType<typeof createMemoryLeadTable>;
