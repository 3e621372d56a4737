import { FeishuApiError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { LIMITS } from './config.js';
import { FieldType, canBePrimary, defaultUiType, isKnownFieldType, isLinkType, isSelectType, uiTypeAllowed } from './field-types.js';
import type { Base, Cell, Field, FieldProperty, SelectOption, Table } from './state.js';

/**
 * Tables and fields: validation and construction (docs/platform/feishu.md §2.1–2.2; field guide). Pure functions
 * over state; the service wraps them with locks and idempotency.
 */
export interface FieldInput {
  field_name?: unknown;
  type?: unknown;
  ui_type?: unknown;
  property?: unknown;
  description?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (why: string) => new FeishuApiError(99992402, 'field validation failed', undefined, why);

function fieldName(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw new FeishuApiError(1254028, 'FieldNameEmpty', undefined, 'field_name must be a non-empty string');
  const name = v.trim(); // "Leading and trailing spaces are trimmed from the name" (§2.2)
  if (name.length > 100) throw new FeishuApiError(1254029, 'FieldNameInvalid', undefined, 'field_name is longer than 100 characters');
  return name;
}

function description(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObject(v) && (v.text === undefined || typeof v.text === 'string')) return (v.text as string | undefined) ?? '';
  throw invalid('description must be {"text": "…"}');
}

/** Select options: names required (1254026), colour 0–54, ids assigned here (existing ids kept on update). */
function options(field: { type: number; field_name: string }, raw: unknown, existing: SelectOption[]): SelectOption[] {
  if (raw === undefined || raw === null) return [];
  const propErr = field.type === FieldType.SingleSelect ? ([1254082, 'SingleSelectFieldPropertyError'] as const) : ([1254083, 'MultiSelectFieldPropertyError'] as const);
  if (!Array.isArray(raw)) throw new FeishuApiError(propErr[0], propErr[1], undefined, 'property.options must be an array');
  const out: SelectOption[] = [];
  for (const o of raw) {
    if (!isObject(o) || typeof o.name !== 'string' || o.name.trim() === '') throw new FeishuApiError(1254026, 'EmptyOptionName', undefined, `options of "${field.field_name}" need a name`);
    if (o.color !== undefined && (typeof o.color !== 'number' || !Number.isInteger(o.color) || o.color < 0 || o.color > 54)) {
      throw new FeishuApiError(propErr[0], propErr[1], undefined, 'option color must be an integer 0–54');
    }
    const name = o.name.trim();
    if (out.some((x) => x.name === name)) continue;
    const keep = typeof o.id === 'string' ? existing.find((x) => x.id === o.id) : existing.find((x) => x.name === name);
    out.push({ id: keep?.id ?? newId.option(), name, color: (o.color as number | undefined) ?? keep?.color ?? out.length % 55 });
  }
  return out;
}

function property(type: number, name: string, raw: unknown, base: Base, selfTableId: string, existing: FieldProperty | null): FieldProperty | null {
  if (raw !== undefined && raw !== null && !isObject(raw)) throw invalid('property must be an object');
  const p = (raw ?? {}) as Record<string, unknown>;
  if (isSelectType(type)) {
    return { ...p, options: options({ type, field_name: name }, p.options, existing?.options ?? []) };
  }
  if (isLinkType(type)) {
    const tableId = p.table_id ?? existing?.table_id ?? selfTableId;
    if (typeof tableId !== 'string' || (tableId !== selfTableId && !base.tables.has(tableId))) {
      throw new FeishuApiError(1254041, 'TableIdNotFound', undefined, `property.table_id of "${name}" is not a table of this base`);
    }
    return { ...p, table_id: tableId, ...(p.multiple === undefined ? { multiple: true } : {}) };
  }
  if (type === FieldType.User) return { ...p, multiple: p.multiple === undefined ? true : p.multiple === true };
  return raw === undefined || raw === null ? null : { ...p };
}

export function buildField(input: FieldInput, base: Base, tableId: string, siblings: readonly Field[], primary: boolean): Field {
  const name = fieldName(input.field_name);
  if (siblings.some((f) => f.field_name === name)) throw new FeishuApiError(1254014, 'FieldNameDuplicated', undefined, `a field named "${name}" exists`);
  const type = input.type;
  if (typeof type !== 'number' || !isKnownFieldType(type)) throw invalid(`unknown field type ${JSON.stringify(type)}`);
  const ui = input.ui_type ?? defaultUiType(type);
  if (typeof ui !== 'string' || !uiTypeAllowed(type, ui)) throw invalid(`ui_type ${JSON.stringify(ui)} does not fit type ${type}`);
  if (primary && !canBePrimary(type)) throw invalid(`the primary field cannot have type ${type}`);
  const desc = description(input.description);
  return {
    field_id: newId.field(),
    field_name: name,
    type,
    ui_type: ui,
    is_primary: primary,
    is_hidden: false,
    property: property(type, name, input.property, base, tableId, null),
    ...(desc !== undefined ? { description: desc } : {}),
  };
}

export interface TableInput {
  name?: unknown;
  default_view_name?: unknown;
  fields?: unknown;
}

/** Build a table (not yet attached to the base). The first field is the primary one. */
export function buildTable(input: TableInput, base: Base): Table {
  if (typeof input.name !== 'string' || input.name.trim() === '') throw invalid('table.name is required');
  const name = input.name.trim();
  if ([...base.tables.values()].some((t) => t.name === name)) throw new FeishuApiError(1254013, 'TableNameDuplicated', undefined, `a table named "${name}" exists`);
  if (base.tables.size >= LIMITS.tablesPerBase) throw new FeishuApiError(1254100, 'TableExceedLimit');
  if (input.default_view_name !== undefined && typeof input.default_view_name !== 'string') throw invalid('default_view_name must be a string');
  if (input.fields !== undefined && input.fields !== null && !Array.isArray(input.fields)) throw invalid('table.fields must be an array');
  const tableId = newId.table();
  const defs = (input.fields as FieldInput[] | undefined)?.length ? (input.fields as FieldInput[]) : [{ field_name: '多行文本', type: FieldType.Text }];
  const fields: Field[] = [];
  try {
    for (const [i, d] of defs.entries()) {
      if (!isObject(d)) throw invalid('each field must be an object');
      fields.push(buildField(d, base, tableId, fields, i === 0));
    }
  } catch (e) {
    // node-sdk#36: a bad field definition fails the whole create with HTTP 400 / 99992402 (§2.1).
    if (e instanceof FeishuApiError && e.code !== 1254014) throw new FeishuApiError(99992402, 'field validation failed', undefined, e.detail ?? e.msg);
    throw e;
  }
  return {
    table_id: tableId,
    name,
    revision: 1,
    fields,
    records: new Map(),
    views: [{ view_id: newId.view(), view_name: (input.default_view_name as string | undefined)?.trim() || '表格', view_type: 'grid' }],
    nextSeq: 1,
    idempotency: new Map(),
  };
}

/**
 * PUT …/fields/:field_id. Keeps option ids that are passed back; cells that pointed at removed options
 * are cleared. A type change clears the column (the emulator does not convert values).
 */
export function applyFieldUpdate(field: Field, input: FieldInput, base: Base, table: Table): void {
  const name = fieldName(input.field_name);
  if (table.fields.some((f) => f !== field && f.field_name === name)) throw new FeishuApiError(1254014, 'FieldNameDuplicated', undefined, `a field named "${name}" exists`);
  const type = input.type;
  if (typeof type !== 'number' || !isKnownFieldType(type)) throw invalid(`unknown field type ${JSON.stringify(type)}`);
  const ui = input.ui_type ?? (type === field.type ? field.ui_type : defaultUiType(type));
  if (typeof ui !== 'string' || !uiTypeAllowed(type, ui)) throw invalid(`ui_type ${JSON.stringify(ui)} does not fit type ${type}`);
  if (field.is_primary && !canBePrimary(type)) throw invalid(`the primary field cannot have type ${type}`);
  const prop = property(type, name, input.property, base, table.table_id, type === field.type ? field.property : null);
  const desc = input.description === undefined ? field.description : description(input.description);

  if (type !== field.type) {
    for (const r of table.records.values()) r.cells.delete(field.field_id);
  } else if (isSelectType(type)) {
    const live = new Set((prop?.options ?? []).map((o) => o.id));
    for (const r of table.records.values()) {
      const cell: Cell | undefined = r.cells.get(field.field_id);
      if (cell === undefined) continue;
      if (typeof cell === 'string') {
        if (!live.has(cell)) r.cells.delete(field.field_id);
      } else {
        const kept = (cell as string[]).filter((id) => live.has(id));
        if (kept.length) r.cells.set(field.field_id, kept);
        else r.cells.delete(field.field_id);
      }
    }
  }
  field.field_name = name;
  field.type = type;
  field.ui_type = ui;
  field.property = prop;
  if (desc !== undefined) field.description = desc;
  else delete field.description;
}

/** Field as the fields list returns it. */
export function fieldListItem(f: Field): Record<string, unknown> {
  return {
    field_id: f.field_id,
    field_name: f.field_name,
    type: f.type,
    ui_type: f.ui_type,
    is_primary: f.is_primary,
    is_hidden: f.is_hidden,
    property: f.property ? structuredClone(f.property) : null,
    ...(f.description !== undefined ? { description: f.description } : {}),
  };
}

/** Field as create/update return it: description as {text} (SDK types). */
export function fieldWriteItem(f: Field): Record<string, unknown> {
  const { description: d, ...rest } = fieldListItem(f);
  return { ...rest, ...(d !== undefined ? { description: { text: d } } : {}) };
}
