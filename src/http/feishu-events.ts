import { Hono } from 'hono';
import { createEventReceiver, type EventReceiverDeps } from '../feishu/inbound.js';
import type { FeishuVerifier } from '../feishu/verify.js';
import { verifiedFeishuPost } from './feishu-verified.js';
import type { AppEnv } from './request-log.js';

/**
 * POST /feishu/events: verify (raw body, signature, window, token; fail closed), answer the
 * url_verification challenge, and for an event store it with its id deduplicated in one transaction,
 * then answer 200. Nothing slow happens before the answer; `onStored` wakes the processor. Over the
 * long connection the same receiver stores them (src/feishu/long-connection.ts).
 * (docs/platform/feishu.md#3-events, docs/reliability.md §1–2)
 */
export interface FeishuEventsDeps extends EventReceiverDeps {
  verify: FeishuVerifier;
  /** refuse bodies above this many bytes (413) before reading them whole */
  maxBodyBytes?: number;
}

export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

export function createFeishuEventRoutes(deps: FeishuEventsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const receive = createEventReceiver(deps);
  verifiedFeishuPost(app, '/feishu/events', { verify: deps.verify, maxBodyBytes: deps.maxBodyBytes ?? MAX_EVENT_BODY_BYTES, what: 'feishu event' }, async (c, v) => {
    const { fresh } = await receive({ eventId: v.eventId, eventType: v.eventType, envelope: v.envelope as Record<string, unknown> });
    c.set('logFields', { eventId: v.eventId, eventType: v.eventType, duplicate: !fresh });
    return c.json({ ok: true });
  });
  return app;
}
