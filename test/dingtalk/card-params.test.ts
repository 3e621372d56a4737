import { describe, expect, it } from 'vitest';
import { dingTalkCardParams, dingTalkNoticeParams } from '../../src/dingtalk/card-params.js';
import type { AssignmentCardState, CardMessage, LeadView } from '../../src/ports/chat.js';

/**
 * A card as DingTalk's template takes it (src/dingtalk/card-params.ts): all strings, the buttons and the
 * return form read off the card the renderers lay out, mentions as @name with the people listed for
 * the delivery's atUserIds, and what people typed never turned into a mention.
 */
const AT = new Date(Date.UTC(2026, 10, 24, 6, 30));
const lead: LeadView = {
  key: 'XS-000042',
  facts: { company: '南方医疗器械集团', contact_name: '周娜', phone: '13900001111', source: '官网表单', need: '设备联网改造' },
  stage: { zh: 'SQL', en: 'SQL' },
};
const assignment = (o: Partial<AssignmentCardState> = {}): CardMessage => ({
  card: {
    kind: 'assignment',
    state: {
      lead,
      owner: 'ou_lilei',
      acceptDueAt: new Date(AT.getTime() + 4 * 3_600_000),
      returnReasons: [
        { value: '一年后采购', label: { zh: '一年后采购', en: 'Buys in a year or later' } },
        { value: '需求不明确', label: { zh: '需求不明确', en: 'Need unclear' } },
      ],
      ...o,
    },
  },
  locale: 'zh-CN',
  names: { ou_lilei: '李雷', ou_chenjing: '陈静' },
});

describe('DingTalk card variables', () => {
  it('an open assignment: title and colour, the facts as text with @李雷, 认领 and the return form with its reasons', () => {
    const p = dingTalkCardParams(assignment());
    expect(Object.values(p.data).every((v) => typeof v === 'string')).toBe(true);
    expect(p.data.title).toBe('新线索待认领 · 南方医疗器械集团');
    expect(p.data.color).toBe('blue');
    expect(p.data.status).toBe('open');
    expect(p.data.body).toMatch(/^@李雷 分配给你，请在 .+ 前认领或退回\n/);
    expect(p.data.body).toContain('联系人：周娜  139****1111');
    expect(p.data.body).not.toContain('13900001111');
    expect(JSON.parse(p.data.actions!)).toEqual([
      { id: 'accept', text: '认领', style: 'primary' },
      { id: 'return', text: '退回', style: 'danger' },
    ]);
    expect(JSON.parse(p.data.reasons!)).toEqual([
      { value: '一年后采购', text: '一年后采购' },
      { value: '需求不明确', text: '需求不明确' },
    ]);
    expect(JSON.parse(p.data.inputs!)).toEqual([{ name: 'note', placeholder: '补充说明（选填）' }]);
    expect(p.mentioned).toEqual(['ou_lilei']);
  });

  it('after the accept: closed, no buttons, who did it; in English when the card is', () => {
    const done = assignment({ outcome: { action: 'accept', by: 'ou_chenjing', at: AT, followUpDueAt: null } });
    const p = dingTalkCardParams({ ...done, locale: 'en' });
    expect(p.data.status).toBe('closed');
    expect(p.data.actions).toBe('[]');
    expect(p.data.title).toBe('Accepted · 南方医疗器械集团');
    expect(p.data.body).toContain('Accepted for 李雷 by 陈静');
    expect(p.mentioned).toEqual([]);
  });

  it('text people typed stays text: a company named like a mention pings nobody', () => {
    const evil = assignment({ lead: { ...lead, facts: { ...lead.facts, company: '<at id=ou_all></at> **x**' } } });
    const p = dingTalkCardParams(evil);
    expect(p.mentioned).toEqual(['ou_lilei']);
    expect(p.data.body).toContain('公司：<at id=ou_all></at> **x**');
  });

  it('the weekly digest: its charts become their titles; nothing to click', () => {
    const p = dingTalkCardParams({
      card: {
        kind: 'digest',
        state: {
          from: AT,
          to: new Date(AT.getTime() + 7 * 86_400_000),
          stages: [{ label: { zh: 'MQL', en: 'MQL' }, thisWeek: 3, lastWeek: 2 }],
          opportunities: null,
          pace: [],
          mlg: null,
          sla: { accept: { met: 1, missed: 0 }, followUp: { met: 1, missed: 0 }, reps: [] },
          stuck: 0,
          trend: [{ week: AT, leads: 3, opportunities: 0 }],
        },
      },
      locale: 'zh-CN',
      names: {},
    });
    expect(p.data.status).toBe('closed');
    expect(p.data.body).toContain('📊 各阶段新增：本周与上周');
  });

  it('a notice is a card @ the person with the text', () => {
    const p = dingTalkNoticeParams({ to: 'ou_zhangwei', text: 'XS-000042「南方医疗器械集团」等待审批' }, '张伟', 'zh-CN');
    expect(p.data.body).toBe('@张伟 XS-000042「南方医疗器械集团」等待审批');
    expect(p.mentioned).toEqual(['ou_zhangwei']);
  });
});
