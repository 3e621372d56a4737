import { z } from 'zod';
import { isValidTimeZone } from './time.js';

/**
 * A base described as data, for the control API (`POST /__control/bases {template}`), main.ts seeding
 * and tests. Fields and records use the same shapes as the Open API (field create body; record write
 * shape). The first field of each table is its primary field. A link field's `property.table_id` may
 * name an earlier table of the template by `key` or `name`.
 */
export const fieldTemplateSchema = z.object({
  field_name: z.string().min(1),
  type: z.number().int(),
  ui_type: z.string().optional(),
  property: z.record(z.string(), z.unknown()).nullable().optional(),
  description: z.union([z.string(), z.object({ text: z.string().optional(), disable_sync: z.boolean().optional() })]).optional(),
});

export const tableTemplateSchema = z.object({
  name: z.string().min(1),
  key: z.string().min(1).optional(),
  default_view_name: z.string().min(1).optional(),
  fields: z.array(fieldTemplateSchema).min(1),
  records: z.array(z.object({ fields: z.record(z.string(), z.unknown()) })).optional(),
});

export const baseTemplateSchema = z.object({
  name: z.string().min(1),
  /** fix the token (e.g. to match a .env); otherwise a random 27-char token */
  app_token: z
    .string()
    .regex(/^[A-Za-z0-9]{8,64}$/)
    .optional(),
  time_zone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').optional(),
  /** open_id shown as creator of the seeded records */
  seed_operator_open_id: z.string().optional(),
  tables: z.array(tableTemplateSchema).min(1),
});

export type FieldTemplate = z.infer<typeof fieldTemplateSchema>;
export type TableTemplate = z.infer<typeof tableTemplateSchema>;
export type BaseTemplate = z.infer<typeof baseTemplateSchema>;

export interface CreatedBase {
  app_token: string;
  tables: Array<{ name: string; key: string; table_id: string; fields: Array<{ field_id: string; field_name: string; type: number }> }>;
}
