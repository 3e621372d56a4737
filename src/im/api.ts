import type * as lark from '@larksuiteoapi/node-sdk';
import { call } from '../feishu/errors.js';

/**
 * The IM calls the product makes, over the real SDK (docs/platform/feishu.md §4.1, §4.3). Every failure is a
 * FeishuCallError; nothing here retries (the IM sender decides).
 */
export type ImApi = ReturnType<typeof createImApi>;

export function createImApi(client: lark.Client) {
  const m = client.im.v1.message;
  return {
    /** A group as the app's bot sees it (fails with 232011 when the bot is not in it). */
    async getChat(chatId: string): Promise<{ name: string }> {
      const d = await call(client.im.v1.chat.get({ path: { chat_id: chatId } }));
      return { name: d.name ?? chatId };
    },
    /** Send to a group chat. `uuid` (≤50 chars) makes Feishu send at most one message per uuid within 1 h. */
    async send(o: { chatId: string; msgType: 'interactive' | 'text'; content: string; uuid: string }): Promise<{ messageId: string }> {
      const d = await call(m.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: o.chatId, msg_type: o.msgType, content: o.content, uuid: o.uuid } }));
      return { messageId: d.message_id! };
    },
    /** Replace a sent card (same app, within 14 days; 5 QPS per message). */
    async patchCard(messageId: string, content: string): Promise<void> {
      await call(m.patch({ path: { message_id: messageId }, data: { content } }));
    },
  };
}
