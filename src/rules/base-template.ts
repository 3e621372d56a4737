import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TEMPLATES_DIR } from './load-journey.js';

/**
 * The Base the product works in, as data (bitable-templates/leads.base.json): tables, fields with the
 * Open API's field-create shapes plus who owns each field, and views. Provisioning creates what is
 * missing from it; doctor compares a live Base against it.
 */
const option = z.object({ name: z.string().min(1), color: z.number().int().min(0).max(54).optional() }).strict();

/** A date field's display formats the field guide lists (docs/platform/feishu.md#22-fields). */
export const DATE_FORMATTERS = ['yyyy/MM/dd', 'yyyy-MM-dd HH:mm', 'MM-dd', 'MM/dd/yyyy', 'dd/MM/yyyy'] as const;

export const FIELD_OWNERS = ['human', 'server', 'auto'] as const;
export type FieldOwner = (typeof FIELD_OWNERS)[number];

const field = z
  .object({
    field_name: z.string().min(1),
    type: z.number().int().positive(),
    ui_type: z.string().optional(),
    property: z.looseObject({ options: z.array(option).optional(), date_formatter: z.enum(DATE_FORMATTERS).optional() }).optional(),
    description: z.string().min(1),
    /** human: people edit it; server: only the server writes it; auto: Feishu computes it (modified time …) */
    owner: z.enum(FIELD_OWNERS),
    /** the lead fact this field feeds (guards name facts: company, need, phone …) */
    fact: z
      .string()
      .regex(/^[a-z_]+$/)
      .optional(),
  })
  .strict();

const bilingual = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();

const view = z
  .object({
    view_name: z.string().min(1),
    view_type: z.enum(['grid', 'kanban', 'gallery', 'gantt', 'form']),
    description: z.string().optional(),
    /**
     * set through PATCH …/views/:id property.filter_info; conditions name fields of this table; a value
     * is a JSON array as a string, and for a select field it names options (provisioning sends their ids)
     */
    filter: z
      .object({
        conjunction: z.enum(['and', 'or']),
        conditions: z
          .array(
            z
              .object({ field_name: z.string().min(1), operator: z.enum(['is', 'isNot', 'contains', 'doesNotContain', 'isEmpty', 'isNotEmpty', 'isGreater', 'isGreaterEqual', 'isLess', 'isLessEqual']), value: z.string().optional() })
              .strict(),
          )
          .min(1),
      })
      .strict()
      .optional(),
    /** what the Open API cannot set; provisioning prints it for a person to do once */
    manual: bilingual.optional(),
    /**
     * the same `manual` step as data: the kanban's grouping field, a "current user" filter on a person
     * field. Provisioning never sends it (the Open API cannot); the sandbox sets it in its emulator's
     * view settings, as a person does once in Feishu
     */
    ui: z
      .object({ group_by: z.string().min(1).optional(), current_user: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

const table = z
  .object({
    name: z.string().min(1),
    key: z.string().regex(/^[a-z_]+$/),
    description: z.string().optional(),
    fields: z.array(field).min(1),
    views: z.array(view).optional(),
    /** a rule table's default rows (bitable-templates/<rows>), written into it when provisioning creates it */
    rows: z
      .string()
      .regex(/^rules\/[a-z-]+\.json$/)
      .optional(),
  })
  .strict();

export const baseTemplateSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    tables: z.array(table).min(1),
    /** 角色 option name → the role id journeys name in approval gates */
    roles: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const dup = <T>(xs: T[], what: string, path: (string | number)[]) => {
      const seen = new Set<T>();
      for (const x of xs) {
        if (seen.has(x)) ctx.addIssue({ code: 'custom', path, message: `duplicate ${what} "${String(x)}"` });
        seen.add(x);
      }
    };
    dup(
      t.tables.map((x) => x.name),
      'table name',
      ['tables'],
    );
    dup(
      t.tables.map((x) => x.key),
      'table key',
      ['tables'],
    );
    for (const [i, tb] of t.tables.entries()) {
      dup(
        tb.fields.map((f) => f.field_name),
        'field name',
        ['tables', i, 'fields'],
      );
      dup(
        (tb.views ?? []).map((v) => v.view_name),
        'view name',
        ['tables', i, 'views'],
      );
      for (const [j, v] of (tb.views ?? []).entries()) {
        for (const c of v.filter?.conditions ?? []) {
          if (!tb.fields.some((f) => f.field_name === c.field_name)) ctx.addIssue({ code: 'custom', path: ['tables', i, 'views', j], message: `filter names unknown field "${c.field_name}"` });
        }
        for (const name of [v.ui?.group_by, v.ui?.current_user]) {
          if (name && !tb.fields.some((f) => f.field_name === name)) ctx.addIssue({ code: 'custom', path: ['tables', i, 'views', j, 'ui'], message: `ui names unknown field "${name}"` });
        }
      }
    }
  });

export type BaseTemplate = z.infer<typeof baseTemplateSchema>;
export type TableTemplate = BaseTemplate['tables'][number];
export type FieldTemplate = TableTemplate['fields'][number];
export type ViewTemplate = NonNullable<TableTemplate['views']>[number];

export const BASE_TEMPLATE_FILE = join(TEMPLATES_DIR, 'leads.base.json');

/** Read and check the Base template; a bad file is refused with every problem named. */
export function loadBaseTemplate(file: string = BASE_TEMPLATE_FILE): BaseTemplate {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const parsed = baseTemplateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid Base template ${file}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return parsed.data;
}

/** The field-create body the Open API takes (owner and the rest stay here). */
export function fieldCreateBody(f: FieldTemplate): { field_name: string; type: number; ui_type?: string; property?: Record<string, unknown>; description?: { text: string } } {
  return {
    field_name: f.field_name,
    type: f.type,
    ...(f.ui_type ? { ui_type: f.ui_type } : {}),
    ...(f.property ? { property: f.property } : {}),
    description: { text: f.description },
  };
}

export function templateTable(t: BaseTemplate, key: string): TableTemplate {
  const tb = t.tables.find((x) => x.key === key);
  if (!tb) throw new Error(`Base template has no table "${key}"`);
  return tb;
}
