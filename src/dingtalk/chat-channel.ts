import type { RateGate } from '../bitable/rate-gate.js';
import { createRateGate } from '../bitable/rate-gate.js';
import type { Member } from '../domain/people.js';
import type { Locale } from '../domain/text.js';
import type { Logger } from '../lib/logger.js';
import { type ChatSendPayload, type ChatUpdatePayload, dingTalkConversationOf } from '../ports/chat.js';
import type { Team } from '../ports/team.js';
import type { DingTalkApi } from './api.js';
import { type DingTalkCardParams, dingTalkCardParams, dingTalkNoticeParams } from './card-params.js';

/**
 * Cards and notices to a DingTalk group (docs/platform/dingtalk.md §2): every message is an interactive
 * card from the one template (card-params.ts), created and delivered with `callbackType: STREAM`, its
 * outTrackId the message's own uuid, so a retry after a lost answer is the same card, and updated in
 * place by that id. @-mentions go in the delivery's atUserIds as the people's 钉钉ID from 销售团队; a
 * person without one is shown as @name and not notified (said once in the log). At most 15 calls a
 * second (DingTalk allows an internal app about 20).
 */
export function createDingTalkChannel(deps: { api: DingTalkApi; robotCode: string; templateId: string; team: Team; locale: Locale; log: Logger; gate?: RateGate }) {
  const log = deps.log.child({ component: 'dingtalk-channel' });
  const gate = deps.gate ?? createRateGate({ perSecond: 15, perMinute: 600 });
  const warned = new Set<string>();

  function atUserIds(p: DingTalkCardParams, names: Record<string, string>, members: ReadonlyMap<string, Member>): Record<string, string> {
    const at: Record<string, string> = {};
    for (const id of p.mentioned) {
      const m = members.get(id);
      if (m?.dingtalkId) at[m.dingtalkId] = m.name || names[id] || '—';
      else if (!warned.has(id)) {
        warned.add(id);
        log.warn({ person: id, name: m?.name ?? names[id] }, '销售团队 has no 钉钉ID for this person: the DingTalk card shows their name but does not notify them');
      }
    }
    return at;
  }

  return {
    /** Deliver a card (or a notice) to its DingTalk group; the message id is its outTrackId. */
    async send(p: ChatSendPayload): Promise<{ messageId: string }> {
      const cid = dingTalkConversationOf(p.chatId);
      if (!cid) throw Object.assign(new Error(`${p.chatId} is not a DingTalk chat`), { permanent: true });
      const members = await deps.team.members();
      let params: DingTalkCardParams;
      let names: Record<string, string>;
      if (p.card) {
        params = dingTalkCardParams(p.card);
        names = p.card.names;
      } else if (p.notice) {
        const name = members.get(p.notice.to)?.name;
        params = dingTalkNoticeParams(p.notice, name, deps.locale);
        names = name ? { [p.notice.to]: name } : {};
      } else throw Object.assign(new Error('a message with neither a card nor a notice'), { permanent: true });
      const outTrackId = p.uuid;
      await gate.acquire();
      await deps.api.createAndDeliver({ templateId: deps.templateId, outTrackId, space: { openConversationId: cid, robotCode: deps.robotCode }, data: params.data, at: atUserIds(params, names, members) });
      return { messageId: outTrackId };
    },
    /** The card's new state, in place (every variable sent, so the update replaces what was there). */
    async update(p: ChatUpdatePayload, messageId: string): Promise<void> {
      await gate.acquire();
      await deps.api.updateCard({ outTrackId: messageId, data: dingTalkCardParams(p.card).data });
    },
  };
}

export type DingTalkChannel = ReturnType<typeof createDingTalkChannel>;
