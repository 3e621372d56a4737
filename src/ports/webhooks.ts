/**
 * An outbound webhook, as the use cases queue it (outbox kind `webhook.send`): where it goes, what it
 * says, and the id receivers dedupe on. The webhook sender (webhooks/sender.ts) signs and delivers it
 * (Standard Webhooks).
 */
export const WEBHOOK_SEND = 'webhook.send';

export interface WebhookSendPayload {
  url: string;
  /** the JSON body; its `type` names the event */
  body: { type: string; timestamp: string; data: unknown };
}
