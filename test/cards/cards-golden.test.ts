import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalCard, type ApprovalCardState } from '../../src/cards/approval-card.js';
import { assignmentCard, type AssignmentCardState } from '../../src/cards/assignment-card.js';
import type { CardCtx, CardJson } from '../../src/cards/card-kit.js';
import type { LeadView } from '../../src/cards/lead-view.js';
import { nurtureCard } from '../../src/cards/nurture-card.js';
import { poolCard, type PoolCardState } from '../../src/cards/pool-card.js';
import { handoverCard } from '../../src/cards/handover-card.js';
import { digestCard, type DigestCardState } from '../../src/cards/digest-card.js';
import { slowdownCard } from '../../src/cards/slowdown-card.js';
import type { Locale } from '../../src/domain/text.js';
import { validateCard } from '../../src/sandbox/feishu/im/card-parse.js';
import { ROOT } from '../support/run-main.js';

/**
 * Every card is a pure function of the lead's state: each state below renders to the JSON committed in
 * test/fixtures/cards/ (zh-CN and en). A change to a card shows up as a diff of those files; after
 * checking it, `UPDATE_GOLDEN=1 npx vitest run test/cards` rewrites them. A missing file fails the test
 * (CI never writes goldens). Each card also passes the emulator's JSON 2.0 checks.
 */
const DIR = join(ROOT, 'test', 'fixtures', 'cards');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const PEOPLE: Record<string, string> = { ou_wangmin: '王敏', ou_zhangwei: '张伟', ou_lilei: '李雷', ou_chenjing: '陈静', ou_hanmeimei: '韩梅梅' };
const ctx = (locale: Locale): CardCtx => ({ locale, nameOf: (id) => PEOPLE[id] });
const AT = new Date(Date.UTC(2026, 10, 24, 6, 30)); // 14:30 Beijing time
const LATER = new Date(AT.getTime() + 20 * 60_000);

const lead: LeadView = {
  key: 'XS-000042',
  facts: { company: '南方医疗器械集团', contact_name: '周娜', title: '采购经理', phone: '13900001111', email: 'zhou@example.cn', source: '官网表单', industry: '医疗器械', size: '500-999人', region: '华南', need: '设备联网改造' },
  stage: { zh: 'MQL', en: 'MQL' },
};
const scored: LeadView = {
  ...lead,
  stage: { zh: 'SQL', en: 'SQL' },
  score: {
    value: 72,
    reasons: [
      { zh: '官网表单 +30', en: 'web form +30' },
      { zh: '行业匹配 +20', en: 'industry fit +20' },
      { zh: '下载白皮书 +10', en: 'white paper +10' },
    ],
  },
};

const approval = (o: Partial<ApprovalCardState> = {}): ApprovalCardState => ({
  lead,
  subject: { from: { zh: 'MQL', en: 'MQL' }, to: { zh: 'SQL', en: 'SQL' }, gate: { zh: '市场总监', en: 'marketing director' }, requestedBy: 'ou_zhangwei', requestedAt: AT.getTime() },
  approvers: ['ou_wangmin'],
  checklist: [
    { label: { zh: '公司名称', en: 'company' }, met: true },
    { label: { zh: '手机或邮箱', en: 'phone or email' }, met: true },
    { label: { zh: '需求描述', en: 'need' }, met: false },
  ],
  ...o,
});
const returnReasons = [
  { value: '一年后采购', label: { zh: '一年后采购', en: 'Buys in a year or later' } },
  { value: '需求不明确', label: { zh: '需求不明确', en: 'Need unclear' } },
];
const assignment = (o: Partial<AssignmentCardState> = {}): AssignmentCardState => ({ lead: scored, owner: 'ou_lilei', acceptDueAt: new Date(AT.getTime() + 4 * 3_600_000), returnReasons, ...o });

const pool = (o: Partial<PoolCardState> = {}): PoolCardState => ({
  lead: { ...scored, stage: { zh: '培育池', en: 'Nurture' } },
  pool: '培育池公海',
  why: { zh: '李雷 退回：需求不明确', en: 'returned by 李雷: Need unclear' },
  limits: {
    zh: '每人每天最多领取 10 条；跟进中的线索达到 50 条时不能再领取；自己退回的线索 7 天内不能领回。',
    en: 'At most 10 claims a day each; no claims while following 50 open leads; a lead you gave back can be claimed again after 7 days.',
  },
  ...o,
});

const S = (zh: string, en = zh) => ({ zh, en });
const week = (day: string) => new Date(`${day}T00:00:00+08:00`).toISOString();
const digest: DigestCardState = {
  from: week('2026-11-23'),
  to: week('2026-11-30'),
  stages: [
    { label: S('线索', 'Lead'), thisWeek: 42, lastWeek: 37 },
    { label: S('MQL'), thisWeek: 9, lastWeek: 11 },
    { label: S('SQL'), thisWeek: 5, lastWeek: 5 },
    { label: S('商机', 'Opportunity'), thisWeek: 4, lastWeek: 2 },
    { label: S('成单', 'Won'), thisWeek: 1, lastWeek: 0 },
  ],
  opportunities: { label: S('商机', 'Opportunity'), thisWeek: 4, lastWeek: 2 },
  pace: [
    { from: S('线索', 'Lead'), to: S('MQL'), thisWeek: { count: 9, medianDays: 2.25 }, lastWeek: { count: 11, medianDays: 3 } },
    { from: S('MQL'), to: S('SQL'), thisWeek: { count: 5, medianDays: 4.5 }, lastWeek: { count: 5, medianDays: 3.5 } },
    { from: S('SQL'), to: S('商机', 'Opportunity'), thisWeek: { count: 4, medianDays: 6 }, lastWeek: null },
    { from: S('商机', 'Opportunity'), to: S('成单', 'Won'), thisWeek: null, lastWeek: null },
  ],
  mlg: { days: 90, won: 20, marketing: 13 },
  sla: {
    accept: { met: 17, missed: 2 },
    followUp: { met: 8, missed: 1 },
    reps: [
      { id: 'ou_lilei', acceptMissed: 2, followUpMissed: 0 },
      { id: 'ou_hanmeimei', acceptMissed: 0, followUpMissed: 1 },
    ],
  },
  stuck: 7,
  trend: ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23'].map((d, i) => ({ week: week(d), leads: 30 + i * 2, opportunities: i % 3 })),
};

const CASES: Record<string, (c: CardCtx) => CardJson> = {
  slowdown: (c) => slowdownCard({ lead: scored, owner: 'ou_lilei', stage: { zh: 'SQL', en: 'SQL' }, enteredAt: new Date(AT.getTime() - 9.4 * 86_400_000), days: 9.4, usualDays: 6.25, percentile: 75, sample: 42 }, c),
  'digest-week': (c) => digestCard(digest, c),
  'digest-quiet': (c) =>
    digestCard(
      {
        ...digest,
        stages: digest.stages.map((x) => ({ ...x, thisWeek: 0, lastWeek: 0 })),
        opportunities: null,
        pace: digest.pace.map((p) => ({ ...p, thisWeek: null, lastWeek: null })),
        mlg: null,
        sla: { accept: { met: 0, missed: 0 }, followUp: { met: 0, missed: 0 }, reps: [] },
        stuck: 0,
        trend: [],
      },
      c,
    ),
  'approval-open': (c) => approvalCard(approval(), c),
  'approval-no-approver': (c) => approvalCard(approval({ approvers: [] }), c),
  'approval-escalated': (c) =>
    approvalCard(
      approval({
        escalations: [
          { step: 'remind', at: new Date(AT.getTime() + 5 * 3_600_000), to: 'ou_wangmin' },
          { step: 'manager', at: new Date(AT.getTime() + 24 * 3_600_000), to: 'ou_chenjing' },
        ],
      }),
      c,
    ),
  'approval-approved': (c) => approvalCard(approval({ outcome: { action: 'approve', by: 'ou_wangmin', at: LATER, comment: '预算已确认' } }), c),
  'approval-rejected': (c) => approvalCard(approval({ outcome: { action: 'reject', by: 'ou_wangmin', at: LATER, comment: '先补充需求' } }), c),
  'approval-void': (c) => approvalCard(approval({ outcome: { action: 'void', by: 'system', at: LATER } }), c),
  'approval-renewed': (c) => approvalCard(approval({ outcome: { action: 'void', by: 'system', at: LATER, renewed: true } }), c),
  'assignment-open': (c) => assignmentCard(assignment(), c),
  'assignment-escalated': (c) =>
    assignmentCard(
      assignment({
        escalations: [
          { step: 'remind', at: new Date(AT.getTime() + 4 * 3_600_000), to: 'ou_lilei' },
          { step: 'manager', at: new Date(AT.getTime() + 6 * 3_600_000), to: 'ou_chenjing' },
        ],
      }),
      c,
    ),
  'assignment-accepted': (c) => assignmentCard(assignment({ outcome: { action: 'accept', by: 'ou_lilei', at: LATER, followUpDueAt: new Date(LATER.getTime() + 120 * 3_600_000) } }), c),
  'assignment-accepted-by-manager': (c) => assignmentCard(assignment({ outcome: { action: 'accept', by: 'ou_chenjing', at: LATER, followUpDueAt: null } }), c),
  'assignment-returned': (c) =>
    assignmentCard(
      assignment({
        outcome: { action: 'return', by: 'ou_lilei', at: LATER, reason: returnReasons[0]!.label, note: '明年Q2预算', next: { zh: '回到线索池，跟进人已清空，等待重新分配', en: 'back to the pool, owner cleared, to be assigned again' } },
      }),
      c,
    ),
  'assignment-void': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER } }), c),
  'assignment-renewed': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER, renewed: true } }), c),
  'assignment-reassigned': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER, timedOut: true, reassignedTo: 'ou_zhangwei' } }), c),
  'assignment-timed-out-nobody': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER, timedOut: true, reassignedTo: null } }), c),
  'nurture-step': (c) =>
    nurtureCard(
      { lead, to: ['ou_zhangwei'], owner: null, kind: 'step', name: '发送行业白皮书', sequence: '线索池培育', content: '发送《医疗器械数字化白皮书》并约一次线上交流', why: { zh: '进入线索池第 3 天', en: 'day 3 in the pool' } },
      c,
    ),
  'nurture-silence-nobody': (c) => nurtureCard({ lead: scored, to: [], owner: null, kind: 'step', name: '沉默 30 天唤醒', sequence: '沉默唤醒', content: '电话回访，了解近况', why: { zh: '沉默 30 天', en: '30 days silent' } }, c),
  'nurture-reengage': (c) =>
    nurtureCard(
      { lead: scored, to: ['ou_lilei'], owner: 'ou_lilei', kind: 'reengage', name: '预计一年后采购', sequence: '退回原因', content: '明年Q2预算', why: { zh: '退回时约定的重新激活日期', en: 'the re-engage date set at return' } },
      c,
    ),
  'assignment-handed-over': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER, handedOver: true, reassignedTo: 'ou_hanmeimei' } }), c),
  'assignment-handed-over-to-pool': (c) => assignmentCard(assignment({ outcome: { action: 'void', at: LATER, handedOver: true, reassignedTo: null } }), c),
  'handover-summary': (c) =>
    handoverCard(
      {
        leaver: 'ou_lilei',
        successor: null,
        to: ['ou_chenjing'],
        leads: [
          { key: 'XS-000042', company: '南方医疗器械集团', stage: { zh: 'SQL', en: 'SQL' }, to: null },
          { key: 'XS-000043', company: '华东精密仪器', stage: { zh: '商机', en: 'Opportunity' }, to: 'ou_chenjing' },
        ],
        kept: [{ key: 'XS-000044', company: '星海文化', stage: { zh: '商机', en: 'Opportunity' } }],
        successorProblem: { zh: '「交接给」张伟 不在岗或不是可分配线索的角色，线索按规则交接（回到公海，商机交给直属上级）', en: '交接给 张伟 cannot take leads: they went by the rules (the pool; opportunities to the manager)' },
      },
      c,
    ),
  'handover-many': (c) =>
    handoverCard(
      {
        leaver: 'ou_lilei',
        successor: 'ou_hanmeimei',
        to: [],
        leads: Array.from({ length: 23 }, (_, i) => ({ key: `XS-${String(100 + i).padStart(6, '0')}`, company: `公司${i + 1}`, stage: { zh: 'SQL', en: 'SQL' }, to: 'ou_hanmeimei' })),
        kept: [],
      },
      c,
    ),
  'pool-open': (c) => poolCard(pool(), c),
  'pool-open-no-limits': (c) => poolCard(pool({ limits: undefined }), c),
  'pool-claimed': (c) => poolCard(pool({ outcome: { action: 'claim', by: 'ou_hanmeimei', at: LATER } }), c),
  'pool-left': (c) => poolCard(pool({ outcome: { action: 'void', at: LATER } }), c),
  'pool-expired': (c) => poolCard(pool({ outcome: { action: 'void', at: LATER, expired: true } }), c),
};

describe('cards are pure functions of state (golden files)', () => {
  for (const [name, render] of Object.entries(CASES)) {
    for (const locale of ['zh-CN', 'en'] as const) {
      it(`${name} (${locale})`, () => {
        const cardJson = render(ctx(locale));
        expect(() => validateCard(cardJson)).not.toThrow();
        const file = join(DIR, `${name}.${locale}.json`);
        const text = `${JSON.stringify(cardJson, null, 2)}\n`;
        if (UPDATE) {
          mkdirSync(DIR, { recursive: true });
          writeFileSync(file, text);
        }
        expect(existsSync(file), `${file} is missing; render it with UPDATE_GOLDEN=1`).toBe(true);
        expect(text).toBe(readFileSync(file, 'utf8'));
        // the same state renders the same card every time
        expect(render(ctx(locale))).toEqual(cardJson);
      });
    }
  }

  it('the full phone number never appears; the masked one does', () => {
    const all = JSON.stringify(Object.values(CASES).map((r) => r(ctx('zh-CN'))));
    expect(all).not.toContain('13900001111');
    expect(all).toContain('139****1111');
  });

  it('people-typed text is plain text: a company named like a mention or markdown pings nobody', () => {
    const evil: LeadView = { ...lead, facts: { ...lead.facts, company: '<at id=all></at> **恶意** [x](http://evil)', need: '<at id=ou_lilei></at>' } };
    for (const c of [approvalCard(approval({ lead: evil }), ctx('zh-CN')), assignmentCard(assignment({ lead: evil }), ctx('zh-CN'))]) {
      const markdowns = JSON.stringify(c).match(/"tag":"markdown","content":"[^"]*"/g) ?? [];
      expect(markdowns.join('')).not.toContain('id=all');
      expect(markdowns.join('')).not.toContain('evil');
      expect(JSON.stringify(c)).toContain('**恶意**'); // shown as typed, in plain_text
    }
  });

  it('open cards carry the buttons; acted-on cards carry none', () => {
    const interactive = (c: CardJson) => (JSON.stringify(c).match(/"tag":"(button|select_static|input)"/g) ?? []).length;
    expect(interactive(CASES['approval-open']!(ctx('zh-CN')))).toBe(3); // comment + 通过 + 驳回
    expect(interactive(CASES['assignment-open']!(ctx('zh-CN')))).toBe(4); // 认领 + reason + note + 退回
    for (const name of [
      'approval-approved',
      'approval-rejected',
      'approval-void',
      'assignment-accepted',
      'assignment-returned',
      'assignment-void',
      'assignment-reassigned',
      'assignment-timed-out-nobody',
      'approval-renewed',
      'assignment-renewed',
    ])
      expect(interactive(CASES[name]!(ctx('zh-CN')))).toBe(0);
  });
});
