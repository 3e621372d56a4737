import type { AppRegistry } from '../kernel/apps.js';
import type { Directory } from '../kernel/directory.js';
import { FeishuApiError } from '../kernel/errors.js';
import { LIMITS } from './config.js';
import { FieldType, isUserType } from './field-types.js';
import { compileFilter, type FilterContext } from './filter.js';
import { fieldByName, type Field, type RecordRow, type Table, type UrlCell, type View } from './state.js';
import type { UserIdType } from './values.js';
import { isRecord } from '../../../lib/is-record.js';

/**
 * POST …/records/search (docs/platform/feishu.md#24-search): field_names, sort, filter, automatic_fields; page_size and
 * page_token in the query; `has_more`, `total`, and `page_token` only while more pages exist.
 */
export interface SearchBody {
  view_id?: unknown;
  field_names?: unknown;
  sort?: unknown;
  filter?: unknown;
  automatic_fields?: unknown;
}

export interface SearchContext {
  directory: Directory;
  apps: AppRegistry;
  userIdType: UserIdType;
  timeZone: string;
  now: number;
}

export interface SearchPage {
  rows: RecordRow[];
  fieldNames: ReadonlySet<string> | undefined;
  automaticFields: boolean;
  has_more: boolean;
  page_token?: string;
  total: number;
}

export function runSearch(table: Table, body: SearchBody, pageSize: number, pageToken: string | undefined, ctx: SearchContext): SearchPage {
  let view: View | undefined;
  if (body.view_id !== undefined && body.view_id !== null && body.view_id !== '') {
    view = typeof body.view_id === 'string' ? table.views.find((v) => v.view_id === body.view_id) : undefined;
    if (!view) throw new FeishuApiError(1254042, 'ViewIdNotFound');
  }
  const fieldNames = parseFieldNames(body.field_names, table);
  const order = compileSort(body.sort, table, ctx);
  const fctx: FilterContext = { directory: ctx.directory, userIdType: ctx.userIdType, timeZone: ctx.timeZone, now: ctx.now };
  // The view's own filter applies unless the request brings a filter or a sort of its own (search
  // records: https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/search)
  const viewFilter = view && (body.filter === undefined || body.filter === null) && (body.sort === undefined || body.sort === null) ? viewSearchFilter(view, table) : undefined;
  const match = compileFilter(body.filter ?? viewFilter, table, fctx);
  if (body.automatic_fields !== undefined && typeof body.automatic_fields !== 'boolean') {
    throw new FeishuApiError(99992402, 'field validation failed', undefined, 'automatic_fields must be a boolean');
  }

  const all = [...table.records.values()].filter(match);
  if (order) all.sort(order); // Array.prototype.sort is stable: ties keep insertion order
  const offset = pageToken ? decodePageToken(pageToken, table.table_id) : 0;
  const rows = all.slice(offset, offset + pageSize);
  const next = offset + rows.length;
  const has_more = next < all.length;
  return {
    rows,
    fieldNames,
    automaticFields: body.automatic_fields === true,
    has_more,
    ...(has_more ? { page_token: encodePageToken(table.table_id, next) } : {}),
    total: all.length,
  };
}

/**
 * The rows a person sees in a view (the sandbox grid's tabs): its filter_info, and its "current user"
 * filter for the person looking (no one looking: no row, as Feishu shows no row to no one).
 */
export function viewPredicate(view: View, table: Table, ctx: FilterContext, viewer: string | undefined): (row: RecordRow) => boolean {
  const own = compileFilter(viewSearchFilter(view, table), table, ctx);
  const meField = view.settings?.current_user_field_id && table.fields.find((f) => f.field_id === view.settings?.current_user_field_id);
  if (!meField) return own;
  if (!viewer) return () => false;
  const mine = compileFilter({ conjunction: 'and', conditions: [{ field_name: meField.field_name, operator: 'contains', value: [viewer] }] }, table, ctx);
  return (row) => own(row) && mine(row);
}

/** A view's filter_info (fields by id, values as a JSON string, options by id) as a search filter. */
function viewSearchFilter(view: View, table: Table): unknown {
  const info = view.property?.filter_info;
  if (!info?.conditions.length) return undefined;
  return {
    conjunction: info.conjunction,
    conditions: info.conditions.map((c) => {
      const f = table.fields.find((x) => x.field_id === c.field_id)!;
      let value: unknown[] = [];
      if (c.value !== undefined && c.value !== '') {
        try {
          const parsed: unknown = JSON.parse(c.value);
          value = Array.isArray(parsed) ? parsed : [parsed];
        } catch {
          value = [c.value];
        }
      }
      const names = value.map((v) => (typeof v === 'string' ? (f.property?.options?.find((o) => o.id === v)?.name ?? v) : String(v)));
      return { field_name: f.field_name, operator: c.operator, value: names };
    }),
  };
}

function parseFieldNames(v: unknown, table: Table): ReadonlySet<string> | undefined {
  if (v === undefined || v === null) return undefined;
  const invalid = (why: string) => new FeishuApiError(1254024, 'InvalidFieldNames', undefined, why);
  if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) throw invalid('field_names must be an array of strings');
  if (v.length > LIMITS.fieldNames) throw invalid(`at most ${LIMITS.fieldNames} field_names`);
  for (const n of v as string[]) if (!fieldByName(table, n)) throw invalid(`unknown field "${n}"`);
  return new Set(v as string[]);
}

type Key = number | string | undefined;

function compileSort(v: unknown, table: Table, ctx: SearchContext): ((a: RecordRow, b: RecordRow) => number) | undefined {
  if (v === undefined || v === null) return undefined;
  const invalid = (why: string) => new FeishuApiError(1254016, 'InvalidSort', undefined, why);
  if (!Array.isArray(v)) throw invalid('sort must be an array');
  if (v.length > LIMITS.sorts) throw invalid(`at most ${LIMITS.sorts} sort items`);
  if (v.length === 0) return undefined;
  const keys = v.map((s) => {
    if (!isRecord(s) || typeof s.field_name !== 'string') throw invalid('each sort needs field_name');
    if (s.desc !== undefined && typeof s.desc !== 'boolean') throw invalid('desc must be a boolean');
    const f = fieldByName(table, s.field_name);
    if (!f) throw invalid(`unknown field "${s.field_name}"`);
    return { key: sortKey(f, ctx), desc: s.desc === true };
  });
  return (a, b) => {
    for (const { key, desc } of keys) {
      const ka = key(a);
      const kb = key(b);
      // Empty cells go last in either direction, as in the Bitable grid.
      if (ka === undefined || kb === undefined) {
        if (ka === kb) continue;
        return ka === undefined ? 1 : -1;
      }
      const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  };
}

/** A comparable key per field type: option order for selects, names for persons, numbers for dates. */
function sortKey(f: Field, ctx: SearchContext): (r: RecordRow) => Key {
  const optIndex = (id: string) => f.property?.options?.findIndex((o) => o.id === id) ?? -1;
  const userName = (openId: string) => ctx.directory.findUser(openId)?.name ?? openId;
  switch (f.type) {
    case FieldType.CreatedTime:
      return (r) => r.created_time;
    case FieldType.ModifiedTime:
      return (r) => r.last_modified_time;
    case FieldType.AutoNumber:
      return (r) => r.seq;
    case FieldType.CreatedUser:
      return (r) => userName(r.created_by.openId);
    case FieldType.ModifiedUser:
      return (r) => userName(r.last_modified_by.openId);
  }
  return (r) => {
    const cell = r.cells.get(f.field_id);
    if (cell === undefined) return undefined;
    switch (f.type) {
      case FieldType.SingleSelect:
        return optIndex(cell as string);
      case FieldType.MultiSelect:
        return optIndex((cell as string[])[0] ?? '');
      case FieldType.Checkbox:
        return cell ? 1 : 0;
      case FieldType.Url:
        return (cell as UrlCell).text;
      default:
        if (isUserType(f.type)) return userName((cell as string[])[0] ?? '');
        if (Array.isArray(cell)) return cell.length;
        return typeof cell === 'number' ? cell : String(cell);
    }
  };
}

/** Opaque to clients; encodes the table and the offset of the next page. */
export function encodePageToken(tableId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ t: tableId, o: offset }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string, tableId: string): number {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t?: unknown; o?: unknown };
    if (v.t === tableId && typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0) return v.o;
  } catch {
    /* fall through */
  }
  throw new FeishuApiError(1254030, 'InvalidPageToken', undefined, 'page_token is invalid or belongs to another table');
}
