import { FeishuApiError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { LIMITS } from './config.js';
import { FieldType, isUserType } from './field-types.js';
import { VIEW_TYPES, type Table, type View, type ViewFilterInfo, type ViewType } from './state.js';

/**
 * Views (docs/platform/feishu.md#210-creating-a-base-and-views): create `{view_name, view_type}`, list, and patch `{view_name?, property?}`
 * where `property.filter_info` conditions name fields by id. At most 200 views a table (1254101).
 */
const invalid = (why: string) => new FeishuApiError(99992402, 'field validation failed', undefined, why);
const OPERATORS = ['is', 'isNot', 'contains', 'doesNotContain', 'isEmpty', 'isNotEmpty', 'isGreater', 'isGreaterEqual', 'isLess', 'isLessEqual'];

export function buildView(table: Table, input: Record<string, unknown>): View {
  const name = typeof input.view_name === 'string' ? input.view_name.trim() : '';
  if (!name) throw invalid('view_name is required');
  const type = input.view_type ?? 'grid';
  if (typeof type !== 'string' || !(VIEW_TYPES as readonly string[]).includes(type)) throw invalid(`view_type must be one of ${VIEW_TYPES.join(', ')}`);
  if (table.views.length >= LIMITS.viewsPerTable) throw new FeishuApiError(1254101, 'ViewExceedLimit');
  return { view_id: newId.view(), view_name: name, view_type: type as ViewType };
}

export function patchView(table: Table, view: View, input: Record<string, unknown>): void {
  if (input.view_name !== undefined) {
    if (typeof input.view_name !== 'string' || !input.view_name.trim()) throw invalid('view_name must be a non-empty string');
    view.view_name = input.view_name.trim();
  }
  const prop = input.property;
  if (prop === undefined) return;
  if (typeof prop !== 'object' || prop === null || Array.isArray(prop)) throw invalid('property must be an object');
  const p = prop as Record<string, unknown>;
  const next = { ...view.property };
  if (p.filter_info !== undefined) next.filter_info = filterInfo(table, p.filter_info);
  if (p.hidden_fields !== undefined) {
    if (!Array.isArray(p.hidden_fields) || p.hidden_fields.some((id) => typeof id !== 'string' || !table.fields.some((f) => f.field_id === id))) throw new FeishuApiError(1254044, 'FieldIdNotFound');
    next.hidden_fields = p.hidden_fields as string[];
  }
  view.property = next;
}

function filterInfo(table: Table, raw: unknown): ViewFilterInfo {
  if (typeof raw !== 'object' || raw === null) throw invalid('filter_info must be an object');
  const f = raw as Record<string, unknown>;
  if (f.conjunction !== 'and' && f.conjunction !== 'or') throw invalid('filter_info.conjunction must be "and" or "or"');
  if (!Array.isArray(f.conditions)) throw invalid('filter_info.conditions must be an array');
  const conditions = f.conditions.map((c: unknown) => {
    const cond = (c ?? {}) as Record<string, unknown>;
    const field = table.fields.find((x) => x.field_id === cond.field_id);
    if (!field) throw new FeishuApiError(1254044, 'FieldIdNotFound');
    if (typeof cond.operator !== 'string' || !OPERATORS.includes(cond.operator)) throw invalid(`operator must be one of ${OPERATORS.join(', ')}`);
    if (cond.value !== undefined && typeof cond.value !== 'string') throw invalid('condition value must be a string');
    return { field_id: field.field_id, operator: cond.operator, ...(cond.value !== undefined ? { value: cond.value as string } : {}), condition_id: `con${newId.view().slice(3)}`, field_type: field.type };
  });
  return { conjunction: f.conjunction, conditions };
}

export function viewItem(v: View): Record<string, unknown> {
  return { view_id: v.view_id, view_name: v.view_name, view_type: v.view_type, ...(v.property ? { property: v.property } : {}) };
}

/**
 * A person's view settings the Open API cannot make (the control API and the sandbox's set-up): a kanban's
 * grouping field (a single select) and a "current user" filter on a person field, both by field name.
 */
export function setViewSettings(table: Table, view: View, input: { group_field?: string | undefined; current_user_field?: string | undefined }): void {
  const fieldId = (name: string | undefined, ok: (type: number) => boolean, what: string) => {
    if (name === undefined) return undefined;
    const f = table.fields.find((x) => x.field_name === name);
    if (!f) throw new FeishuApiError(1254045, 'FieldNameNotFound', undefined, `no field "${name}"`);
    if (!ok(f.type)) throw invalid(`${what} cannot be "${name}" (type ${f.type})`);
    return f.field_id;
  };
  const group = fieldId(input.group_field, (t) => t === FieldType.SingleSelect, 'a kanban groups by a single select field:');
  const me = fieldId(input.current_user_field, isUserType, 'a "current user" filter needs a person field:');
  view.settings = { ...view.settings, ...(group ? { group_field_id: group } : {}), ...(me ? { current_user_field_id: me } : {}) };
}
