import { findStage, type Journey } from '../domain/journey.js';
import { maskPhone } from '../domain/mask.js';
import type { Member } from '../domain/people.js';
import type { Locale, Text } from '../domain/text.js';
import { CHAT_SEND, type ChatSendPayload } from '../ports/chat.js';
import type { Store } from '../store/store.js';
import { messageUuid } from './lead-cards.js';

/**
 * 查询线索: someone on the team asks the app in a group chat about leads by their 线索编号 (e.g. 「@线索旅程
 * XS-000042」). The answer @-mentions them in that chat with each lead's company, stage, owner, score
 * and phone (masked), at most five; a question without a key gets how to ask. Only people in 销售团队
 * are answered (a group can hold guests). The answer is queued once per question (`key`: the
 * platform's message id), so a question delivered twice is answered once.
 */
const KEY = /XS-\d{3,}/gi;
const MAX_LEADS = 5;

export type LookupResult = 'answered' | 'not_on_team' | 'duplicate';

export function createLeadLookup(deps: { store: Store; journey: Journey; locale: Locale }) {
  const { store } = deps;
  const pick = (t: Text) => (deps.locale === 'en' ? t.en : t.zh);

  async function describe(key: string, members: ReadonlyMap<string, Member>): Promise<string> {
    const lead = await store.leads.getByKey(key);
    if (!lead || lead.deletedAt) return pick({ zh: `${key}：没有找到这条线索`, en: `${key}: no such lead` });
    const stage = lead.stage ? (findStage(deps.journey, lead.stage)?.label ?? { zh: lead.stage, en: lead.stage }) : { zh: '（无）', en: '(none)' };
    const company = typeof lead.facts.company === 'string' && lead.facts.company ? lead.facts.company : '—';
    const owner = lead.ownerId ? (members.get(lead.ownerId)?.name ?? '—') : pick({ zh: '无人跟进', en: 'nobody' });
    const phone = typeof lead.facts.phone === 'string' && lead.facts.phone ? `，${maskPhone(lead.facts.phone)}` : '';
    return deps.locale === 'en' ? `${key} ${company}: ${stage.en}, owner ${owner}, score ${lead.score}${phone.replace('，', ', ')}` : `${key} ${company}：${stage.zh}，跟进人 ${owner}，评分 ${lead.score}${phone}`;
  }

  return {
    /** (its own transaction) Answer a question asked in `chatId` by `personId`; `key` names the question once. */
    async ask(o: { chatId: string; personId: string | undefined; text: string; key: string; members: ReadonlyMap<string, Member>; now: Date }): Promise<LookupResult> {
      if (!o.personId || !o.members.has(o.personId)) return 'not_on_team';
      const keys = [...new Set([...o.text.matchAll(KEY)].map((m) => m[0].toUpperCase()))];
      const lines = keys.length
        ? await Promise.all(keys.slice(0, MAX_LEADS).map((k) => describe(k, o.members)))
        : [pick({ zh: '发送「@线索旅程 线索编号」查询线索，例如 @线索旅程 XS-000042（一次最多 5 条）', en: 'Send "@Lead Journey <lead number>" to look a lead up, e.g. @Lead Journey XS-000042 (at most 5 at once)' })];
      if (keys.length > MAX_LEADS) lines.push(pick({ zh: `（只列出前 ${MAX_LEADS} 条）`, en: `(the first ${MAX_LEADS} only)` }));
      const uuid = messageUuid(`lookup:${o.key}`);
      const payload: ChatSendPayload = { chatId: o.chatId, uuid, notice: { to: o.personId, text: lines.join('\n') } };
      const queued = await store.transaction(async () => {
        if ((await store.messages.existingKeys([uuid])).size) return false;
        await store.messages.enqueue({ kind: CHAT_SEND, target: o.chatId, payload, idempotencyKey: uuid, now: o.now });
        return true;
      });
      return queued ? 'answered' : 'duplicate';
    },
  };
}

export type LeadLookup = ReturnType<typeof createLeadLookup>;
