import { stableJson } from '../lib/stable-json.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { DINGTALK_PERSON } from '../rules/roster-rows.js';

/**
 * A Bitable record (read shape, docs/platform/feishu.md#23-record-values) ↔ what the product works with. Text comes back as
 * segments, people as objects, links as {link_record_ids}; here each becomes a plain value.
 */
export function readCell(value: unknown): string | number | boolean | string[] | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return value as string[];
    // text segments: [{type:'text', text}] …; people: [{id, name}]
    if (value.every((v) => v && typeof v === 'object' && 'text' in v)) return value.map((v) => String((v as { text: unknown }).text ?? '')).join('');
    if (value.every((v) => v && typeof v === 'object' && 'id' in v)) return value.map((v) => String((v as { id: unknown }).id));
    return null;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.link === 'string') return o.link;
    if (Array.isArray(o.link_record_ids)) return o.link_record_ids as string[];
    if ('value' in o) return readCell(o.value);
  }
  return null;
}

/**
 * A cell as people see it, for comparing a read value with a written one (read and write shapes differ:
 * text segments vs a string, {id,name} vs {id}, a single person's id vs a list of one); an empty cell,
 * '' and [] are the same.
 */
export function shownValue(value: unknown): string {
  const c = readCell(value);
  return stableJson(c === '' || (Array.isArray(c) && c.length === 0) ? null : Array.isArray(c) && c.length === 1 ? c[0] : c);
}

const PERSON = 11;

/** The template's person fields by name (every table), and those that hold a single person. */
export function personFields(template: BaseTemplate): { all: Set<string>; single: Set<string> } {
  const all = new Set<string>();
  const single = new Set<string>();
  for (const t of template.tables) {
    for (const f of t.fields) {
      if (f.type !== PERSON) continue;
      all.add(f.field_name);
      if (f.property?.multiple === false) single.add(f.field_name);
    }
  }
  return { all, single };
}

/**
 * Plain values (what the use cases queue: a person as their id) → the shapes the record API takes
 * (a person cell is a list of {id}: docs/platform/feishu.md#23-record-values). Other values are
 * sent as they are.
 */
export function bitableCellEncoder(template: BaseTemplate): (fields: Record<string, unknown>) => Record<string, unknown> {
  const { all } = personFields(template);
  // only Feishu users fit a person cell: someone on DingTalk only (rules/roster-rows.ts) leaves it empty
  const feishuUser = (x: unknown) => !(typeof x === 'string' && x.startsWith(DINGTALK_PERSON));
  const person = (v: unknown) => (typeof v === 'string' ? (feishuUser(v) ? [{ id: v }] : []) : Array.isArray(v) ? v.filter(feishuUser).map((x) => (typeof x === 'string' ? { id: x } : x)) : v);
  return (fields) => {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(fields)) {
      if (!all.has(k) || v === null) continue;
      out ??= { ...fields };
      out[k] = person(v);
    }
    return out ?? fields;
  };
}
