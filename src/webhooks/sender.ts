import { WEBHOOK_SEND, type WebhookSendPayload } from '../ports/webhooks.js';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import { subscriberSecret } from '../lib/subscriber-keys.js';
import { createOutboxWorker } from '../jobs/outbox-worker.js';
import type { OutboxItem } from '../store/outbox-repo.js';
import type { Store } from '../store/store.js';

/**
 * Outbound webhooks (outbox kind `webhook.send`): a nurture step for a marketing-automation tool, or a
 * lead event for a subscriber (usecases/lead-events.ts), sent
 * as a Standard Webhooks request (standardwebhooks.com): `webhook-id` fixed at enqueue time and kept
 * across retries (the receiver's dedupe key), `webhook-timestamp` the attempt's real time (the receiver
 * checks it against its clock, so it is never the sandbox's moved clock), `webhook-signature`
 * `v1,<HMAC-SHA256 of id.timestamp.body>`. 2xx is done; 408, 425, 429 and 5xx or no answer are retried
 * with backoff (a 429's Retry-After honoured); any other 4xx, a missing secret or too many attempts end
 * as a dead letter, kept and visible (`npm run outbox` lists and replays them). URLs are logged without
 * their query (it may hold a token).
 */
export { WEBHOOK_SEND, type WebhookSendPayload } from '../ports/webhooks.js';

export function createWebhookSender(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  secret: Secret | undefined;
  /** WEBHOOK_SIGNING_KEY: subscribers' secrets are derived from it (lib/subscriber-keys.ts) */
  subscriberKey?: Secret | undefined;
  /** real time for the signature (default Date.now) */
  wallClock?: () => number;
  timeoutMs?: number;
  maxAttempts?: number;
  pollMs?: number;
  backoff?: { baseMs: number; capMs: number };
  random?: () => number;
}) {
  const log = deps.log.child({ component: 'webhooks' });
  const signer = deps.secret ? new Webhook(deps.secret.reveal()) : undefined;
  const subscriberSigners = new Map<string, Webhook>();
  const wall = deps.wallClock ?? Date.now;
  const max = deps.maxAttempts ?? 15;
  const backoff = deps.backoff ?? { baseMs: 5_000, capMs: 3_600_000 };
  const stats = { sent: 0, retried: 0, dead: 0 };

  const where = (url: string) => {
    try {
      const u = new URL(url);
      return `${u.origin}${u.pathname}`;
    } catch {
      return '(bad url)';
    }
  };

  /**
   * Where a row goes and what signs it: a 培育步骤's webhook to its URL with OUTBOUND_WEBHOOK_SECRET; a
   * subscriber's event to the subscriber's URL now (it may have moved since the event was queued), with
   * its secret of now (derived from WEBHOOK_SIGNING_KEY). Never unsigned.
   */
  async function destination(p: WebhookSendPayload): Promise<{ url: string; signer: Webhook } | { error: string }> {
    if (!p.subscriberId) return signer ? { url: p.url, signer } : { error: 'OUTBOUND_WEBHOOK_SECRET is not set: webhooks are never sent unsigned (set it, then npm run outbox -- retry --all)' };
    const sub = await deps.store.webhookSubscribers.get(p.subscriberId);
    if (!sub || sub.revokedAt) return { error: `subscriber ${p.subscriberId} was removed (npm run webhooks -- list)` };
    if (!deps.subscriberKey) return { error: 'WEBHOOK_SIGNING_KEY is not set: subscribers are never sent unsigned events (set it, then npm run outbox -- retry --all)' };
    const at = `${sub.id}:${sub.secretVersion}`;
    let s = subscriberSigners.get(at);
    if (!s) {
      s = new Webhook(subscriberSecret(deps.subscriberKey.reveal(), sub.id, sub.secretVersion));
      subscriberSigners.set(at, s);
    }
    return { url: sub.url, signer: s };
  }

  /** undefined: delivered; otherwise why not, and whether to try again (with a wait the receiver asked for) */
  async function attempt(item: OutboxItem): Promise<{ error: string; retry: boolean; afterMs?: number } | undefined> {
    const p = item.payload as WebhookSendPayload;
    const to = await destination(p);
    if ('error' in to) return { error: to.error, retry: false };
    const body = JSON.stringify(p.body);
    const at = new Date(wall());
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'lead-journey-webhooks',
      'webhook-id': item.idempotencyKey,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': to.signer.sign(item.idempotencyKey, at, body),
    };
    let res: Response;
    try {
      res = await fetch(to.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000) });
    } catch (e) {
      return { error: `no answer: ${e instanceof Error ? e.message : String(e)}`, retry: true };
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return undefined;
    const retry = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
    const after = Number(res.headers.get('retry-after'));
    return { error: `HTTP ${res.status}`, retry, ...(res.status === 429 && Number.isFinite(after) && after > 0 ? { afterMs: after * 1000 } : {}) };
  }

  /** One claimed row: delivered, or why not (retried with backoff, or a dead letter). */
  async function work(item: OutboxItem): Promise<'settled' | 'retry'> {
    const url = where((item.payload as WebhookSendPayload).url);
    const failed = item.kind === WEBHOOK_SEND ? await attempt(item) : { error: `unknown outbox kind ${item.kind}`, retry: false };
    const now = deps.clock.now();
    if (!failed) {
      delivered.push(item.id);
      stats.sent++;
      return 'settled';
    }
    if (!failed.retry || item.attempts >= max) {
      await deps.store.messages.markFailed(item.id, failed.error, now, { dead: true });
      stats.dead++;
      log.error({ id: item.id, url, error: failed.error, attempts: item.attempts }, 'webhook not delivered; kept as a dead letter');
      return 'settled';
    }
    const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(item.attempts - 1, 30));
    // the receiver's own Retry-After wins over our backoff (bounded to an hour)
    const delay = Math.max(Math.min(failed.afterMs ?? 0, 3_600_000), Math.floor((deps.random ?? Math.random)() * ceiling));
    await deps.store.messages.markFailed(item.id, failed.error, now, { retryAt: new Date(now.getTime() + delay) });
    stats.retried++;
    log.warn({ id: item.id, url, error: failed.error, attempt: item.attempts, retryInMs: delay }, 'webhook not delivered yet; will retry');
    return 'retry';
  }

  /**
   * Deliveries are recorded together after each batch: one commit (one fsync) for up to 50 instead of one
   * each, which a burst of events (an import of thousands of leads) needs. A crash in between sends
   * those again with the same webhook-id (at least once; receivers dedupe on it).
   */
  const delivered: number[] = [];
  async function recordDelivered(): Promise<void> {
    const ids = delivered.splice(0);
    if (!ids.length) return;
    const now = deps.clock.now();
    await deps.store.transaction(async () => {
      for (const id of ids) await deps.store.messages.markDone(id, now);
    });
  }

  // a receiver whose delivery failed gets nothing more this pass: the rest follow it, in order
  const loop = createOutboxWorker({
    store: deps.store,
    clock: deps.clock,
    log,
    name: 'webhook sender',
    kindPrefix: 'webhook.',
    batch: 50,
    leaseMs: 120_000,
    pollMs: deps.pollMs ?? 5_000,
    deliver: work,
    afterBatch: recordDelivered,
  });
  return { stats, kick: loop.kick, start: loop.start, stop: loop.stop };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
