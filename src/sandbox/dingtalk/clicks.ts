import type { DtCard, DtOrg, ParamMap } from './org.js';
import { type StreamGateway, TOPIC_CARD } from './stream-gateway.js';

/** How long the emulator waits for a card callback's ack (DingTalk publishes no deadline: docs/platform/dingtalk.md §2.2). */
export const CARD_CALLBACK_DEADLINE_MS = 5_000;

export interface ClickResult {
  ok: boolean;
  /** the callback reached a connection of the app and was acked */
  delivered: boolean;
  error?: string;
  /** the app's answer (`response` of the ack) */
  response?: unknown;
  card?: DtCard;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): ParamMap | undefined => (isObj(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as ParamMap) : undefined);

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
  const response = isObj(ack.data) ? ack.data.response : undefined;
  if (isObj(response)) {
    const opts = isObj(response.cardUpdateOptions) ? response.cardUpdateOptions : {};
    const cardData = strings(isObj(response.cardData) ? response.cardData.cardParamMap : undefined);
    const mine = strings(isObj(response.userPrivateData) ? response.userPrivateData.cardParamMap : undefined);
    if (cardData || mine) org.applyCardData(card, { cardData, privateData: mine ? { [o.userId]: mine } : undefined, byKey: opts.updateCardDataByKey === true, privateByKey: opts.updatePrivateDataByKey === true }, now());
  }
  return { ok: ack.code === 200, delivered: true, response, card };
}
