import { randomBytes } from 'node:crypto';
import { newSourceId } from '../lib/source-keys.js';
import { subscriberSecret } from '../lib/subscriber-keys.js';
import { SUBSCRIBER_TARGET, WEBHOOK_SEND, type WebhookSendPayload } from '../ports/webhooks.js';
import type { Store } from '../store/store.js';
import type { WebhookSubscriber } from '../store/webhook-subscribers-repo.js';
import { LEAD_EVENT_TYPES, TEST_EVENT } from './lead-events.js';

/**
 * Who hears about lead events (npm run webhooks; the sandbox's demo CRM): a subscriber is a name, a URL
 * and the event types it wants. Its signing secret is derived from WEBHOOK_SIGNING_KEY (shown when it is
 * made and by `secret`), never stored. docs/webhooks.md.
 */
export type SubscriberProblem = { zh: string; en: string };
type Outcome<T> = ({ ok: true } & T) | { ok: false; problem: SubscriberProblem };

const NEEDS_KEY: SubscriberProblem = {
  zh: '需要先在 .env 设置 WEBHOOK_SIGNING_KEY（订阅方的签名密钥由它派生；生成方法见 .env.example）',
  en: "set WEBHOOK_SIGNING_KEY in .env first (subscribers' signing secrets are derived from it; .env.example shows how)",
};

/** http only to this machine (a receiver under test); anything else must be https. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function checkUrl(raw: string): { ok: true; url: string } | { ok: false; problem: SubscriberProblem } {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, problem: { zh: `「${raw}」不是网址（形如 https://crm.example.com/hooks/leads）`, en: `"${raw}" is not a URL (such as https://crm.example.com/hooks/leads)` } };
  }
  if (u.username || u.password) return { ok: false, problem: { zh: '网址里不能带用户名或密码：接收方用签名确认来源', en: 'no user name or password in the URL: receivers check the signature instead' } };
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) return { ok: true, url: u.toString() };
  return { ok: false, problem: { zh: '网址须为 https://（http:// 只允许本机 127.0.0.1 / localhost）', en: 'the URL must be https:// (http:// only for this machine, 127.0.0.1 or localhost)' } };
}

export function checkEvents(list: readonly string[]): { ok: true; events: string[] } | { ok: false; problem: SubscriberProblem } {
  const events = [...new Set(list.map((e) => e.trim()).filter(Boolean))];
  const unknown = events.filter((e) => !(LEAD_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length) return { ok: false, problem: { zh: `没有这种事件：${unknown.join('、')}（可选：${LEAD_EVENT_TYPES.join('、')}）`, en: `no such event: ${unknown.join(', ')} (one of: ${LEAD_EVENT_TYPES.join(', ')})` } };
  return { ok: true, events };
}

export async function addSubscriber(store: Store, o: { name: string; url: string; events?: readonly string[]; signingKey: string | undefined; now: Date }): Promise<Outcome<{ subscriber: WebhookSubscriber; secret: string }>> {
  const name = o.name.trim();
  if (!name || name.length > 50) return { ok: false, problem: { zh: '订阅方名称须为 1–50 个字', en: 'a subscriber name is 1–50 characters' } };
  if (!o.signingKey) return { ok: false, problem: NEEDS_KEY };
  const url = checkUrl(o.url);
  if (!url.ok) return url;
  const events = checkEvents(o.events ?? []);
  if (!events.ok) return events;
  if (await store.webhookSubscribers.byName(name)) return { ok: false, problem: { zh: `已有名为「${name}」的订阅方`, en: `a subscriber named "${name}" exists` } };
  const subscriber = await store.webhookSubscribers.add({ id: newSourceId(), name, url: url.url, events: events.events, now: o.now });
  return { ok: true, subscriber, secret: subscriberSecret(o.signingKey, subscriber.id, subscriber.secretVersion) };
}

/** The subscriber's signing secret now (to paste into the receiver). */
export function secretOf(signingKey: string | undefined, s: WebhookSubscriber): Outcome<{ secret: string }> {
  return signingKey ? { ok: true, secret: subscriberSecret(signingKey, s.id, s.secretVersion) } : { ok: false, problem: NEEDS_KEY };
}

/** A new secret; the old one stops signing at once (events still queued are signed with the new one). */
export async function rotateSubscriber(store: Store, s: WebhookSubscriber, signingKey: string | undefined): Promise<Outcome<{ secret: string }>> {
  if (!signingKey) return { ok: false, problem: NEEDS_KEY };
  const version = await store.webhookSubscribers.rotate(s.id);
  if (version === undefined) return { ok: false, problem: { zh: `订阅方「${s.name}」已删除`, en: `subscriber "${s.name}" was removed` } };
  return { ok: true, secret: subscriberSecret(signingKey, s.id, version) };
}

/** Send the subscriber's events again, from `since` on (done and dead letters alike, with their ids). */
export const replayTo = (store: Store, s: WebhookSubscriber, since: Date, now: Date): Promise<number> => store.messages.requeueTarget(SUBSCRIBER_TARGET(s.id), since, now);

/** A `webhook.test` event for this subscriber alone (any event types it wants). */
export async function sendTest(store: Store, s: WebhookSubscriber, now: Date): Promise<string> {
  const id = `evt_${randomBytes(24).toString('base64url')}`;
  const payload: WebhookSendPayload = { url: s.url, subscriberId: s.id, body: { type: TEST_EVENT, timestamp: now.toISOString(), data: { id, subscriber: s.name } } };
  await store.messages.enqueue({ kind: WEBHOOK_SEND, target: SUBSCRIBER_TARGET(s.id), payload, idempotencyKey: `msg_${id.slice(4)}`, now });
  return id;
}
