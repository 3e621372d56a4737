import type { RateGate } from '../bitable/rate-gate.js';
import { createRateGate } from '../bitable/rate-gate.js';
import { FEISHU_CODES, fromThrown } from '../feishu/errors.js';
import { backoffDelay } from '../feishu/retry.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createOutboxWorker } from '../jobs/outbox-worker.js';
import type { OutboxItem } from '../store/outbox-repo.js';
import type { Store } from '../store/store.js';
import { mentionNames, renderCard } from '../cards/render.js';
import type { CardJson } from '../cards/card-kit.js';
import { DINGTALK_PERSON } from '../rules/roster-rows.js';
import { CHAT_SEND, CHAT_UPDATE, type ChatSendPayload, type ChatUpdatePayload, dingTalkConversationOf } from '../ports/chat.js';
import { DingTalkCallError } from '../dingtalk/api.js';
import type { ImApi } from './api.js';

/**
 * Sends what the decisions queued for the chats (outbox kinds `im.send` and `im.patch`), so a card is
 * never lost when Feishu is briefly down: each row keeps its message `uuid` across retries (Feishu sends
 * one message per uuid), stays under the chat's 5/s and the app's 50/s (docs/platform/feishu.md#41-sending-messages), honours a
 * rate-limit reset, backs off with jitter on everything retryable, and ends as a dead letter (kept,
 * visible in /healthz) only when Feishu refuses it for good or after `maxAttempts`.
 */
export const IM_SEND = CHAT_SEND;
export const IM_PATCH = CHAT_UPDATE;

/**
 * A message already in Feishu's shape: what a card becomes once a mention Feishu refused was taken out
 * (and what rows queued by earlier versions hold).
 */
export interface ImSendPayload {
  chatId: string;
  msgType: 'interactive' | 'text';
  content: unknown;
  uuid: string;
  /** the cards row this message is (its message id is stored when Feishu accepts the send) */
  cardUuid?: string;
  /** the names of the people the card @-mentions (open id → name), shown instead of a mention Feishu refuses */
  names?: Record<string, string>;
}
export interface ImPatchPayload {
  cardUuid: string;
  content: unknown;
  names?: Record<string, string>;
}

/**
 * A queued message in Feishu's shape: a card rendered as JSON 2.0 (with the names of the people it
 * @-mentions), a notice as text with its `<at user_id>` mention, or a row already in that shape.
 */
export function feishuMessage(p: ChatSendPayload | ImSendPayload): ImSendPayload {
  if ('msgType' in p) return p;
  const base = { chatId: p.chatId, uuid: p.uuid, ...(p.cardUuid ? { cardUuid: p.cardUuid } : {}) };
  if (p.card) {
    const content = feishuMentionsOnly(renderCard(p.card), p.card.names);
    return { ...base, msgType: 'interactive', content, names: mentionNames(content, p.card.names) };
  }
  if (!p.notice) throw Object.assign(new Error('a message with neither a card nor a notice'), { permanent: true });
  // someone on DingTalk only cannot be @-mentioned on Feishu: the notice goes without the mention
  const at = p.notice.to.startsWith(DINGTALK_PERSON) ? '' : `<at user_id="${p.notice.to}"></at> `;
  return { ...base, msgType: 'text', content: { text: `${at}${p.notice.text}` } };
}

export function feishuCardUpdate(p: ChatUpdatePayload | ImPatchPayload): ImPatchPayload {
  if ('content' in p) return p;
  const content = feishuMentionsOnly(renderCard(p.card), p.card.names);
  return { cardUuid: p.cardUuid, content, names: mentionNames(content, p.card.names) };
}

/** A card for Feishu: the mentions of people on DingTalk only (rules/roster-rows.ts) become their names. */
function feishuMentionsOnly(content: unknown, names: Record<string, string>): CardJson {
  const json = JSON.stringify(content);
  if (!json.includes(`<at id=${DINGTALK_PERSON}`)) return content as CardJson;
  return JSON.parse(json.replace(/<at id=(dingtalk:[A-Za-z0-9_$:-]+)><\/at>/g, (_m, id: string) => `@${JSON.stringify(names[id] ?? '—').slice(1, -1)}`)) as CardJson;
}

/**
 * Feishu refuses to update a card sent more than 14 days ago (code 230031; "only interactive messages
 * sent within 14 days": https://open.feishu.cn/document/server-docs/im-v1/message-card/patch).
 */
const CARD_TOO_OLD = FEISHU_CODES.CARD_TOO_OLD;

/**
 * Feishu refuses a whole card when one @-mention names someone it does not know (230099 with sub-code
 * 100290, the invalid id in ErrorValue: https://open.feishu.cn/document/server-docs/im-v1/message/create):
 * a stale or foreign open id in 销售团队 (someone who left, another tenant's id). The card still goes
 * out: that mention becomes the person's name in plain text.
 */
const UNKNOWN_MENTION = /ErrCode: 100290/;

/** The card without @-mentions of `ids` (all its mentions when none is named): `@name` instead. */
export function withoutMentions(content: unknown, ids: readonly string[] | undefined, names: Record<string, string> = {}): { content: unknown; removed: string[] } {
  let json = JSON.stringify(content);
  const found = [...new Set([...json.matchAll(/<at id=(ou_[A-Za-z0-9_-]+)><\/at>/g)].map((m) => m[1]!))];
  const removed = ids?.length ? found.filter((id) => ids.includes(id)) : found;
  for (const id of removed) json = json.split(`<at id=${id}></at>`).join(`@${JSON.stringify(names[id] ?? '—').slice(1, -1)}`);
  return { content: JSON.parse(json), removed };
}

/**
 * Another platform's groups (DingTalk's, written `dingtalk:<id>`): it sends a queued card or notice and
 * updates a sent card; the message id it answers is what a click names (the card's outTrackId).
 */
export interface ChatChannel {
  send(p: ChatSendPayload): Promise<{ messageId: string }>;
  update(p: ChatUpdatePayload, messageId: string): Promise<void>;
}

/** What a failed send says, whichever platform: Feishu's errors as they are, DingTalk's in the same terms. */
function sendError(e: unknown) {
  if (e instanceof DingTalkCallError) return { action: e.action, summary: `DingTalk ${e.summary}`, message: e.message, code: undefined, retryAfterMs: undefined };
  return fromThrown(e);
}

export function createImSender(deps: {
  store: Store;
  api: ImApi;
  /** DingTalk's groups, when DingTalk is configured */
  dingtalk?: ChatChannel | undefined;
  clock: Clock;
  log: Logger;
  appGate?: RateGate;
  perChatPerSecond?: number;
  maxAttempts?: number;
  pollMs?: number;
  random?: () => number;
  /**
   * How long a claimed row stays this instance's (default 60 s): another instance sends it after that if
   * this one died mid-send (the message uuid keeps Feishu from showing it twice). A pass claims no more
   * than half the lease can send at a chat's pace, so a live instance is never overtaken.
   */
  leaseMs?: number;
}) {
  const log = deps.log.child({ component: 'im-sender' });
  // Under Feishu's limits with a margin: the gate counts when a call starts, Feishu when it arrives, and
  // jitter between the two would otherwise put a sixth message into Feishu's one-second window.
  const appGate = deps.appGate ?? createRateGate({ perSecond: 45, perMinute: 950 });
  const chatGates = new Map<string, RateGate>();
  const chatGate = (chatId: string) => {
    let g = chatGates.get(chatId);
    if (!g) {
      g = createRateGate({ perSecond: deps.perChatPerSecond ?? 4, perMinute: (deps.perChatPerSecond ?? 4) * 60 });
      chatGates.set(chatId, g);
    }
    return g;
  };
  const max = deps.maxAttempts ?? 20;
  const dingtalk = (): ChatChannel => {
    if (!deps.dingtalk) throw Object.assign(new Error('a message to a DingTalk group, and DingTalk is not configured (DINGTALK_CLIENT_ID …)'), { permanent: true });
    return deps.dingtalk;
  };
  const stats = { sent: 0, patched: 0, retried: 0, dead: 0, tooOld: 0 };

  /** A message the platform accepted: the card row learns its message id, the outbox row is done. */
  async function sent(item: OutboxItem, cardUuid: string | undefined, messageId: string): Promise<void> {
    await deps.store.transaction(async () => {
      if (cardUuid) await deps.store.cards.setMessageId(cardUuid, messageId, deps.clock.now());
      await deps.store.messages.markDone(item.id, deps.clock.now());
    });
    stats.sent++;
  }

  async function deliver(item: OutboxItem): Promise<void> {
    if (item.kind === IM_SEND) {
      const queued = item.payload as ChatSendPayload | ImSendPayload;
      if (dingTalkConversationOf(queued.chatId) !== undefined) {
        const { messageId } = await dingtalk().send(queued as ChatSendPayload);
        return sent(item, queued.cardUuid, messageId);
      }
      const p = feishuMessage(queued);
      await chatGate(p.chatId).acquire();
      await appGate.acquire();
      const { messageId } = await deps.api.send({ chatId: p.chatId, msgType: p.msgType, content: JSON.stringify(p.content), uuid: p.uuid });
      return sent(item, p.cardUuid, messageId);
    }
    if (item.kind === IM_PATCH) {
      const queued = item.payload as ChatUpdatePayload | ImPatchPayload;
      const card = await deps.store.cards.getByUuid(queued.cardUuid);
      if (!card) throw Object.assign(new Error(`no card ${queued.cardUuid}`), { permanent: true });
      if (!card.messageId) throw new Error(`card ${queued.cardUuid} is not sent yet`);
      if (dingTalkConversationOf(card.chatId) !== undefined) await dingtalk().update(queued as ChatUpdatePayload, card.messageId);
      else {
        await chatGate(card.chatId).acquire();
        await appGate.acquire();
        await deps.api.patchCard(card.messageId, JSON.stringify(feishuCardUpdate(queued).content));
      }
      await deps.store.messages.markDone(item.id, deps.clock.now());
      stats.patched++;
      return;
    }
    throw Object.assign(new Error(`unknown outbox kind ${item.kind}`), { permanent: true });
  }

  /** One claimed row: sent, or why not (retried, a dead letter, a card too old to update). */
  async function work(item: OutboxItem): Promise<'settled' | 'retry'> {
    try {
      await deliver(item);
      return 'settled';
    } catch (e) {
      const err = sendError(e);
      if (err.code === FEISHU_CODES.CARD_INVALID && UNKNOWN_MENTION.test(err.message)) {
        const p = item.kind === IM_SEND ? feishuMessage(item.payload as ChatSendPayload | ImSendPayload) : feishuCardUpdate(item.payload as ChatUpdatePayload | ImPatchPayload);
        const named = /ErrorValue:\s*(ou_[A-Za-z0-9_-]+)/.exec(err.message)?.[1];
        const fixed = withoutMentions(p.content, named ? [named] : undefined, p.names);
        if (fixed.removed.length) {
          const now = deps.clock.now();
          await deps.store.transaction(async () => {
            await deps.store.messages.updatePayload(item.id, { ...p, content: fixed.content }, now);
            await deps.store.messages.markFailed(item.id, err.summary, now, { retryAt: now });
            for (const id of fixed.removed) {
              // said once per person: `npm run doctor` lists them all
              if (await deps.store.unknownUsers.record(id, p.names?.[id], now))
                log.warn({ openId: id, name: p.names?.[id] }, 'Feishu does not know this person: the card shows the name instead of an @-mention; fix them in 销售团队 (npm run doctor lists them)');
            }
          });
          stats.retried++;
          return 'retry';
        }
      }
      if (item.kind === IM_PATCH && err.code === CARD_TOO_OLD) {
        // Feishu lets a bot edit a message for 14 days: an older card stays as it was (what changed
        // since reaches the group as a new card or message), which is not a failure
        await deps.store.messages.markDone(item.id, deps.clock.now());
        stats.tooOld++;
        log.warn({ id: item.id, target: item.target }, 'card older than 14 days: left as it was (Feishu does not let it be updated)');
        return 'settled';
      }
      const permanent = (e as { permanent?: boolean }).permanent === true || err.action === 'permanent';
      const now = deps.clock.now();
      if (permanent || item.attempts >= max) {
        await deps.store.messages.markFailed(item.id, err.summary, now, { dead: true });
        stats.dead++;
        log.error({ id: item.id, kind: item.kind, target: item.target, error: err.summary, attempts: item.attempts }, 'message not sent; kept as a dead letter');
        return 'settled';
      }
      const delay = backoffDelay(item.attempts, { baseMs: 500, capMs: 60_000, ...(deps.random ? { random: deps.random } : {}) }, err);
      if (err.action === 'rate_limited') {
        const until = Date.now() + (err.retryAfterMs ?? 1000);
        appGate.pauseUntil(until);
      }
      await deps.store.messages.markFailed(item.id, err.summary, now, { retryAt: new Date(now.getTime() + delay) });
      stats.retried++;
      log.warn({ id: item.id, kind: item.kind, target: item.target, error: err.summary, attempt: item.attempts, retryInMs: delay }, 'message not sent yet; will retry');
      return 'retry';
    }
  }

  // a group whose message failed gets nothing more this pass: the rest follow it, in order
  const leaseMs = deps.leaseMs ?? 60_000;
  const batch = Math.max(1, Math.min(50, Math.floor(((leaseMs / 1000) * (deps.perChatPerSecond ?? 4)) / 2)));
  const loop = createOutboxWorker({ store: deps.store, clock: deps.clock, log, name: 'im sender', kindPrefix: 'im.', batch, leaseMs, pollMs: deps.pollMs ?? 1000, deliver: work });
  const kick = loop.kick;

  return {
    stats,
    kick,
    /**
     * Send everything queued, waiting out retries, until nothing is pending or in flight (tests and
     * benchmarks; the server runs start()). Gives up after `timeoutMs` and says what is left.
     */
    async drain(timeoutMs = 60_000): Promise<typeof stats> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await kick();
        const c = await deps.store.messages.counts();
        if (c.pending + c.in_flight === 0) return stats;
        if (Date.now() > until) throw new Error(`im sender: ${c.pending} pending and ${c.in_flight} in flight after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    start: loop.start,
    stop: loop.stop,
  };
}

export type ImSender = ReturnType<typeof createImSender>;
