import { FeishuApiError, ok } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Directory } from '../kernel/directory.js';
import type { EmuContext, EmuKernel } from '../kernel/kernel.js';
import { fieldValidationFailed } from '../events/field-validation.js';
import { tenantKeyOf } from '../events/tenant.js';
import { CardInvalid, parseCardContent, type ParsedCard } from './card-parse.js';
import { extractMentions, unknownCardMention } from './mentions.js';
import { messageView } from './message-view.js';
import type { ImService } from './service.js';
import type { StoredMessage } from './store.js';

/**
 * POST  /open-apis/im/v1/messages?receive_id_type=…   (send, docs/platform/feishu.md §4.1)
 * GET   /open-apis/im/v1/messages/:message_id          (read back)
 * PATCH /open-apis/im/v1/messages/:message_id          (update a sent card, §4.3)
 */
export const RECEIVE_ID_TYPES = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'] as const;

/** §4.1: text ≤150 KB; card and post ≤30 KB. */
export const TEXT_LIMIT_BYTES = 150 * 1024;
export const CARD_LIMIT_BYTES = 30 * 1024;
export const PATCH_MAX_AGE_MS = 14 * 24 * 60 * 60_000;

/** 230001 carries its reason after `ext=` (Feishu's "how to resolve 230001" page). */
const invalidParam = (ext: string) => new FeishuApiError(230001, `Your request contains an invalid request parameter, ext=${ext}.`);
// The sub-code formats of the send-message page: 200861 for a component 2.0 no longer has, 200621 for
// any other card JSON the platform cannot take (the documents give no code of its own to an unknown
// property; the path is in ErrorValue), 11310 for more than 200 elements.
const cardInvalid = (e: CardInvalid) => {
  const unknown = /^(.*): unknown component "(.*)"$/.exec(e.message);
  if (unknown)
    return new FeishuApiError(
      230099,
      `Failed to create card content, ext=ErrCode: 200861; ErrPath: ROOT -> ${unknown[1]!.replace(/\./g, ' -> ')}; ErrMsg: cards of schema V2 no longer support this capability; ErrorValue: unsupported tag ${unknown[2]}; ${e.message}`,
    );
  if (/at most \d+ are allowed/.test(e.message)) return new FeishuApiError(230099, `Failed to create card content, ext=ErrCode: 11310; ErrMsg: element exceeds the limit; ${e.message}`);
  return new FeishuApiError(230099, `Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err, please check whether the card json is correct; ErrorValue: ${e.message}`);
};

const messageId = (c: EmuContext): string => c.req.param('message_id') ?? '';

function checkSize(msgType: string, content: string): void {
  const limit = msgType === 'text' ? TEXT_LIMIT_BYTES : msgType === 'interactive' || msgType === 'post' ? CARD_LIMIT_BYTES : undefined;
  const bytes = Buffer.byteLength(content, 'utf8');
  if (limit !== undefined && bytes > limit) throw new FeishuApiError(230025, `The length of the message content reaches its limit (${bytes} > ${limit} bytes).`);
}

function parseContent(msgType: string, content: string, dir: Directory): ParsedCard | undefined {
  if (msgType === 'interactive') {
    let parsed: ParsedCard;
    try {
      parsed = parseCardContent(content);
    } catch (e) {
      if (e instanceof CardInvalid) throw cardInvalid(e);
      throw e;
    }
    const unknown = unknownCardMention(content, dir);
    if (unknown) throw new FeishuApiError(230099, `Failed to create card content, ext=ErrCode: 100290; ErrMsg: There is an invalid user resource(at/person) in your card; ErrorValue: ${unknown}`);
    return parsed;
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw invalidParam('invalid content, content is not a JSON string');
  }
  if (msgType === 'text' && (typeof json !== 'object' || json === null || typeof (json as { text?: unknown }).text !== 'string')) {
    throw invalidParam('invalid content, text messages need {"text":"…"}');
  }
  return undefined;
}

export function registerMessageRoutes(k: EmuKernel, im: ImService): void {
  k.route({ method: 'POST', path: '/open-apis/im/v1/messages', key: 'im.message.create', rate: ['im.send'] }, async (c) => {
    const appId = c.get('appId');
    const rid = c.req.query('receive_id_type');
    if (!rid) return fieldValidationFailed(c, [{ field: 'receive_id_type', description: 'receive_id_type is required' }]);
    if (!(RECEIVE_ID_TYPES as readonly string[]).includes(rid)) return fieldValidationFailed(c, [{ field: 'receive_id_type', description: `receive_id_type must be one of ${RECEIVE_ID_TYPES.join(', ')}` }]);
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fieldValidationFailed(c, [{ field: 'body', description: 'body must be a JSON object' }]);
    const violations: Array<{ field: string; description: string }> = [];
    if (typeof body.receive_id !== 'string' || !body.receive_id) violations.push({ field: 'receive_id', description: 'receive_id is required and must be a string' });
    if (typeof body.msg_type !== 'string' || !body.msg_type) violations.push({ field: 'msg_type', description: 'msg_type is required and must be a string' });
    // §4.1: content is the card (or text) JSON serialised to a STRING, never an object.
    if (typeof body.content !== 'string') violations.push({ field: 'content', description: 'content is required and must be a string' });
    if (body.uuid !== undefined && (typeof body.uuid !== 'string' || body.uuid.length > 50)) violations.push({ field: 'uuid', description: 'uuid must be a string of at most 50 characters' });
    if (violations.length) return fieldValidationFailed(c, violations);
    const receiveId = body.receive_id as string;
    const msgType = body.msg_type as string;
    const content = body.content as string;
    const uuid = body.uuid as string | undefined;

    // Resolve the target chat: a group the bot must be in (230002), or the bot's one-to-one chat with a user.
    let chatId: string;
    let chatType: 'group' | 'p2p';
    if (rid === 'chat_id') {
      const chat = k.directory.findChat(receiveId);
      if (!chat) throw invalidParam('invalid receive_id');
      if (!chat.bots.includes(appId)) throw new FeishuApiError(230002, 'Bot/User can NOT be out of the chat.');
      chatId = chat.chat_id;
      chatType = 'group';
    } else {
      const user = rid === 'email' ? k.directory.listUsers().find((u) => u.email === receiveId) : k.directory.findUser(receiveId, rid as 'open_id' | 'user_id' | 'union_id');
      if (!user) throw invalidParam('invalid receive_id');
      chatId = im.store.p2pChat(appId, user.open_id);
      chatType = 'p2p';
    }

    const now = k.clock.now();
    if (uuid) {
      const prior = im.store.dedupe(appId, uuid, now);
      if (prior) return ok(c, messageView(prior, tenantKeyOf(k))); // §4.1: one message per uuid within 1 h
    }
    // 5 QPS per group chat, shared by every bot in it; 5 QPS per target user (the send-message page's
    // 使用限制). Its error table answers a frequency limit with 230020 (HTTP 400); 99991400 / HTTP 429 is
    // the app's own 50/s and 1000/min (the rate-limit page), counted by the route's rate above.
    // https://open.feishu.cn/document/server-docs/im-v1/message/create
    const v = k.rates.hit('im.chat', chatId);
    if (v.limited) throw new FeishuApiError(230020, 'This operation triggers the frequency limit.');

    checkSize(msgType, content);
    const parsed = parseContent(msgType, content, k.directory);
    const m: StoredMessage = {
      message_id: newId.message(),
      chat_id: chatId,
      chat_type: chatType,
      msg_type: msgType,
      app_id: appId,
      receive_id: receiveId,
      receive_id_type: rid,
      content,
      create_time: now,
      update_time: now,
      updated: false,
      ...(uuid ? { uuid } : {}),
      mentions: extractMentions(content, k.directory),
      versions: [],
    };
    if (parsed) m.versions.push({ version: 1, at: now, source: 'send', kind: parsed.kind, card: parsed.card });
    im.store.add(m);
    k.bus.emit('im.message', { messageId: m.message_id, chatId });
    return ok(c, messageView(m, tenantKeyOf(k)));
  });

  k.route({ method: 'GET', path: '/open-apis/im/v1/messages/:message_id', key: 'im.message.get', rate: ['im.read'] }, (c) => {
    const m = im.store.get(messageId(c));
    if (!m) throw invalidParam('invalid message_id');
    if (!im.canSee(c.get('appId'), m)) throw new FeishuApiError(230002, 'Bot/User can NOT be out of the chat.');
    return ok(c, { items: [messageView(m, tenantKeyOf(k))] });
  });

  k.route({ method: 'PATCH', path: '/open-apis/im/v1/messages/:message_id', key: 'im.message.patch', rate: ['im.update'] }, async (c) => {
    const appId = c.get('appId');
    const m = im.store.get(messageId(c));
    if (!m) throw invalidParam('invalid message_id');
    const body = (await c.req.json().catch(() => undefined)) as { content?: unknown } | undefined;
    if (typeof body?.content !== 'string') return fieldValidationFailed(c, [{ field: 'content', description: 'content is required and must be a string' }]);
    // §4.3: 5 QPS per message; the PATCH error table answers 230020 (HTTP 400) when it is exceeded.
    if (k.rates.hit('im.patch', m.message_id).limited) throw new FeishuApiError(230020, 'This operation triggers the frequency limit.');
    // §4.3: only interactive messages sent by the same app, within 14 days.
    if (m.app_id !== appId) throw invalidParam('the message was not sent by this app; only the sender can update it');
    if (m.msg_type !== 'interactive') throw invalidParam(`message type ${m.msg_type} cannot be patched; PATCH updates interactive (card) messages only`);
    const now = k.clock.now();
    if (now - m.create_time > PATCH_MAX_AGE_MS) throw new FeishuApiError(230031, 'Message can only be modified within 14 days after sending.');
    checkSize('interactive', body.content);
    const parsed = parseContent('interactive', body.content, k.directory)!;
    im.applyCard(m, { at: now, source: 'patch', kind: parsed.kind, card: parsed.card });
    return ok(c, {});
  });
}
