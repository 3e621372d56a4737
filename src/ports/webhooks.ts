/**
 * An outbound webhook, as the use cases queue it (outbox kind `webhook.send`): where it goes, what it
 * says, and the id receivers dedupe on. The webhook sender (webhooks/sender.ts) signs and delivers it
 * (Standard Webhooks): a 培育步骤's with OUTBOUND_WEBHOOK_SECRET, a subscriber's (`subscriberId`) with
 * the subscriber's own secret, to the subscriber's URL at the time of sending.
 */
export const WEBHOOK_SEND = 'webhook.send';

/** The outbox target of a subscriber's events: one queue per subscriber, delivered in order. */
export const SUBSCRIBER_TARGET = (subscriberId: string) => `subscriber:${subscriberId}`;

export interface WebhookSendPayload {
  url: string;
  /** a subscriber's event (usecases/lead-events.ts); absent: a 培育步骤's webhook */
  subscriberId?: string;
  /** the JSON body; its `type` names the event */
  body: { type: string; timestamp: string; data: unknown };
}
