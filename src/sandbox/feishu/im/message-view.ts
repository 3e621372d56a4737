import type { StoredMessage } from './store.js';

/** A stored message as the IM API returns it (docs/platform/feishu.md#41-sending-messages; SDK types of message.get). */
export function messageView(m: StoredMessage, tenantKey: string): Record<string, unknown> {
  return {
    message_id: m.message_id,
    msg_type: m.msg_type,
    create_time: String(m.create_time),
    update_time: String(m.update_time),
    deleted: false,
    updated: m.updated,
    chat_id: m.chat_id,
    sender: { id: m.app_id, id_type: 'app_id', sender_type: 'app', tenant_key: tenantKey },
    body: { content: m.content },
    // Only text and post messages report mentions; card mentions are kept for the control API.
    ...(m.msg_type !== 'interactive' && m.mentions.length ? { mentions: m.mentions.map((x) => ({ key: x.key, id: x.id, id_type: x.id_type === 'all' ? 'open_id' : x.id_type, name: x.name, tenant_key: tenantKey })) } : {}),
  };
}
