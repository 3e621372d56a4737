import { renderCard } from '../cards/render.js';
import { pick, type Locale } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import type { CardAnswer } from '../ports/chat.js';
import { createGroupCommit } from '../store/group-commit.js';
import type { Store } from '../store/store.js';
import type { CardActions, CardClick } from '../usecases/card-actions.js';
import { isRecord } from '../lib/is-record.js';
import { withoutCellValues } from './record-changed.js';

/**
 * What Feishu sends the server, taken the same way however it came: a verified request to our URL
 * (src/http/feishu-events.ts, feishu-card.ts) or a frame on the long connection (long-connection.ts).
 * An event is stored with its id deduplicated and answered at once; a card click is answered with
 * what the card action decided (docs/platform/feishu.md#3-events, #44-card-callbacks, #55-long-connection).
 */
export interface EventReceiverDeps {
  store: Store;
  clock: Clock;
  /** wakes the processor once an event is stored */
  onStored: () => void;
  /** every verified event taken in, a repeat (fresh: false) or not (metrics) */
  onReceived?: (fresh: boolean) => void;
}

export type EventReceiver = (e: { eventId: string; eventType: string; envelope: Record<string, unknown> }) => Promise<{ fresh: boolean }>;

export function createEventReceiver(deps: EventReceiverDeps): EventReceiver {
  // Events arriving in a burst are stored in one transaction (one fsync), each answered after it commits.
  const commit = createGroupCommit(deps.store);
  return async ({ eventId, eventType, envelope }) => {
    const now = deps.clock.now();
    const fresh = await commit(
      async () => (await deps.store.seenEvents.recordOnce(eventId, 'feishu.event', now)) && (await deps.store.eventQueue.add({ eventId, source: 'feishu.event', eventType, payload: withoutCellValues(envelope), now })),
    );
    if (fresh) deps.onStored();
    deps.onReceived?.(fresh);
    return { fresh };
  };
}

export interface CardReceiverDeps {
  act: CardActions;
  /** after an applied action: its queued writes and messages go out */
  onAnswered: () => void;
  /** the toast's language when Feishu shows no i18n match (the server's LOCALE) */
  locale?: Locale;
}

/** The answer to a click in Feishu's callback shape, or undefined when the event holds no click. */
export type CardReceiver = (event: Record<string, unknown> | undefined) => Promise<{ answer: CardAnswer; body: FeishuCardAnswer } | undefined>;

export function createCardReceiver(deps: CardReceiverDeps): CardReceiver {
  return async (event) => {
    const click = parseCardClick(event);
    if (!click) return undefined;
    const answer = await deps.act(click);
    // only an applied action queued writes and messages (refusals and repeats change nothing)
    if (answer.toast.type === 'success') deps.onAnswered();
    return { answer, body: feishuCardAnswer(answer, deps.locale) };
  };
}

export type FeishuCardAnswer = ReturnType<typeof feishuCardAnswer>;

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

/** The click in a `card.action.trigger` event (its `event` object), or undefined without an operator. */
export function parseCardClick(event: Record<string, unknown> | undefined): CardClick | undefined {
  if (!event) return undefined;
  const operator = isRecord(event.operator) ? event.operator : {};
  const action = isRecord(event.action) ? event.action : {};
  const context = isRecord(event.context) ? event.context : {};
  const openId = operator.open_id;
  if (typeof openId !== 'string' || !openId) return undefined;
  return {
    personId: openId,
    messageId: typeof context.open_message_id === 'string' ? context.open_message_id : undefined,
    value: isRecord(action.value) ? action.value : undefined,
    name: typeof action.name === 'string' ? action.name : undefined,
    formValue: isRecord(action.form_value) ? action.form_value : undefined,
  };
}
