import { randomBytes } from 'node:crypto';
import type { DtCard, DtChatMessage, DtOrg, ParamMap } from './org.js';
import { type StreamGateway, TOPIC_CARD, TOPIC_ROBOT } from './stream-gateway.js';
import { isRecord } from '../../lib/is-record.js';

/** How long the emulator waits for a card callback's ack (DingTalk publishes no deadline: docs/platform/dingtalk.md §2.2). */
export const CARD_CALLBACK_DEADLINE_MS = 5_000;

export interface ClickResult {
  ok: boolean;
  /** the callback reached a connection of the app and was acked */
  delivered: boolean;
  error?: string;
  /** the app's answer (`response` of the ack) */
  response?: unknown;
  /** the callback's round trip: pushed → acked (ms) */
  elapsedMs?: number;
  card?: DtCard;
}

const strings = (v: unknown): ParamMap | undefined => (isRecord(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as ParamMap) : undefined);

/**
 * A person clicks a button of a card in a group (docs/platform/dingtalk.md §2.2):
 * the card callback goes to the card's app over Stream (cards created with callbackType STREAM only),
 * carrying the clicker's userId, the button's component id and its request params; the ack's
 * `response` updates the card: `cardData` for everyone, `userPrivateData` for the clicker alone.
 */
export async function clickCard(org: DtOrg, gw: StreamGateway, o: { outTrackId: string; userId: string; actionId: string; params: Record<string, unknown> }, now: () => number): Promise<ClickResult> {
  const card = org.cards.get(o.outTrackId);
  if (!card) return { ok: false, delivered: false, error: `no card ${o.outTrackId}` };
  const group = org.groups.get(card.openConversationId);
  if (!org.users.has(o.userId) || !group?.members.includes(o.userId)) return { ok: false, delivered: false, error: `${o.userId} is not in the card's group` };
  if (card.callbackType !== 'STREAM') return { ok: false, delivered: false, error: 'the card was not created with callbackType STREAM: no callback over Stream' };
  const content = JSON.stringify({ cardPrivateData: { actionIds: [o.actionId], params: o.params } });
  const data = { type: 'actionCallback', outTrackId: card.outTrackId, userId: o.userId, userIdType: 1, corpId: org.corpId, spaceType: 'im', spaceId: card.openConversationId, extension: '{}', content, value: content };
  const ack = await gw.push(card.appKey, 'CALLBACK', TOPIC_CARD, data, { deadlineMs: CARD_CALLBACK_DEADLINE_MS });
  if (!ack) return { ok: false, delivered: false, error: 'no connection of the app acked the callback in time' };
  const response = isRecord(ack.data) ? ack.data.response : undefined;
  if (isRecord(response)) {
    const opts = isRecord(response.cardUpdateOptions) ? response.cardUpdateOptions : {};
    const cardData = strings(isRecord(response.cardData) ? response.cardData.cardParamMap : undefined);
    const mine = strings(isRecord(response.userPrivateData) ? response.userPrivateData.cardParamMap : undefined);
    if (cardData || mine) org.applyCardData(card, { cardData, privateData: mine ? { [o.userId]: mine } : undefined, byKey: opts.updateCardDataByKey === true, privateByKey: opts.updatePrivateDataByKey === true }, now());
  }
  return { ok: ack.code === 200, delivered: true, response, card, elapsedMs: ack.elapsedMs };
}

/**
 * A person writes in a group (docs/platform/dingtalk.md §3): kept for the page; when it @-mentions the
 * robot, each app whose robot is in the group gets the robot callback over Stream (the robot hears a
 * group only when @-mentioned), acked or not within the deadline.
 */
export async function sayInGroup(
  org: DtOrg,
  gw: StreamGateway,
  o: { conversation: string; userId: string; text: string; atRobot: boolean },
  now: () => number,
): Promise<{ ok: boolean; message?: DtChatMessage; delivered: number; error?: string }> {
  const group = org.groups.get(o.conversation);
  const user = org.users.get(o.userId);
  if (!group || !user || !group.members.includes(user.userId)) return { ok: false, delivered: 0, error: `${o.userId} is not in the group` };
  const message: DtChatMessage = { msgId: `msg${randomBytes(12).toString('base64url')}`, openConversationId: group.openConversationId, userId: user.userId, name: user.name, text: o.text, atRobot: o.atRobot, at: now() };
  org.messages.push(message);
  org.onMessage(message);
  let delivered = 0;
  if (o.atRobot) {
    for (const app of [...org.apps.values()].filter((a) => group.robots.includes(a.robotCode))) {
      const data = {
        conversationId: group.openConversationId,
        conversationType: '2',
        conversationTitle: group.title,
        chatbotCorpId: org.corpId,
        chatbotUserId: `$:LWCP_v1:$${app.robotCode}`,
        robotCode: app.robotCode,
        msgId: message.msgId,
        msgtype: 'text',
        text: { content: ` ${o.text}` },
        createAt: message.at,
        senderId: `$:LWCP_v1:$${user.unionId}`,
        senderStaffId: user.userId,
        senderNick: user.name,
        senderCorpId: org.corpId,
        isAdmin: false,
        isInAtList: true,
        atUsers: [{ dingtalkId: `$:LWCP_v1:$${app.robotCode}` }],
      };
      if (await gw.push(app.appKey, 'CALLBACK', TOPIC_ROBOT, data, { deadlineMs: CARD_CALLBACK_DEADLINE_MS })) delivered++;
    }
  }
  return { ok: true, message, delivered };
}
