import { FeishuApiError } from '../kernel/errors.js';

/**
 * In-memory Bitable data: bases ("apps") → tables → fields + records. Cells hold the *stored* form
 * (select = option id, person = open_id, link = record ids …); values.ts converts to and from the
 * API's write, read and event shapes (docs/platform/feishu.md §2.3, §3.6).
 */
export interface SelectOption {
  id: string;
  name: string;
  color: number;
}

export interface FieldProperty {
  options?: SelectOption[];
  /** link fields: the linked table (same base); defaults to the field's own table */
  table_id?: string;
  multiple?: boolean;
  [k: string]: unknown;
}

export interface Field {
  field_id: string;
  field_name: string;
  type: number;
  ui_type: string;
  is_primary: boolean;
  is_hidden: boolean;
  property: FieldProperty | null;
  description?: string;
}

export interface UrlCell {
  text: string;
  link: string;
}

export interface AttachmentCell {
  file_token: string;
  name: string;
  type: string;
  size: number;
}

/** Stored cell. Which member applies follows the field type (see values.ts). */
export type Cell = string | number | boolean | string[] | UrlCell | AttachmentCell[];

/** Who made a change: a person editing in the UI, or an app writing with its tenant token. */
export type Operator = { kind: 'user'; openId: string } | { kind: 'app'; appId: string; openId: string };

export interface RecordRow {
  record_id: string;
  /** keyed by field_id; absent = empty cell */
  cells: Map<string, Cell>;
  created_time: number;
  created_by: Operator;
  last_modified_time: number;
  last_modified_by: Operator;
  /** AutoNumber sequence, assigned on create */
  seq: number;
}

export const VIEW_TYPES = ['grid', 'kanban', 'gallery', 'gantt', 'form'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

/** A view's filter as the view API takes it (docs/platform/feishu.md#210-creating-a-base-and-views): conditions name fields by id. */
export interface ViewFilterInfo {
  conjunction: 'and' | 'or';
  conditions: Array<{ field_id: string; operator: string; value?: string; condition_id: string; field_type: number }>;
}

export interface View {
  view_id: string;
  view_name: string;
  view_type: ViewType;
  property?: { filter_info?: ViewFilterInfo; hidden_fields?: string[] };
  /**
   * What a person sets in Feishu's view settings and the Open API cannot (docs/platform/feishu.md#210-creating-a-base-and-views):
   * a kanban's grouping field, a "current user" filter on a person field. Set through the control API; the
   * Open API's view listing does not carry it.
   */
  settings?: { group_field_id?: string; current_user_field_id?: string };
}

export interface Table {
  table_id: string;
  name: string;
  /** increments on every change to the table (records or schema); carried by record-change events */
  revision: number;
  fields: Field[];
  /** insertion-ordered: the default order of search results */
  records: Map<string, RecordRow>;
  views: View[];
  nextSeq: number;
  /** emulator ms of the last completed write, for the "data not ready" window (§2.7) */
  lastWriteAt?: number;
  /** client_token → remembered outcome, so a retried create returns the same records (§2.5) */
  idempotency: Map<string, { fingerprint: string; result: unknown }>;
}

export interface Base {
  app_token: string;
  name: string;
  revision: number;
  /** IANA zone used by day-granular date filters; falls back to the module config (§2.4) */
  time_zone?: string;
  tables: Map<string, Table>;
  /** template keys → table ids, for control/UI callers */
  tableKeys: Map<string, string>;
}

export class BitableState {
  readonly bases = new Map<string, Base>();

  base(appToken: string): Base {
    const b = this.bases.get(appToken);
    if (!b) throw new FeishuApiError(1254040, 'BaseTokenNotFound');
    return b;
  }

  table(appToken: string, tableId: string): Table {
    const t = this.base(appToken).tables.get(tableId);
    if (!t) throw new FeishuApiError(1254041, 'TableIdNotFound');
    return t;
  }

  field(table: Table, fieldId: string): Field {
    const f = table.fields.find((x) => x.field_id === fieldId);
    if (!f) throw new FeishuApiError(1254044, 'FieldIdNotFound');
    return f;
  }

  record(table: Table, recordId: string): RecordRow {
    const r = table.records.get(recordId);
    if (!r) throw new FeishuApiError(1254043, 'RecordIdNotFound');
    return r;
  }
}

export function fieldByName(table: Table, name: string): Field | undefined {
  return table.fields.find((f) => f.field_name === name);
}
