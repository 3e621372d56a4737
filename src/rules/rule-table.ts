import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findStage, findStageByLabel, type Journey, type StageDef } from '../domain/journey.js';
import type { Text } from '../domain/text.js';
import type { BaseTemplate } from './base-template.js';
import { TEMPLATES_DIR } from './load-journey.js';

/**
 * Rules as rows (评分规则, 分配规则, 退回原因 …): the shipped defaults in bitable-templates/rules/*.json
 * and the team's Bitable tables share one row shape, so one validator checks both. Each row is checked
 * on its own: a wrong row is reported (in its 校验结果 column, in the Bitable) and left out; the others
 * stand. A row whose 启用 is false is skipped.
 */
export type RuleRow = Record<string, unknown>;

export interface RowProblem {
  /** 1-based position among the rows, as people count them */
  row: number;
  /** the row's name (its first column), for messages */
  name: string;
  message: Text;
}

export type RowCheck<T> = { ok: true; value: T } | { ok: false; message: Text };
export const rowOk = <T>(value: T): RowCheck<T> => ({ ok: true, value });
export const rowError = (zh: string, en: string): RowCheck<never> => ({ ok: false, message: { zh, en } });

export interface CheckedRows<T> {
  values: Array<{ row: number; value: T }>;
  problems: RowProblem[];
}

const SAME_CONDITION = (first: number): Text => ({ zh: `与第 ${first} 行重复（同一条件只能有一行）`, en: `duplicates row ${first} (one row per condition)` });

export function checkRows<T>(rows: readonly RuleRow[], nameField: string, check: (row: RuleRow) => RowCheck<T>, keyOf?: (v: T) => string, duplicate: (first: number) => Text = SAME_CONDITION): CheckedRows<T> {
  const out: CheckedRows<T> = { values: [], problems: [] };
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const row = i + 1;
    const name = str(r[nameField]) || `#${row}`;
    if (r['启用'] === false) return;
    const c = check(r);
    if (!c.ok) {
      out.problems.push({ row, name, message: c.message });
      return;
    }
    const key = keyOf?.(c.value);
    if (key !== undefined) {
      const first = seen.get(key);
      if (first !== undefined) {
        out.problems.push({ row, name, message: duplicate(first) });
        return;
      }
      seen.set(key, row);
    }
    out.values.push({ row, value: c.value });
  });
  return out;
}

/** A cell as trimmed text ('' when empty): rows come from JSON or from Bitable cells already read. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join('、');
  return '';
}

/** A list cell: a multi-select, or text separated by 、，,| */
export function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(str).filter(Boolean);
  return str(v)
    .split(/[、，,|｜]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number cell, or undefined when empty; NaN when it holds something that is not a number. */
export function num(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'number') return v;
  const s = str(v);
  return s === '' ? undefined : /^[-+]?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
}

export function optionsOf(template: BaseTemplate, tableKey: string, field: string): string[] {
  const t = template.tables.find((x) => x.key === tableKey);
  const f = t?.fields.find((x) => x.field_name === field);
  return ((f?.property?.options as Array<{ name: string }> | undefined) ?? []).map((o) => o.name);
}

export function problemsText(file: string, problems: readonly RowProblem[]): string {
  return `${file}:\n  - ${problems.map((p) => `第 ${p.row} 行「${p.name}」: ${p.message.zh} / row ${p.row}: ${p.message.en}`).join('\n  - ')}`;
}

/** The shipped default rows of a rule table (bitable-templates/rules/<name>.json). */
export function readRuleFile(name: string, file = join(TEMPLATES_DIR, 'rules', `${name}.json`)): { file: string; table: string; rows: RuleRow[] } {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { table?: unknown; rows?: unknown };
  if (typeof data.table !== 'string' || !Array.isArray(data.rows)) throw new Error(`${file}: expected { "table": "<表名>", "rows": [ … ] }`);
  return { file, table: data.table, rows: data.rows as RuleRow[] };
}

/** The stages a 阶段 cell names (labels, codes or ids), or the row's error for the first it does not know. */
export function stagesOf(journey: Journey, v: unknown, emptyZh = '「阶段」不能为空'): { ok: true; stages: StageDef[] } | { ok: false; error: RowCheck<never> } {
  const names = list(v);
  if (!names.length) return { ok: false, error: rowError(emptyZh, '阶段 cannot be empty') };
  const stages: StageDef[] = [];
  for (const s of names) {
    const st = findStageByLabel(journey, s) ?? findStage(journey, s);
    if (!st) return { ok: false, error: rowError(`「${s}」不是旅程「${journey.name.zh}」的阶段`, `"${s}" is not a stage of journey ${journey.id}`) };
    stages.push(st);
  }
  return { ok: true, stages };
}
