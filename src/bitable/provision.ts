import { randomUUID } from 'node:crypto';
import type { Text } from '../domain/text.js';
import { withRetry } from '../feishu/retry.js';
import type { BaseTemplate } from '../rules/base-template.js';
import { fieldCreateBody, type TableTemplate } from '../rules/base-template.js';
import { join } from 'node:path';
import { TEMPLATES_DIR } from '../rules/load-journey.js';
import { list, readRuleFile, type RuleRow } from '../rules/rule-table.js';
import type { BitableApi } from './api.js';
import { describeStep, planProvision, tableCreateBody, withOptions, type LiveTable, type ProvisionPlan, type ProvisionStep } from './provision-plan.js';

/**
 * Make a Base hold what the template describes: create the Base when there is none, then add every
 * missing table, field, select option and view, one call at a time (schema writes take the table's
 * write lock, docs/platform/feishu.md#27-write-lock-and-consistency). Transient failures are retried; a permanent one stops the run and
 * says which step failed. Never deletes, renames or retypes.
 */
export interface ProvisionOptions {
  appToken?: string | undefined;
  dryRun?: boolean;
  timeZone?: string;
  onStep?: (step: ProvisionStep, index: number, total: number, text: Text) => void;
  onRetry?: (what: string, delayMs: number) => void;
}

export interface ProvisionResult {
  appToken: string | undefined;
  createdBase: boolean;
  plan: ProvisionPlan;
  applied: number;
  /** table name → table id, after the run */
  tables: Map<string, string>;
}

export async function readLiveBase(api: BitableApi, appToken: string): Promise<LiveTable[]> {
  const tables = await withRetry(() => api.listTables(appToken));
  const out: LiveTable[] = [];
  for (const t of tables) {
    const [fields, views] = [await withRetry(() => api.listFields(appToken, t.table_id)), await withRetry(() => api.listViews(appToken, t.table_id))];
    out.push({ table_id: t.table_id, name: t.name, fields, views });
  }
  return out;
}

export async function provision(api: BitableApi, template: BaseTemplate, o: ProvisionOptions = {}): Promise<ProvisionResult> {
  const retry = <T>(what: string, fn: () => Promise<T>) => withRetry(fn, { onRetry: (_e, d) => o.onRetry?.(what, d) });
  let appToken = o.appToken;
  let createdBase = false;
  if (!appToken && !o.dryRun) {
    appToken = (await retry('create base', () => api.createApp(template.name, o.timeZone ?? 'Asia/Shanghai'))).appToken;
    createdBase = true;
  }
  const live = appToken ? await readLiveBase(api, appToken) : [];
  const subscribed = appToken ? await retry('subscription', () => api.isSubscribed(appToken)) : false;
  const plan = planProvision(template, live, { subscribed });
  const tables = new Map(live.map((t) => [t.name, t.table_id]));
  if (o.dryRun || !appToken) return { appToken, createdBase, plan, applied: 0, tables };

  const token = appToken;
  const tableId = (name: string) => {
    const id = tables.get(name);
    if (!id) throw new Error(`table "${name}" not found after creation`);
    return id;
  };
  let applied = 0;
  for (const [i, step] of plan.steps.entries()) {
    o.onStep?.(step, i, plan.steps.length, describeStep(step));
    switch (step.kind) {
      case 'create_table': {
        const { tableId: id } = await retry(step.table.name, () => api.createTable(token, tableCreateBody(step.table)));
        tables.set(step.table.name, id);
        break;
      }
      case 'create_field': {
        const clientToken = randomUUID(); // one per step: a retried create cannot add the field twice
        await retry(step.field.field_name, () => api.createField(token, tableId(step.tableName), fieldCreateBody(step.field), clientToken));
        break;
      }
      case 'add_options':
        await retry(step.field.field_name, () => api.updateField(token, tableId(step.tableName), step.field.field_id, withOptions(step.field, step.options)));
        break;
      case 'create_view': {
        const id = tableId(step.tableName);
        const view = await retry(step.view.view_name, () => api.createView(token, id, { view_name: step.view.view_name, view_type: step.view.view_type }));
        const filter = step.view.filter;
        if (filter) {
          const fields = await retry('fields', () => api.listFields(token, id));
          const conditions = filter.conditions.map((c) => {
            const f = fields.find((x) => x.field_name === c.field_name);
            if (!f) throw new Error(`view "${step.view.view_name}" filters on "${c.field_name}", which "${step.tableName}" lacks`);
            return { field_id: f.field_id, operator: c.operator, ...(c.value !== undefined ? { value: filterValue(step.view.view_name, f, c.value) } : {}) };
          });
          await retry(step.view.view_name, () => api.patchViewFilter(token, id, view.view_id, { conjunction: filter.conjunction, conditions }));
        }
        break;
      }
      case 'seed_rows': {
        const id = tableId(step.tableName);
        const { rows } = readRuleFile(step.tableName, join(TEMPLATES_DIR, step.file));
        const table = template.tables.find((t) => t.name === step.tableName)!;
        const records = rows.map((r) => ({ fields: seedCells(table, r) }));
        for (let i = 0; i < records.length; i += 500) {
          const clientToken = randomUUID(); // a retried create cannot add the rows twice
          await retry(step.tableName, () => api.batchCreate(token, id, records.slice(i, i + 500), clientToken));
        }
        break;
      }
      case 'subscribe':
        await retry('subscribe', () => api.subscribe(token));
        break;
    }
    applied++;
  }
  return { appToken, createdBase, plan, applied, tables };
}

/**
 * A default rule row → the cells the record API takes: only the table's fields, empty values left out,
 * and a multi-select given as text (「新线索、移交」, as the rule files write it) sent as its options.
 */
export function seedCells(table: TableTemplate, row: RuleRow): Record<string, unknown> {
  const types = new Map(table.fields.map((f) => [f.field_name, f.type]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const type = types.get(k);
    if (type === undefined || v === null || v === '') continue;
    out[k] = type === 4 ? list(v) : v;
  }
  return out;
}

/**
 * A view filter's value as Feishu takes it: a JSON array in a string, options of a select field by id
 * (docs/platform/feishu.md#210-creating-a-base-and-views); the template names them.
 */
export function filterValue(view: string, field: { field_name: string; type: number; property?: { options?: Array<{ id?: string; name: string }> } | null }, value: string): string {
  if (field.type !== 3 && field.type !== 4) return value;
  const names = JSON.parse(value) as unknown;
  if (!Array.isArray(names)) throw new Error(`view "${view}": the filter value on "${field.field_name}" must be a JSON array of option names`);
  return JSON.stringify(
    names.map((n) => {
      const id = field.property?.options?.find((o) => o.name === n)?.id;
      if (!id) throw new Error(`view "${view}" filters on the option "${String(n)}" of "${field.field_name}", which it lacks`);
      return id;
    }),
  );
}
