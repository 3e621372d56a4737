import type { Base, RecordRow, Table } from './state.js';
import { operatorRead, rowToReadFields, type ReadContext } from './values.js';

/**
 * The record envelope on read (docs/platform/feishu.md#23-record-values): `{record_id, fields}`; the created/modified time and
 * user only with automatic_fields=true; shared_url/record_url only with with_shared_url=true.
 */
export interface RenderOptions {
  automaticFields?: boolean;
  withSharedUrl?: boolean;
  /** GET echoes `id` as well as `record_id` */
  includeId?: boolean;
  fieldNames?: ReadonlySet<string>;
}

export function renderRecord(base: Base, table: Table, row: RecordRow, ctx: ReadContext, o: RenderOptions = {}): Record<string, unknown> {
  return {
    fields: rowToReadFields(table, row, ctx, o.fieldNames),
    ...(o.includeId ? { id: row.record_id } : {}),
    record_id: row.record_id,
    ...(o.automaticFields
      ? {
          created_by: operatorRead(row.created_by, ctx),
          created_time: row.created_time,
          last_modified_by: operatorRead(row.last_modified_by, ctx),
          last_modified_time: row.last_modified_time,
        }
      : {}),
    ...(o.withSharedUrl
      ? {
          shared_url: `https://sandbox.invalid/record/${row.record_id}`,
          record_url: `https://sandbox.invalid/base/${base.app_token}?table=${table.table_id}&record=${row.record_id}`,
        }
      : {}),
  };
}
