import { Hono } from 'hono';
import { renderCard } from '../cards/render.js';
import { pick, type Locale } from '../domain/text.js';
import type { FeishuVerifier } from '../feishu/verify.js';
import type { CardAnswer } from '../ports/chat.js';
import type { CardActions, CardClick } from '../usecases/card-actions.js';
import { verifiedFeishuPost } from './feishu-verified.js';
import type { AppEnv } from './request-log.js';

/**
 * POST /feishu/card: `card.action.trigger` callbacks (docs/platform/feishu.md#44-card-callbacks) through the same verifier as
 * events (raw body, signature, window, token, decryption; fail closed). Feishu does not retry a
 * callback and shows an error after 3 s, so the answer is computed at once (one SQLite transaction)
 * and the Bitable and chat writes it queued go out after it (`onAnswered`).
 */
export interface FeishuCardDeps {
  verify: FeishuVerifier;
  act: CardActions;
  onAnswered: () => void;
  /** the toast's language when Feishu shows no i18n match (the server's LOCALE) */
  locale?: Locale;
  maxBodyBytes?: number;
}

/**
 * The answer in Feishu's callback shape (docs/platform/feishu.md#44-card-callbacks): a toast with both
 * languages, and the card as it is now as raw JSON 2.0.
 */
export function feishuCardAnswer(a: CardAnswer, locale: Locale = 'zh-CN') {
  return {
    toast: { type: a.toast.type, content: pick(a.toast.text, locale), i18n: { zh_cn: a.toast.text.zh, en_us: a.toast.text.en } },
    ...(a.card ? { card: { type: 'raw' as const, data: renderCard(a.card) } } : {}),
  };
}

export const MAX_CARD_BODY_BYTES = 64 * 1024;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseCardClick(event: Record<string, unknown> | undefined): CardClick | undefined {
  if (!event) return undefined;
  const operator = isObj(event.operator) ? event.operator : {};
  const action = isObj(event.action) ? event.action : {};
  const context = isObj(event.context) ? event.context : {};
  const openId = operator.open_id;
  if (typeof openId !== 'string' || !openId) return undefined;
  return {
    personId: openId,
    messageId: typeof context.open_message_id === 'string' ? context.open_message_id : undefined,
    value: isObj(action.value) ? action.value : undefined,
    name: typeof action.name === 'string' ? action.name : undefined,
    formValue: isObj(action.form_value) ? action.form_value : undefined,
  };
}

export function createFeishuCardRoutes(deps: FeishuCardDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  verifiedFeishuPost(app, '/feishu/card', { verify: deps.verify, maxBodyBytes: deps.maxBodyBytes ?? MAX_CARD_BODY_BYTES, what: 'card callback' }, async (c, v) => {
    if (v.eventType !== 'card.action.trigger') return c.json({ error: 'unexpected_event_type' }, 400);
    const click = parseCardClick(v.envelope.event);
    if (!click) return c.json({ error: 'malformed_body' }, 400);
    const answer = await deps.act(click);
    c.set('logFields', { eventId: v.eventId, toast: answer.toast.type, card: answer.card !== undefined });
    // only an applied action queued writes and messages (refusals and repeats change nothing)
    if (answer.toast.type === 'success') deps.onAnswered();
    return c.json(feishuCardAnswer(answer, deps.locale));
  });
  return app;
}
