import { Hono } from 'hono';
import type { FeishuVerifier } from '../feishu/verify.js';
import type { Clock } from '../lib/clock.js';
import { createGroupCommit } from '../store/group-commit.js';
import type { Store } from '../store/store.js';
import { verifiedFeishuPost } from './feishu-verified.js';
import type { AppEnv } from './request-log.js';

/**
 * POST /feishu/events: verify (raw body, signature, window, token; fail closed), answer the
 * url_verification challenge, and for an event store it with its id deduplicated in one transaction,
 * then answer 200. Nothing slow happens before the answer; `onStored` wakes the processor.
 * (docs/platform/feishu.md#3-events, docs/reliability.md §1–2)
 */
export interface FeishuEventsDeps {
  store: Store;
  clock: Clock;
  verify: FeishuVerifier;
  onStored: () => void;
  /** refuse bodies above this many bytes (413) before reading them whole */
  maxBodyBytes?: number;
}

export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

export function createFeishuEventRoutes(deps: FeishuEventsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Events arriving in a burst are stored in one transaction (one fsync), each answered after it commits.
  const commit = createGroupCommit(deps.store);
  verifiedFeishuPost(app, '/feishu/events', { verify: deps.verify, maxBodyBytes: deps.maxBodyBytes ?? MAX_EVENT_BODY_BYTES, what: 'feishu event' }, async (c, v) => {
    const now = deps.clock.now();
    const fresh = await commit(
      async () => (await deps.store.seenEvents.recordOnce(v.eventId, 'feishu.event', now)) && (await deps.store.eventQueue.add({ eventId: v.eventId, source: 'feishu.event', eventType: v.eventType, payload: v.envelope, now })),
    );
    c.set('logFields', { eventId: v.eventId, eventType: v.eventType, duplicate: !fresh });
    if (fresh) deps.onStored();
    return c.json({ ok: true });
  });
  return app;
}
