import type { RecordChange } from '../ports/lead-table.js';
import type { FeishuEnvelope } from './verify.js';

/**
 * `drive.file.bitable_record_changed_v1` (docs/platform/feishu.md#36-bitable-record-changed-event) → which rows of which table changed and
 * who the event names. The field values it carries are not in the record-API shape and are ignored:
 * the rows are re-read.
 */
export const RECORD_CHANGED = 'drive.file.bitable_record_changed_v1';

export function parseRecordChanged(envelope: unknown): RecordChange {
  const ev = ((envelope as FeishuEnvelope).event ?? {}) as {
    file_token?: unknown;
    table_id?: unknown;
    operator_id?: { open_id?: unknown };
    action_list?: Array<{ record_id?: unknown; action?: unknown }>;
  };
  if (typeof ev.file_token !== 'string' || typeof ev.table_id !== 'string' || !Array.isArray(ev.action_list)) throw new Error('record-changed event without file_token, table_id or action_list');
  return {
    appToken: ev.file_token,
    tableId: ev.table_id,
    ...(typeof ev.operator_id?.open_id === 'string' ? { editorId: ev.operator_id.open_id } : {}),
    actions: ev.action_list.filter((a) => typeof a.record_id === 'string').map((a) => ({ recordId: a.record_id as string, action: String(a.action ?? '') })),
  };
}
