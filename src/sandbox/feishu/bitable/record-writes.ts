import type { RecordChangeAction } from '../kernel/bus.js';
import type { Directory } from '../kernel/directory.js';
import { FeishuApiError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { isWritable } from './field-types.js';
import { fieldByName, type Base, type Cell, type Operator, type RecordRow, type Table } from './state.js';
import { cellToEvent, NewOptions, sameCell, writeToCell, type UserIdType } from './values.js';

/**
 * The synchronous heart of every record write (API, control "UI edit", template seeding): validate the
 * whole request first, then mutate, so a bad cell fails the call without a partial write; return what
 * the API echoes plus the record-change actions for the event (docs/platform/feishu.md §2.3, §2.5–2.6, §3.6).
 */
export interface WriteEnv {
  directory: Directory;
  userIdType: UserIdType;
  operator: Operator;
  now: number;
}

export interface WrittenRecord {
  fields: Record<string, unknown>;
  id: string;
  record_id: string;
}

export interface CommitResult<T> {
  result: T;
  actions: RecordChangeAction[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const badBody = (why: string) => new FeishuApiError(1254001, 'WrongRequestBody', undefined, why);

function fieldsOf(input: unknown, where: string): Record<string, unknown> {
  if (!isObject(input) || !isObject(input.fields)) throw badBody(`${where}: "fields" must be an object`);
  return input.fields;
}

/** Convert one record's write-shape `fields` to stored cells (null → clear). */
function convert(base: Base, table: Table, fields: Record<string, unknown>, env: WriteEnv, opts: NewOptions): Map<string, Cell | undefined> {
  const out = new Map<string, Cell | undefined>();
  for (const [name, value] of Object.entries(fields)) {
    const f = fieldByName(table, name);
    if (!f || !isWritable(f.type)) {
      throw new FeishuApiError(1254045, 'FieldNameNotFound', undefined, `Invalid request parameter: 'fields.${name}'${f ? ' is not writable' : ' not found'}`);
    }
    out.set(f.field_id, writeToCell(f, value, { directory: env.directory, userIdType: env.userIdType, base, table, newOptions: opts }));
  }
  return out;
}

function eventValues(table: Table, cells: ReadonlyMap<string, Cell>, directory: Directory, only?: ReadonlySet<string>) {
  return table.fields.filter((f) => cells.has(f.field_id) && (!only || only.has(f.field_id))).map((f) => cellToEvent(f, cells.get(f.field_id), directory));
}

export function commitCreate(base: Base, table: Table, inputs: readonly unknown[], env: WriteEnv): CommitResult<WrittenRecord[]> {
  const opts = new NewOptions();
  const converted = inputs.map((input, i) => {
    const fields = fieldsOf(input, `records[${i}]`);
    return { fields, cells: convert(base, table, fields, env, opts) };
  });
  opts.commit();
  const result: WrittenRecord[] = [];
  const actions: RecordChangeAction[] = [];
  for (const { fields, cells } of converted) {
    const row: RecordRow = {
      record_id: newId.record(),
      cells: new Map([...cells].filter((e): e is [string, Cell] => e[1] !== undefined)),
      created_time: env.now,
      created_by: env.operator,
      last_modified_time: env.now,
      last_modified_by: env.operator,
      seq: table.nextSeq++,
    };
    table.records.set(row.record_id, row);
    result.push({ fields, id: row.record_id, record_id: row.record_id });
    actions.push({ record_id: row.record_id, action: 'record_added', before_value: [], after_value: eventValues(table, row.cells, env.directory) });
  }
  return { result, actions };
}

export function commitUpdate(base: Base, table: Table, inputs: readonly unknown[], env: WriteEnv): CommitResult<WrittenRecord[]> {
  const opts = new NewOptions();
  const seen = new Set<string>();
  const planned = inputs.map((input, i) => {
    const id = isObject(input) ? input.record_id : undefined;
    if (typeof id !== 'string') throw badBody(`records[${i}]: record_id is required`);
    const row = table.records.get(id);
    if (!row) throw new FeishuApiError(1254043, 'RecordIdNotFound', undefined, `record ${id} not found`);
    if (seen.has(id)) throw badBody(`record ${id} appears twice`);
    seen.add(id);
    const fields = fieldsOf(input, `records[${i}]`);
    return { row, fields, cells: convert(base, table, fields, env, opts) };
  });
  opts.commit();
  const result: WrittenRecord[] = [];
  const actions: RecordChangeAction[] = [];
  for (const { row, fields, cells } of planned) {
    const before = new Map(row.cells);
    const changed = new Set<string>();
    // Partial merge: only the fields sent change; null clears (§2.3).
    for (const [fid, cell] of cells) {
      if (sameCell(row.cells.get(fid), cell)) continue;
      changed.add(fid);
      if (cell === undefined) row.cells.delete(fid);
      else row.cells.set(fid, cell);
    }
    result.push({ fields, id: row.record_id, record_id: row.record_id });
    if (changed.size === 0) continue;
    row.last_modified_time = env.now;
    row.last_modified_by = env.operator;
    const side = (m: ReadonlyMap<string, Cell>) => table.fields.filter((f) => changed.has(f.field_id)).map((f) => cellToEvent(f, m.get(f.field_id), env.directory));
    actions.push({ record_id: row.record_id, action: 'record_edited', before_value: side(before), after_value: side(row.cells) });
  }
  return { result, actions };
}

export function commitDelete(table: Table, ids: readonly string[], env: WriteEnv, missing: 'error' | 'report'): CommitResult<Array<{ deleted: boolean; record_id: string }>> {
  if (missing === 'error') {
    for (const id of ids) if (!table.records.has(id)) throw new FeishuApiError(1254043, 'RecordIdNotFound', undefined, `record ${id} not found`);
  }
  const result: Array<{ deleted: boolean; record_id: string }> = [];
  const actions: RecordChangeAction[] = [];
  for (const id of ids) {
    const row = table.records.get(id);
    if (!row) {
      result.push({ deleted: false, record_id: id });
      continue;
    }
    table.records.delete(id);
    result.push({ deleted: true, record_id: id });
    actions.push({ record_id: id, action: 'record_deleted', before_value: eventValues(table, row.cells, env.directory), after_value: [] });
  }
  return { result, actions };
}
