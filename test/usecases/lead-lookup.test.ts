import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import type { Member } from '../../src/domain/people.js';
import { CHAT_SEND, type ChatSendPayload } from '../../src/ports/chat.js';
import { createLeadLookup } from '../../src/usecases/lead-lookup.js';
import { testStore } from '../support/test-store.js';

/** 查询线索: a question about leads by 线索编号, answered once @ the asker in the chat it was asked in. */
const members = new Map<string, Member>([
  ['ou_lilei', { id: 'ou_lilei', name: '李雷', roles: ['sales'], onDuty: true }],
  ['ou_wangmin', { id: 'ou_wangmin', name: '王敏', roles: ['marketing_director'], onDuty: true }],
]);
const journey = loadRuleSet('default').journey;
const now = new Date('2026-11-24T02:00:00Z');

describe('lead lookup', () => {
  it('answers with each lead (company, stage, owner, score, phone masked) @ the asker, once per question', async () => {
    const store = await testStore();
    const lookup = createLeadLookup({ store, journey, locale: 'zh-CN' });
    const lead = await store.transaction(() => store.leads.insert({ leadKey: 'XS-000042', journeyId: 'default', facts: { company: '南方医疗器械集团', phone: '13900001111' }, now }));
    await store.leads.setStage(lead.id, lead.version, 'sql', now);
    await store.leads.setOwner(lead.id, 'ou_lilei', now);
    const ask = (text: string, key = 'm1', personId: string | undefined = 'ou_wangmin') => lookup.ask({ chatId: 'dingtalk:cidX', personId, text, key, members, now });
    expect(await ask('xs-000042 和 XS-000099 怎么样了')).toBe('answered');
    expect(await ask('xs-000042 和 XS-000099 怎么样了')).toBe('duplicate');
    const queued = (await store.messages.listByStatus('pending')).filter((m) => m.kind === CHAT_SEND);
    expect(queued).toHaveLength(1);
    const p = queued[0]!.payload as ChatSendPayload;
    expect(p.chatId).toBe('dingtalk:cidX');
    expect(p.notice).toEqual({ to: 'ou_wangmin', text: 'XS-000042 南方医疗器械集团：SQL，跟进人 李雷，评分 0，139****1111\nXS-000099：没有找到这条线索' });
    await store.close();
  });

  it('a question without a number gets how to ask; more than five are cut; someone not on the team gets nothing', async () => {
    const store = await testStore();
    const lookup = createLeadLookup({ store, journey, locale: 'en' });
    const ask = (text: string, key: string, personId?: string) => lookup.ask({ chatId: 'oc_x', personId, text, key, members, now });
    expect(await ask('hello', 'a', 'ou_lilei')).toBe('answered');
    expect(await ask('XS-000001 XS-000002 XS-000003 XS-000004 XS-000005 XS-000006', 'b', 'ou_lilei')).toBe('answered');
    expect(await ask('XS-000001', 'c', 'ou_guest')).toBe('not_on_team');
    expect(await ask('XS-000001', 'd', undefined)).toBe('not_on_team');
    const texts = (await store.messages.listByStatus('pending')).map((m) => (m.payload as ChatSendPayload).notice!.text);
    expect(texts[0]).toContain('Send "@Lead Journey <lead number>"');
    expect(texts[1]!.split('\n')).toHaveLength(6);
    expect(texts[1]).toContain('(the first 5 only)');
    expect(texts).toHaveLength(2);
    await store.close();
  });
});
