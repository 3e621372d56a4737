import type { Text } from '../domain/text.js';
import { fieldCreateBody, type BaseTemplate, type FieldTemplate, type TableTemplate, type ViewTemplate } from '../rules/base-template.js';
import type { LiveField, LiveView } from './api.js';

/**
 * What provisioning would do to make a live Base hold everything in the template, and what it will not
 * touch. Pure: the live schema comes in, a plan goes out. Provisioning only ever adds (tables, fields,
 * select options, views); a field with the right name and the wrong type is a problem for a person.
 */
export interface LiveTable {
  table_id: string;
  name: string;
  fields: LiveField[];
  views: LiveView[];
}

export type ProvisionStep =
  | { kind: 'create_table'; table: TableTemplate }
  | { kind: 'create_field'; tableName: string; field: FieldTemplate }
  | { kind: 'add_options'; tableName: string; field: LiveField; options: string[] }
  | { kind: 'create_view'; tableName: string; view: ViewTemplate }
  /** a rule table just created gets its default rows (bitable-templates/<file>) */
  | { kind: 'seed_rows'; tableName: string; file: string }
  /** drive file subscription: without it no record-change event arrives (docs/platform/feishu.md#36-bitable-record-changed-event) */
  | { kind: 'subscribe' };

export type SchemaProblem =
  | { kind: 'wrong_type'; tableName: string; fieldName: string; expected: number; actual: number }
  | { kind: 'missing_table'; tableName: string }
  | { kind: 'missing_field'; tableName: string; fieldName: string; type: number }
  | { kind: 'missing_options'; tableName: string; fieldName: string; options: string[] }
  | { kind: 'missing_view'; tableName: string; viewName: string }
  | { kind: 'not_subscribed' };

export interface ProvisionPlan {
  steps: ProvisionStep[];
  /** what provisioning will not fix (it never retypes, renames or deletes) */
  conflicts: SchemaProblem[];
  /** things the Open API cannot set; printed for a person to do once */
  manual: Array<{ tableName: string; viewName: string; text: Text }>;
}

const SELECT_TYPES = new Set([3, 4]);

export function planProvision(template: BaseTemplate, live: readonly LiveTable[], o: { subscribed: boolean }): ProvisionPlan {
  const steps: ProvisionStep[] = [];
  const conflicts: SchemaProblem[] = [];
  const manual: ProvisionPlan['manual'] = [];
  for (const t of template.tables) {
    const table = live.find((x) => x.name === t.name);
    const views = t.views ?? [];
    if (!table) {
      steps.push({ kind: 'create_table', table: t });
      if (t.rows) steps.push({ kind: 'seed_rows', tableName: t.name, file: t.rows });
      for (const v of views) steps.push({ kind: 'create_view', tableName: t.name, view: v });
      for (const v of views) if (v.manual) manual.push({ tableName: t.name, viewName: v.view_name, text: v.manual });
      continue;
    }
    for (const f of t.fields) {
      const lf = table.fields.find((x) => x.field_name === f.field_name);
      if (!lf) {
        steps.push({ kind: 'create_field', tableName: t.name, field: f });
        continue;
      }
      if (lf.type !== f.type) {
        conflicts.push({ kind: 'wrong_type', tableName: t.name, fieldName: f.field_name, expected: f.type, actual: lf.type });
        continue;
      }
      if (SELECT_TYPES.has(f.type)) {
        const have = new Set((lf.property?.options ?? []).map((o) => o.name));
        const missing = (f.property?.options ?? []).map((o) => o.name).filter((n) => !have.has(n));
        if (missing.length) steps.push({ kind: 'add_options', tableName: t.name, field: lf, options: missing });
      }
    }
    for (const v of views) {
      if (table.views.some((x) => x.view_name === v.view_name)) continue;
      steps.push({ kind: 'create_view', tableName: t.name, view: v });
      if (v.manual) manual.push({ tableName: t.name, viewName: v.view_name, text: v.manual });
    }
  }
  if (!o.subscribed) steps.push({ kind: 'subscribe' });
  return { steps, conflicts, manual };
}

/** Every difference between a live Base and the template, as doctor reports them. */
export function schemaProblems(plan: ProvisionPlan): SchemaProblem[] {
  const out: SchemaProblem[] = [...plan.conflicts];
  for (const s of plan.steps) {
    if (s.kind === 'create_table') out.push({ kind: 'missing_table', tableName: s.table.name });
    else if (s.kind === 'create_field') out.push({ kind: 'missing_field', tableName: s.tableName, fieldName: s.field.field_name, type: s.field.type });
    else if (s.kind === 'subscribe') out.push({ kind: 'not_subscribed' });
    else if (s.kind === 'add_options') out.push({ kind: 'missing_options', tableName: s.tableName, fieldName: s.field.field_name, options: s.options });
    else if (s.kind === 'seed_rows')
      continue; // part of the missing table
    else if (!plan.steps.some((x) => x.kind === 'create_table' && x.table.name === s.tableName)) out.push({ kind: 'missing_view', tableName: s.tableName, viewName: s.view.view_name });
  }
  return out;
}

/** The field update body that adds options and keeps every existing one (with its id). */
export function withOptions(field: LiveField, names: readonly string[]): { field_name: string; type: number; property: Record<string, unknown> } {
  const existing = (field.property?.options ?? []).map((o) => ({ ...(o.id ? { id: o.id } : {}), name: o.name, ...(o.color !== undefined ? { color: o.color } : {}) }));
  return { field_name: field.field_name, type: field.type, property: { ...(field.property ?? {}), options: [...existing, ...names.map((name) => ({ name }))] } };
}

export function tableCreateBody(t: TableTemplate): { name: string; fields: ReturnType<typeof fieldCreateBody>[] } {
  return { name: t.name, fields: t.fields.map(fieldCreateBody) };
}

const TYPE_NAMES: Record<number, Text> = {
  1: { zh: '文本', en: 'text' },
  2: { zh: '数字', en: 'number' },
  3: { zh: '单选', en: 'single select' },
  4: { zh: '多选', en: 'multi select' },
  5: { zh: '日期', en: 'date' },
  7: { zh: '复选框', en: 'checkbox' },
  11: { zh: '人员', en: 'person' },
  13: { zh: '电话', en: 'phone' },
  15: { zh: '超链接', en: 'link' },
  1001: { zh: '创建时间', en: 'created time' },
  1002: { zh: '最后更新时间', en: 'modified time' },
};
export const typeName = (type: number): Text => TYPE_NAMES[type] ?? { zh: `类型 ${type}`, en: `type ${type}` };

/** One line per step, in both languages. */
export function describeStep(s: ProvisionStep): Text {
  switch (s.kind) {
    case 'create_table':
      return { zh: `新建数据表「${s.table.name}」（${s.table.fields.length} 个字段）`, en: `create table "${s.table.name}" (${s.table.fields.length} fields)` };
    case 'create_field':
      return { zh: `在「${s.tableName}」新建字段「${s.field.field_name}」（${typeName(s.field.type).zh}）`, en: `create field "${s.field.field_name}" (${typeName(s.field.type).en}) in "${s.tableName}"` };
    case 'add_options':
      return { zh: `给「${s.tableName}.${s.field.field_name}」添加选项：${s.options.join('、')}`, en: `add options to "${s.tableName}.${s.field.field_name}": ${s.options.join(', ')}` };
    case 'create_view':
      return { zh: `在「${s.tableName}」新建视图「${s.view.view_name}」（${s.view.view_type}）`, en: `create view "${s.view.view_name}" (${s.view.view_type}) in "${s.tableName}"` };
    case 'seed_rows':
      return { zh: `在「${s.tableName}」写入默认规则（bitable-templates/${s.file}）`, en: `write the default rules into "${s.tableName}" (bitable-templates/${s.file})` };
    case 'subscribe':
      return { zh: '订阅多维表格的记录变更事件', en: "subscribe to the Base's record-change events" };
  }
}

/** A problem and how to fix it, in both languages. */
export function describeProblem(p: SchemaProblem): { what: Text; fix: Text } {
  switch (p.kind) {
    case 'wrong_type':
      return {
        what: { zh: `字段「${p.tableName}.${p.fieldName}」类型是${typeName(p.actual).zh}，应为${typeName(p.expected).zh}`, en: `field "${p.tableName}.${p.fieldName}" is ${typeName(p.actual).en}, expected ${typeName(p.expected).en}` },
        fix: {
          zh: `在多维表格中把该字段改为${typeName(p.expected).zh}，或重命名后运行 npm run provision 新建（不会自动改类型）`,
          en: `change its type to ${typeName(p.expected).en} in the Base, or rename it and run npm run provision to create a new one (types are never changed automatically)`,
        },
      };
    case 'missing_table':
      return { what: { zh: `缺少数据表「${p.tableName}」`, en: `table "${p.tableName}" is missing` }, fix: { zh: '运行 npm run provision 创建', en: 'run npm run provision to create it' } };
    case 'missing_field':
      return {
        what: { zh: `「${p.tableName}」缺少字段「${p.fieldName}」（${typeName(p.type).zh}）`, en: `field "${p.tableName}.${p.fieldName}" (${typeName(p.type).en}) is missing` },
        fix: { zh: '运行 npm run provision 补建；若是改名造成的，请把名字改回来', en: 'run npm run provision to add it; if it was renamed, rename it back' },
      };
    case 'missing_options':
      return {
        what: { zh: `字段「${p.tableName}.${p.fieldName}」缺少选项：${p.options.join('、')}`, en: `field "${p.tableName}.${p.fieldName}" lacks options: ${p.options.join(', ')}` },
        fix: { zh: '运行 npm run provision 补上选项', en: 'run npm run provision to add them' },
      };
    case 'missing_view':
      return { what: { zh: `「${p.tableName}」缺少视图「${p.viewName}」`, en: `view "${p.viewName}" is missing from "${p.tableName}"` }, fix: { zh: '运行 npm run provision 创建', en: 'run npm run provision to create it' } };
    case 'not_subscribed':
      return {
        what: { zh: '应用没有订阅这个多维表格的记录变更，表格里的修改不会通知服务', en: "the app is not subscribed to this Base's record changes: edits in the table will not reach the server" },
        fix: { zh: '运行 npm run provision 订阅；并确认开发者后台已添加事件 drive.file.bitable_record_changed_v1', en: 'run npm run provision to subscribe, and check the console lists the event drive.file.bitable_record_changed_v1' },
      };
  }
}
