import { Hono } from 'hono';
import { type CardReceiverDeps, createCardReceiver } from '../feishu/inbound.js';
import type { FeishuVerifier } from '../feishu/verify.js';
import { verifiedFeishuPost } from './feishu-verified.js';
import type { AppEnv } from './request-log.js';

/**
 * POST /feishu/card: `card.action.trigger` callbacks (docs/platform/feishu.md#44-card-callbacks) through the same verifier as
 * events (raw body, signature, window, token, decryption; fail closed). Feishu does not retry a
 * callback and shows an error after 3 s, so the answer is computed at once (one SQLite transaction)
 * and the Bitable and chat writes it queued go out after it (`onAnswered`). Over the long connection
 * the same receiver answers (src/feishu/long-connection.ts).
 */
export interface FeishuCardDeps extends CardReceiverDeps {
  verify: FeishuVerifier;
  maxBodyBytes?: number;
}

export const MAX_CARD_BODY_BYTES = 64 * 1024;

export function createFeishuCardRoutes(deps: FeishuCardDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const receive = createCardReceiver(deps);
  verifiedFeishuPost(app, '/feishu/card', { verify: deps.verify, maxBodyBytes: deps.maxBodyBytes ?? MAX_CARD_BODY_BYTES, what: 'card callback' }, async (c, v) => {
    if (v.eventType !== 'card.action.trigger') return c.json({ error: 'unexpected_event_type' }, 400);
    const got = await receive(v.envelope.event);
    if (!got) return c.json({ error: 'malformed_body' }, 400);
    c.set('logFields', { eventId: v.eventId, toast: got.answer.toast.type, card: got.answer.card !== undefined });
    return c.json(got.body);
  });
  return app;
}
