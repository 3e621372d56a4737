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

/**
 * An event envelope as it is kept (data minimisation, docs/operations.md#erasing-a-person): a record
 * change's before and after cell values are dropped, since the server reads the row itself and a phone
 * number in a stored event would outlive its erasure. Everything else is kept as it came.
 */
export function withoutCellValues(envelope: Record<string, unknown>): Record<string, unknown> {
  const event = envelope.event as { action_list?: unknown } | undefined;
  if (!event || !Array.isArray(event.action_list)) return envelope;
  const actions = event.action_list.map((a: unknown) => {
    if (!a || typeof a !== 'object') return a;
    const { before_value: _b, after_value: _a, ...rest } = a as Record<string, unknown>;
    return rest;
  });
  return { ...envelope, event: { ...event, action_list: actions } };
}
