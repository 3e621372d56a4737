import type { RecordChanged } from '../kernel/bus.js';
import type { EmuKernel } from '../kernel/kernel.js';

/** `drive.file.bitable_record_changed_v1` as its `event` object (docs/platform/feishu.md#36-bitable-record-changed-event). */
export const RECORD_CHANGED_EVENT = 'drive.file.bitable_record_changed_v1';

export interface UserIdTriple {
  open_id: string;
  union_id?: string;
  user_id?: string;
}

export interface BitableRecordChangedEvent {
  file_type: 'bitable';
  file_token: string;
  table_id: string;
  revision: number;
  operator_id: UserIdTriple;
  action_list: RecordChanged['actions'];
  subscriber_id_list: UserIdTriple[];
  /** seconds, unlike the ms create_time in the header */
  update_time: number;
}

/**
 * The operator's id triple from the directory. An app's bot has only an open_id (it has no union_id
 * or user_id), so writes made with the tenant token report just that.
 */
export function operatorIds(k: EmuKernel, openId: string): UserIdTriple {
  const u = k.directory.findUser(openId);
  if (u) return { open_id: u.open_id, union_id: u.union_id, user_id: u.user_id };
  return { open_id: openId };
}

export function toRecordChangedEvent(k: EmuKernel, rc: RecordChanged): BitableRecordChangedEvent {
  return {
    file_type: 'bitable',
    file_token: rc.appToken,
    table_id: rc.tableId,
    revision: rc.revision,
    operator_id: operatorIds(k, rc.operatorOpenId),
    action_list: rc.actions,
    // Filled for users who subscribed with a user token; subscriptions made with the tenant token
    // (the only kind the emulator takes) list no user.
    subscriber_id_list: [],
    update_time: Math.floor(rc.at / 1000),
  };
}
