import { streamSSE } from 'hono/streaming';
import type { EmuKernel } from '../kernel/kernel.js';

/**
 * GET /__control/ui/stream — server-sent events for the sandbox page, fed by the kernel bus:
 * - `bitable`  {app_token, table_id, revision, operator_open_id, actions:[{record_id, action}]}
 * - `im`       {message_id, chat_id, kind: "new" | "updated"}
 * - `delivery` {event_id, app_id, attempt, status}
 * - `dingtalk` {id, conversation, kind: "new" | "updated"} (a DingTalk group's card or message)
 * - `ping`     every 15 s, so proxies and the page notice a dead connection
 * Only ids travel here; the page re-reads what changed through the control API.
 */
export const PING_MS = 15_000;

export function registerUiStream(k: EmuKernel): void {
  k.control.get('/ui/stream', (ctx) =>
    streamSSE(ctx, (stream) => {
      return new Promise<void>((resolve) => {
        let done = false;
        const offs: Array<() => void> = [];
        const finish = () => {
          if (done) return;
          done = true;
          for (const off of offs) off();
          clearInterval(ping);
          resolve();
        };
        const send = (event: string, data: unknown) => {
          if (done || stream.aborted || stream.closed) return finish();
          stream.writeSSE({ event, data: JSON.stringify(data) }).catch(finish);
        };
        offs.push(
          k.bus.on('bitable.record_changed', (rc) =>
            send('bitable', { app_token: rc.appToken, table_id: rc.tableId, revision: rc.revision, operator_open_id: rc.operatorOpenId, actions: rc.actions.map((a) => ({ record_id: a.record_id, action: a.action })) }),
          ),
          k.bus.on('im.message', (m) => send('im', { message_id: m.messageId, chat_id: m.chatId, kind: 'new' })),
          k.bus.on('im.message_updated', (m) => send('im', { message_id: m.messageId, chat_id: m.chatId, kind: 'updated' })),
          k.bus.on('event.delivered', (d) => send('delivery', { event_id: d.eventId, app_id: d.appId, attempt: d.attempt, status: d.status })),
          k.bus.on('dingtalk.chat', (c) => send('dingtalk', { id: c.id, conversation: c.openConversationId, kind: c.kind })),
        );
        const ping = setInterval(() => send('ping', { now: k.clock.now() }), PING_MS);
        ping.unref?.();
        stream.onAbort(finish);
        send('hello', { now: k.clock.now() });
      });
    }),
  );
}
