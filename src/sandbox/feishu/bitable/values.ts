import type { EventFieldValue } from '../kernel/bus.js';
import type { AppRegistry } from '../kernel/apps.js';
import type { Directory, EmuUser } from '../kernel/directory.js';
import { FeishuApiError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { FieldType, isLinkType } from './field-types.js';
import type { AttachmentCell, Base, Cell, Field, Operator, RecordRow, SelectOption, Table, UrlCell } from './state.js';

/**
 * Conversions between the three shapes of a Bitable value (docs/platform/feishu.md §2.3 and §3.6):
 * - write: what create/update accept (text string, select name, person `[{id}]`, link `["rec…"]` …);
 * - stored: what state.ts keeps (select option id, person open_id, …);
 * - read: what search/get/batch_get return (text segments, person objects, `{link_record_ids}` …);
 * - event: the `field_value` string of `bitable_record_changed_v1` (select = option id, date = ms string …).
 */
export type UserIdType = 'open_id' | 'union_id' | 'user_id';

export interface WriteContext {
  directory: Directory;
  userIdType: UserIdType;
  base: Base;
  table: Table;
  newOptions: NewOptions;
}

export interface ReadContext {
  directory: Directory;
  apps: AppRegistry;
  userIdType: UserIdType;
  base: Base;
  /** GET record without text_field_as_array=true returns text as a plain string (legacy shape). */
  textAsArray: boolean;
  /**
   * The deprecated single-record GET shows a link as `[{type, table_id, record_ids, text}]` (its page's
   * response sample: https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/get),
   * not the `{link_record_ids}` of search and batch_get.
   */
  legacyLinks?: boolean;
  /** show an unchecked checkbox as `false` instead of leaving it out (an undocumented choice: a switch) */
  uncheckedCheckboxFalse?: boolean;
}

/**
 * Select options created by a write ("an unknown name creates a new option", §2.3). Collected while a
 * write is validated and added to the field only when the whole write commits, so a failed batch
 * leaves the schema untouched.
 */
export class NewOptions {
  private readonly pending = new Map<Field, SelectOption[]>();

  idFor(field: Field, name: string): string {
    const existing = field.property?.options?.find((o) => o.name === name);
    if (existing) return existing.id;
    const list = this.pending.get(field) ?? [];
    const made = list.find((o) => o.name === name);
    if (made) return made.id;
    const opt: SelectOption = { id: newId.option(), name, color: ((field.property?.options?.length ?? 0) + list.length) % 55 };
    list.push(opt);
    this.pending.set(field, list);
    return opt.id;
  }

  commit(): void {
    for (const [field, opts] of this.pending) {
      field.property = { ...(field.property ?? {}), options: [...(field.property?.options ?? []), ...opts] };
    }
    this.pending.clear();
  }
}

const convFail = (field: Field, code: number, name: string, why: string) => new FeishuApiError(code, name, undefined, `Invalid request parameter: 'fields.${field.field_name}': ${why}`);

/** Write → stored. `null` (and empty strings/arrays) clear the cell: returns undefined. */
export function writeToCell(field: Field, value: unknown, ctx: WriteContext): Cell | undefined {
  if (value === null || value === undefined) return undefined;
  switch (field.type) {
    case FieldType.Text: {
      if (typeof value === 'string') return value === '' ? undefined : value;
      // Rich-text segments are accepted too (the read shape written back).
      if (Array.isArray(value) && value.every((s) => s && typeof s === 'object' && typeof (s as { text?: unknown }).text === 'string')) {
        const joined = value.map((s) => (s as { text: string }).text).join('');
        return joined === '' ? undefined : joined;
      }
      throw convFail(field, 1254060, 'TextFieldConvFail', 'expects a string');
    }
    case FieldType.Number:
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw convFail(field, 1254061, 'NumberFieldConvFail', 'expects a number');
    case FieldType.SingleSelect:
      if (typeof value !== 'string') throw convFail(field, 1254062, 'SingleSelectFieldConvFail', 'expects an option name');
      return value === '' ? undefined : ctx.newOptions.idFor(field, value);
    case FieldType.MultiSelect: {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
        throw convFail(field, 1254063, 'MultiSelectFieldConvFail', 'expects an array of option names');
      }
      const ids = [...new Set((value as string[]).map((n) => ctx.newOptions.idFor(field, n)))];
      return ids.length ? ids : undefined;
    }
    case FieldType.DateTime:
      if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
      throw convFail(field, 1254064, 'DatetimeFieldConvFail', 'expects a ms timestamp number');
    case FieldType.Checkbox:
      if (typeof value === 'boolean') return value ? true : undefined; // unchecked reads as empty
      throw convFail(field, 1254065, 'CheckboxFieldConvFail', 'expects a boolean');
    case FieldType.User: {
      if (!Array.isArray(value)) throw convFail(field, 1254066, 'UserFieldConvFail', 'expects [{"id":"…"}]');
      const openIds: string[] = [];
      for (const v of value) {
        const id = v && typeof v === 'object' ? (v as { id?: unknown }).id : undefined;
        const user = typeof id === 'string' ? ctx.directory.findUser(id, ctx.userIdType) : undefined;
        if (!user) throw convFail(field, 1254066, 'UserFieldConvFail', `unknown ${ctx.userIdType} ${JSON.stringify(id)}`);
        if (!openIds.includes(user.open_id)) openIds.push(user.open_id);
      }
      if (field.property?.multiple === false && openIds.length > 1) throw convFail(field, 1254066, 'UserFieldConvFail', 'field allows one person');
      return openIds.length ? openIds : undefined;
    }
    case FieldType.Phone:
      if (typeof value === 'string' && value.length <= 64 && /^\+?\d*$/.test(value)) return value === '' ? undefined : value;
      throw convFail(field, 1254072, 'PhoneFieldConvFail', 'expects a string matching (\\+)?\\d*, at most 64 chars');
    case FieldType.Url: {
      const v = value as Partial<UrlCell>;
      if (typeof value === 'object' && !Array.isArray(value) && typeof v.link === 'string' && v.link !== '' && (v.text === undefined || typeof v.text === 'string')) {
        return { text: v.text || v.link, link: v.link };
      }
      throw convFail(field, 1254068, 'URLFieldConvFail', 'expects {"text","link"}');
    }
    case FieldType.Attachment: {
      if (!Array.isArray(value) || !value.every((a) => a && typeof a === 'object' && typeof (a as { file_token?: unknown }).file_token === 'string')) {
        throw convFail(field, 1254069, 'AttachFieldConvFail', 'expects [{"file_token":"…"}]');
      }
      const list: AttachmentCell[] = (value as Array<Partial<AttachmentCell> & { file_token: string }>).map((a) => ({
        file_token: a.file_token,
        name: typeof a.name === 'string' ? a.name : a.file_token,
        type: typeof a.type === 'string' ? a.type : 'application/octet-stream',
        size: typeof a.size === 'number' ? a.size : 0,
      }));
      return list.length ? list : undefined;
    }
    case FieldType.SingleLink:
    case FieldType.DuplexLink: {
      const [code, name] = field.type === FieldType.DuplexLink ? [1254074, 'DuplexLinkFieldConvFail'] : [1254067, 'LinkFieldConvFail'];
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw convFail(field, code, name, 'expects ["rec…"]');
      const target = ctx.base.tables.get(field.property?.table_id ?? ctx.table.table_id);
      for (const id of value as string[]) {
        if (!target?.records.has(id)) throw convFail(field, code, name, `unknown record ${id}`);
      }
      const ids = [...new Set(value as string[])];
      return ids.length ? ids : undefined;
    }
    case FieldType.GroupChat: {
      if (!Array.isArray(value)) throw convFail(field, 1254001, 'WrongRequestBody', 'expects [{"id":"oc_…"}]');
      const ids: string[] = [];
      for (const v of value) {
        const id = v && typeof v === 'object' ? (v as { id?: unknown }).id : undefined;
        if (typeof id !== 'string' || !ctx.directory.findChat(id)) throw convFail(field, 1254001, 'WrongRequestBody', `unknown chat ${JSON.stringify(id)}`);
        ids.push(id);
      }
      return ids.length ? ids : undefined;
    }
    case FieldType.Location:
      if (typeof value === 'string' && /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(value)) return value;
      throw convFail(field, 1254001, 'WrongRequestBody', 'expects "longitude,latitude"');
    default:
      // Formula, lookup, automatic fields, stage, button: not writable (§2.3).
      throw new FeishuApiError(1254045, 'FieldNameNotFound', undefined, `Invalid request parameter: 'fields.${field.field_name}': field is not writable`);
  }
}

export function userIdOf(u: EmuUser, t: UserIdType): string {
  return t === 'open_id' ? u.open_id : t === 'union_id' ? u.union_id : u.user_id;
}

export interface PersonRead {
  id: string;
  name: string;
  en_name: string;
  email?: string;
  avatar_url: string;
}

function personRead(openId: string, ctx: ReadContext): PersonRead {
  const u = ctx.directory.findUser(openId);
  if (u) return { id: userIdOf(u, ctx.userIdType), name: u.name, en_name: u.en_name, ...(u.email ? { email: u.email } : {}), avatar_url: u.avatar_url };
  return { id: openId, name: '', en_name: '', avatar_url: '' };
}

/** created_by / last_modified_by and the 1003/1004 fields. An app's writes show its bot. */
export function operatorRead(op: Operator, ctx: ReadContext): PersonRead {
  if (op.kind === 'user') return personRead(op.openId, ctx);
  const app = ctx.apps.get(op.appId);
  return { id: op.openId, name: app?.name ?? '', en_name: app?.name ?? '', avatar_url: '' };
}

type Segment = { type: 'text'; text: string } | { type: 'url'; text: string; link: string };

/** Text read shape: segments; URLs inside the text come back as url segments; Email ui_type as mailto. */
export function textSegments(s: string, uiType: string): Segment[] {
  if (uiType === 'Email') return [{ type: 'url', text: s, link: `mailto:${s}` }];
  const out: Segment[] = [];
  let last = 0;
  for (const m of s.matchAll(/https?:\/\/[^\s]+/g)) {
    if (m.index > last) out.push({ type: 'text', text: s.slice(last, m.index) });
    out.push({ type: 'url', text: m[0], link: m[0] });
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push({ type: 'text', text: s.slice(last) });
  return out;
}

function optionName(field: Field, id: string): string | undefined {
  return field.property?.options?.find((o) => o.id === id)?.name;
}

/** Stored → read. undefined = empty cell, omitted from `fields` (§2.3 "Empty cells are omitted"). */
export function cellToRead(field: Field, row: RecordRow, ctx: ReadContext): unknown {
  switch (field.type) {
    case FieldType.CreatedTime:
      return row.created_time;
    case FieldType.ModifiedTime:
      return row.last_modified_time;
    case FieldType.CreatedUser:
      return [operatorRead(row.created_by, ctx)];
    case FieldType.ModifiedUser:
      return [operatorRead(row.last_modified_by, ctx)];
    case FieldType.AutoNumber:
      return String(row.seq);
  }
  const cell = row.cells.get(field.field_id);
  if (cell === undefined) return undefined;
  switch (field.type) {
    case FieldType.Text:
      return ctx.textAsArray ? textSegments(cell as string, field.ui_type) : cell;
    case FieldType.SingleSelect:
      return optionName(field, cell as string);
    case FieldType.MultiSelect: {
      const names = (cell as string[]).map((id) => optionName(field, id)).filter((n): n is string => n !== undefined);
      return names.length ? names : undefined;
    }
    case FieldType.User:
      return (cell as string[]).map((id) => personRead(id, ctx));
    case FieldType.Url:
      return { ...(cell as UrlCell) };
    case FieldType.Attachment:
      return (cell as AttachmentCell[]).map((a) => ({
        ...a,
        url: `https://sandbox.invalid/open-apis/drive/v1/medias/${a.file_token}/download`,
        tmp_url: `https://sandbox.invalid/open-apis/drive/v1/medias/batch_get_tmp_download_url?file_tokens=${a.file_token}`,
      }));
    case FieldType.SingleLink:
    case FieldType.DuplexLink: {
      const target = ctx.base.tables.get(field.property?.table_id ?? '');
      const ids = (cell as string[]).filter((id) => !target || target.records.has(id));
      if (ctx.legacyLinks) {
        const primary = target?.fields[0];
        const text = ids.map((id) => {
          const v = primary ? target!.records.get(id)?.cells.get(primary.field_id) : undefined;
          return typeof v === 'string' ? v : id;
        });
        return ids.length ? [{ type: 'text', table_id: field.property?.table_id ?? '', record_ids: ids, text: text.join(',') }] : undefined;
      }
      return { link_record_ids: ids };
    }
    case FieldType.GroupChat:
      return (cell as string[]).map((id) => {
        const chat = ctx.directory.findChat(id);
        return { id, name: chat?.name ?? '', avatar_url: '' };
      });
    case FieldType.Location:
      return { location: cell, name: '', address: '', full_address: String(cell), pname: '', cityname: '', adname: '' };
    default:
      return cell; // number, date ms, checkbox true, phone string
  }
}

/** The whole `fields` object of a record in read shape, optionally limited to some field names. */
export function rowToReadFields(table: Table, row: RecordRow, ctx: ReadContext, only?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of table.fields) {
    if (only && !only.has(f.field_name)) continue;
    const v = cellToRead(f, row, ctx);
    if (v !== undefined) out[f.field_name] = v;
    else if (ctx.uncheckedCheckboxFalse && f.type === FieldType.Checkbox) out[f.field_name] = false;
  }
  return out;
}

/**
 * Stored → event `field_value` (§3.6). The documented samples fix the select (option id), date (ms
 * string) and person (`{"users":[{"userId",…}]}` plus `field_identity_value`) shapes. The rest follow the
 * doc's "JSON-serialised" rule applied to the stored value: text = JSON segments, number = "12.5",
 * multi-select = JSON array of option ids, checkbox = "true", link = JSON array of record ids, url = JSON
 * `{text,link}`. Those are best guesses, so consumers should re-read the record (§3.6 recommendation).
 * An empty cell is `""`.
 */
export function cellToEvent(field: Field, cell: Cell | undefined, directory: Directory): EventFieldValue {
  const base = { field_id: field.field_id };
  if (cell === undefined) return { ...base, field_value: '' };
  switch (field.type) {
    case FieldType.Text:
      return { ...base, field_value: JSON.stringify(textSegments(cell as string, field.ui_type)) };
    case FieldType.SingleSelect:
    case FieldType.Phone:
    case FieldType.Location:
      return { ...base, field_value: cell as string };
    case FieldType.Number:
    case FieldType.DateTime:
      return { ...base, field_value: String(cell) };
    case FieldType.Checkbox:
      return { ...base, field_value: cell ? 'true' : 'false' };
    case FieldType.User: {
      const users = (cell as string[]).map((id) => directory.findUser(id)).filter((u): u is EmuUser => u !== undefined);
      return {
        ...base,
        field_value: JSON.stringify({ users: users.map((u) => ({ userId: u.user_id, name: u.name, enName: u.en_name })) }),
        field_identity_value: {
          users: users.map((u) => ({ user_id: { open_id: u.open_id, union_id: u.union_id, user_id: u.user_id }, name: u.name, en_name: u.en_name, avatar_url: u.avatar_url })),
        },
      };
    }
    default:
      return { ...base, field_value: JSON.stringify(isLinkType(field.type) ? (cell as string[]) : cell) };
  }
}

/** Structural equality of two stored cells (to find which fields an update really changed). */
export function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
