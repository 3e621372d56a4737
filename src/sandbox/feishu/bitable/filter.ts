import type { Directory } from '../kernel/directory.js';
import { FeishuApiError } from '../kernel/errors.js';
import { FieldType, isDateType, isLinkType, isUserType } from './field-types.js';
import { fieldByName, type Field, type Operator, type RecordRow, type Table, type UrlCell } from './state.js';
import { addDays, monthRange, startOfDay, weekRange } from './time.js';
import { userIdOf, type UserIdType } from './values.js';

/**
 * The search `filter` (docs/platform/feishu.md#24-search; record-filter-guide): `{conjunction, conditions, children}`
 * with ONE level of children, `value` always an array of strings, per-type operator rules, day-granular
 * dates in the base's zone. Anything malformed answers 1254018 InvalidFilter.
 */
export interface FilterContext {
  directory: Directory;
  userIdType: UserIdType;
  timeZone: string;
  /** emulator ms, for Today / CurrentWeek … */
  now: number;
}

export type Predicate = (row: RecordRow) => boolean;

const OPERATORS = ['is', 'isNot', 'contains', 'doesNotContain', 'isEmpty', 'isNotEmpty', 'isGreater', 'isGreaterEqual', 'isLess', 'isLessEqual'] as const;
type Op = (typeof OPERATORS)[number];

const bad = (why: string) => new FeishuApiError(1254018, 'InvalidFilter', undefined, `Invalid filter: ${why}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function compileFilter(filter: unknown, table: Table, ctx: FilterContext): Predicate {
  if (filter === undefined || filter === null) return () => true;
  return compileGroup(filter, table, ctx, 0);
}

function compileGroup(g: unknown, table: Table, ctx: FilterContext, depth: number): Predicate {
  if (!isObject(g)) throw bad('filter must be an object');
  const { conjunction, conditions, children } = g;
  if (conjunction !== 'and' && conjunction !== 'or') throw bad('conjunction must be "and" or "or"');
  if (conditions !== undefined && conditions !== null && !Array.isArray(conditions)) throw bad('conditions must be an array');
  if (children !== undefined && children !== null && !Array.isArray(children)) throw bad('children must be an array');
  const conds = (conditions ?? []) as unknown[];
  const kids = (children ?? []) as unknown[];
  if (conds.length > 50) throw bad('at most 50 conditions');
  if (kids.length > 50) throw bad('at most 50 children');
  if (depth > 0 && kids.length > 0) throw bad('children may not have children (one nesting level only)');
  const parts: Predicate[] = [...conds.map((c) => compileCondition(c, table, ctx)), ...kids.map((k) => compileGroup(k, table, ctx, depth + 1))];
  if (parts.length === 0) return () => true;
  return conjunction === 'and' ? (r) => parts.every((p) => p(r)) : (r) => parts.some((p) => p(r));
}

function operatorOpenId(op: Operator): string {
  return op.openId;
}

/** Is the cell empty? Automatic fields never are; an unchecked checkbox is. */
function isEmptyCell(f: Field, row: RecordRow): boolean {
  if (f.type >= 1001 && f.type <= 1005) return false;
  return row.cells.get(f.field_id) === undefined;
}

function compileCondition(c: unknown, table: Table, ctx: FilterContext): Predicate {
  if (!isObject(c)) throw bad('each condition must be an object');
  const { field_name, operator, value } = c;
  if (typeof field_name !== 'string') throw bad('field_name is required');
  const f = fieldByName(table, field_name);
  if (!f) throw bad(`unknown field "${field_name}"`);
  if (operator === 'like' || operator === 'in') throw bad(`operator "${operator}" is not supported yet`);
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) throw bad(`unknown operator ${JSON.stringify(operator)}`);
  const op = operator as Op;
  if (f.type === FieldType.Formula || f.type === FieldType.Lookup) throw bad(`formula and lookup fields cannot be filtered ("${field_name}")`);
  if (value !== undefined && value !== null && (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))) {
    throw bad(`value of "${field_name}" must be an array of strings`);
  }
  if (op === 'isEmpty' || op === 'isNotEmpty') {
    // The guide requires an explicit "value": [] for these two.
    if (!Array.isArray(value) || value.length !== 0) throw bad(`${op} needs "value": []`);
    return op === 'isEmpty' ? (r) => isEmptyCell(f, r) : (r) => !isEmptyCell(f, r);
  }
  if (!Array.isArray(value) || value.length === 0) throw bad(`"${field_name}" ${op} needs a value`);
  const vals = value as string[];
  const need = (ok: readonly Op[]) => {
    if (!ok.includes(op)) throw bad(`operator ${op} is not allowed on field "${field_name}" (type ${f.type})`);
  };
  const one = () => {
    if (vals.length !== 1) throw bad(`${op} on "${field_name}" takes exactly one value`);
    return vals[0]!;
  };

  if (isDateType(f.type)) {
    need(['is', 'isGreater', 'isLess']);
    const [from, to] = dateRange(vals, ctx);
    const get = (r: RecordRow): number | undefined => (f.type === FieldType.CreatedTime ? r.created_time : f.type === FieldType.ModifiedTime ? r.last_modified_time : (r.cells.get(f.field_id) as number | undefined));
    if (op === 'is') return (r) => inRange(get(r), from, to);
    if (op === 'isGreater') return (r) => (get(r) ?? -Infinity) >= to;
    return (r) => (get(r) ?? Infinity) < from;
  }

  switch (f.type) {
    case FieldType.Number: {
      need(['is', 'isNot', 'isGreater', 'isGreaterEqual', 'isLess', 'isLessEqual']);
      const n = Number(one());
      if (!Number.isFinite(n)) throw bad(`"${field_name}" needs a numeric string`);
      const get = (r: RecordRow) => r.cells.get(f.field_id) as number | undefined;
      switch (op) {
        case 'is':
          return (r) => get(r) === n;
        case 'isNot':
          return (r) => get(r) !== n;
        case 'isGreater':
          return (r) => (get(r) ?? -Infinity) > n;
        case 'isGreaterEqual':
          return (r) => (get(r) ?? -Infinity) >= n;
        case 'isLess':
          return (r) => (get(r) ?? Infinity) < n;
        default:
          return (r) => (get(r) ?? Infinity) <= n;
      }
    }
    case FieldType.Checkbox: {
      need(['is']);
      const v = one();
      if (v !== 'true' && v !== 'false') throw bad(`checkbox "${field_name}" takes ["true"] or ["false"]`);
      return (r) => (r.cells.get(f.field_id) === true) === (v === 'true');
    }
    case FieldType.Attachment:
      throw bad(`attachment field "${field_name}" supports isEmpty / isNotEmpty only`);
    case FieldType.SingleSelect: {
      need(['is', 'isNot', 'contains', 'doesNotContain']);
      if (op === 'is' || op === 'isNot') one();
      const name = (r: RecordRow) => {
        const id = r.cells.get(f.field_id) as string | undefined;
        return id === undefined ? undefined : f.property?.options?.find((o) => o.id === id)?.name;
      };
      if (op === 'is') return (r) => name(r) === vals[0];
      if (op === 'isNot') return (r) => name(r) !== vals[0];
      if (op === 'contains') return (r) => vals.includes(name(r) ?? '\u0000');
      return (r) => !vals.includes(name(r) ?? '\u0000');
    }
  }

  // Set-valued fields: multi-select (names), persons (ids of user_id_type), links (record ids), group chats.
  const setOf = setAccessor(f, ctx);
  if (setOf) {
    need(['is', 'isNot', 'contains', 'doesNotContain']);
    if (f.type === FieldType.MultiSelect && (op === 'is' || op === 'isNot')) one();
    const want = new Set(vals);
    const equal = (have: string[]) => have.length === want.size && have.every((h) => want.has(h));
    const any = (have: string[]) => have.some((h) => want.has(h));
    switch (op) {
      case 'is':
        return (r) => equal(setOf(r));
      case 'isNot':
        return (r) => !equal(setOf(r));
      case 'contains':
        return (r) => any(setOf(r));
      default:
        return (r) => !any(setOf(r));
    }
  }

  // Text-like: text, phone, url, location, auto number.
  need(['is', 'isNot', 'contains', 'doesNotContain']);
  const v = one();
  const text = (r: RecordRow): string | undefined => {
    if (f.type === FieldType.AutoNumber) return String(r.seq);
    const cell = r.cells.get(f.field_id);
    if (cell === undefined) return undefined;
    return f.type === FieldType.Url ? (cell as UrlCell).text : String(cell);
  };
  const lc = v.toLowerCase();
  switch (op) {
    case 'is':
      return (r) => text(r) === v;
    case 'isNot':
      return (r) => text(r) !== v;
    case 'contains':
      return (r) => (text(r) ?? '').toLowerCase().includes(lc);
    default:
      return (r) => !(text(r) ?? '').toLowerCase().includes(lc);
  }
}

function setAccessor(f: Field, ctx: FilterContext): ((r: RecordRow) => string[]) | undefined {
  if (f.type === FieldType.MultiSelect) {
    return (r) => ((r.cells.get(f.field_id) as string[] | undefined) ?? []).map((id) => f.property?.options?.find((o) => o.id === id)?.name ?? id);
  }
  if (isUserType(f.type)) {
    const toId = (openId: string) => {
      const u = ctx.directory.findUser(openId);
      return u ? userIdOf(u, ctx.userIdType) : openId;
    };
    if (f.type === FieldType.CreatedUser) return (r) => [toId(operatorOpenId(r.created_by))];
    if (f.type === FieldType.ModifiedUser) return (r) => [toId(operatorOpenId(r.last_modified_by))];
    return (r) => ((r.cells.get(f.field_id) as string[] | undefined) ?? []).map(toId);
  }
  if (isLinkType(f.type) || f.type === FieldType.GroupChat) return (r) => (r.cells.get(f.field_id) as string[] | undefined) ?? [];
  return undefined;
}

function inRange(v: number | undefined, from: number, to: number): boolean {
  return v !== undefined && v >= from && v < to;
}

const DAY_RELATIVE = ['Today', 'Tomorrow', 'Yesterday', 'CurrentWeek', 'LastWeek', 'CurrentMonth', 'LastMonth', 'TheLastWeek', 'TheNextWeek', 'TheLastMonth', 'TheNextMonth'] as const;

/** [from, to) for a date filter value: ["ExactDate","<ms>"] (whole day) or one relative keyword. */
export function dateRange(vals: string[], ctx: FilterContext): [number, number] {
  const tz = ctx.timeZone;
  const today = startOfDay(ctx.now, tz);
  if (vals[0] === 'ExactDate') {
    const ms = vals.length === 2 ? Number(vals[1]) : NaN;
    if (!Number.isFinite(ms)) throw bad('ExactDate needs ["ExactDate","<ms timestamp>"]');
    const d = startOfDay(ms, tz);
    return [d, addDays(d, 1, tz)];
  }
  if (vals.length !== 1 || !(DAY_RELATIVE as readonly string[]).includes(vals[0]!)) {
    throw bad(`date value must be ["ExactDate","<ms>"] or one of ${DAY_RELATIVE.join(', ')}`);
  }
  switch (vals[0] as (typeof DAY_RELATIVE)[number]) {
    case 'Today':
      return [today, addDays(today, 1, tz)];
    case 'Tomorrow':
      return [addDays(today, 1, tz), addDays(today, 2, tz)];
    case 'Yesterday':
      return [addDays(today, -1, tz), today];
    case 'CurrentWeek':
      return weekRange(ctx.now, tz);
    case 'LastWeek':
      return weekRange(addDays(weekRange(ctx.now, tz)[0], -1, tz), tz);
    case 'CurrentMonth':
      return monthRange(ctx.now, tz);
    case 'LastMonth':
      return monthRange(monthRange(ctx.now, tz)[0] - 1, tz);
    // "The last/next 7 (30) days", counting today.
    case 'TheLastWeek':
      return [addDays(today, -6, tz), addDays(today, 1, tz)];
    case 'TheNextWeek':
      return [today, addDays(today, 7, tz)];
    case 'TheLastMonth':
      return [addDays(today, -29, tz), addDays(today, 1, tz)];
    case 'TheNextMonth':
      return [today, addDays(today, 30, tz)];
  }
}
