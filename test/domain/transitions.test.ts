import { describe, expect, it } from 'vitest';
import { entryLabel, requestTransition, startJourney, type Actor } from '../../src/domain/transitions.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { aLead, at, director, finance, fullFacts, HOUR, rep, sdr, T0, walk } from '../support/journey.js';

const presets = {
  default: loadJourney('default'),
  'lifecycle-9': loadJourney('lifecycle-9'),
  'funnel-4': loadJourney('funnel-4'),
};
type P = keyof typeof presets;

interface Case {
  preset: P;
  from: string;
  to: string;
  reason?: string;
  facts?: Record<string, string>;
  actor?: Actor;
  approver?: Actor;
  expect: 'applied' | 'pending_approval' | 'unknown_stage' | 'already_in_stage' | 'not_allowed' | 'reason_required' | 'guard_failed' | 'approval_role_mismatch';
  kind?: string;
}

const cases: Case[] = [
  // default journey: forward path
  { preset: 'default', from: 'lead', to: 'mql', expect: 'applied', kind: 'forward' },
  { preset: 'default', from: 'mql', to: 'sql', expect: 'pending_approval' },
  { preset: 'default', from: 'mql', to: 'sql', approver: director, expect: 'applied', kind: 'forward' },
  { preset: 'default', from: 'mql', to: 'sql', approver: rep, expect: 'approval_role_mismatch' },
  { preset: 'default', from: 'sql', to: 'opportunity', expect: 'applied' },
  { preset: 'default', from: 'opportunity', to: 'won', expect: 'pending_approval' },
  { preset: 'default', from: 'opportunity', to: 'won', approver: finance, expect: 'applied' },
  { preset: 'default', from: 'opportunity', to: 'won', approver: director, expect: 'approval_role_mismatch' },
  // default journey: refusals
  { preset: 'default', from: 'lead', to: 'sql', expect: 'not_allowed' },
  { preset: 'default', from: 'lead', to: 'won', expect: 'not_allowed' },
  { preset: 'default', from: 'won', to: 'lead', expect: 'not_allowed' },
  { preset: 'default', from: 'lead', to: 'lead', expect: 'already_in_stage' },
  { preset: 'default', from: 'lead', to: 'vip', expect: 'unknown_stage' },
  { preset: 'default', from: 'lead', to: 'mql', facts: { phone: '1', need: 'x' }, expect: 'guard_failed' },
  { preset: 'default', from: 'lead', to: 'mql', facts: { company: 'A', need: 'x' }, expect: 'guard_failed' },
  { preset: 'default', from: 'lead', to: 'mql', facts: { company: 'A', phone: '1', need: '   ' }, expect: 'guard_failed' },
  { preset: 'default', from: 'lead', to: 'mql', facts: { company: 'A', email: 'a@b.cn', need: 'x' }, expect: 'applied' },
  { preset: 'default', from: 'lead', to: 'mql', facts: { company: 'A', wechat: 'wx1', need: 'x' }, expect: 'applied' },
  { preset: 'default', from: 'sql', to: 'opportunity', facts: { company: 'A', phone: '1', need: 'x' }, expect: 'guard_failed' },
  { preset: 'default', from: 'lead', to: 'disqualified', expect: 'reason_required' },
  { preset: 'default', from: 'lead', to: 'disqualified', reason: '   ', expect: 'reason_required' },
  { preset: 'default', from: 'lead', to: 'disqualified', reason: '空号', expect: 'applied', kind: 'exit' },
  // recycling
  { preset: 'default', from: 'sql', to: 'mql', reason: '需求不明确', expect: 'applied', kind: 'recycle' },
  { preset: 'default', from: 'sql', to: 'mql', expect: 'reason_required' },
  { preset: 'default', from: 'sql', to: 'nurture', reason: '一年后采购', expect: 'applied', kind: 'recycle' },
  { preset: 'default', from: 'nurture', to: 'mql', expect: 'applied' },
  { preset: 'default', from: 'nurture', to: 'sql', expect: 'not_allowed' },
  { preset: 'default', from: 'lost', to: 'nurture', reason: '续约前再跟进', expect: 'applied', kind: 'reopen' },
  { preset: 'default', from: 'disqualified', to: 'lead', reason: '误判', expect: 'applied', kind: 'reopen' },
  // nine-stage lifecycle (docs/domain.md#stages-and-the-stage-machine)
  { preset: 'lifecycle-9', from: 'awareness', to: 'friend', expect: 'applied' },
  { preset: 'lifecycle-9', from: 'awareness', to: 'mql', expect: 'not_allowed' },
  { preset: 'lifecycle-9', from: 'prospect', to: 'mql', expect: 'applied' },
  { preset: 'lifecycle-9', from: 'prospect', to: 'mql', facts: { company: 'A' }, expect: 'guard_failed' },
  { preset: 'lifecycle-9', from: 'engaged', to: 'mql', expect: 'applied' },
  { preset: 'lifecycle-9', from: 'mql', to: 'sql', expect: 'pending_approval' },
  { preset: 'lifecycle-9', from: 'mql', to: 'sql', approver: sdr, expect: 'applied' },
  { preset: 'lifecycle-9', from: 'mql', to: 'sql', approver: director, expect: 'approval_role_mismatch' },
  { preset: 'lifecycle-9', from: 'sql', to: 'mql', reason: '时机未到', expect: 'applied', kind: 'recycle' },
  { preset: 'lifecycle-9', from: 'opportunity', to: 'customer', expect: 'applied' },
  { preset: 'lifecycle-9', from: 'customer', to: 'opportunity', expect: 'not_allowed' },
  // MAL → MIL → MQL → SQL (the funnel-4 preset)
  { preset: 'funnel-4', from: 'mal', to: 'mil', facts: {}, expect: 'applied' },
  { preset: 'funnel-4', from: 'mal', to: 'mql', expect: 'not_allowed' },
  { preset: 'funnel-4', from: 'mil', to: 'mql', facts: { company: 'A', phone: '1' }, expect: 'guard_failed' },
  { preset: 'funnel-4', from: 'mil', to: 'mql', expect: 'applied' },
  { preset: 'funnel-4', from: 'mql', to: 'sql', expect: 'pending_approval' },
  { preset: 'funnel-4', from: 'mql', to: 'sql', approver: director, expect: 'applied' },
  { preset: 'funnel-4', from: 'sql', to: 'mql', reason: '退回', expect: 'applied', kind: 'recycle' },
  { preset: 'funnel-4', from: 'mql', to: 'mil', reason: '降级', expect: 'applied', kind: 'recycle' },
];

describe('requestTransition across the three presets', () => {
  it.each(cases)('$preset: $from → $to ($expect)', (c) => {
    const j = presets[c.preset];
    const lead = aLead(j, c.facts ?? fullFacts, c.from);
    const r = requestTransition(j, lead, {
      to: c.to,
      actor: c.actor ?? rep,
      now: at(HOUR),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.approver ? { approval: { id: 'apv-1', approverId: c.approver.id, approverRoles: c.approver.roles } } : {}),
    });
    if (c.expect === 'applied' || c.expect === 'pending_approval') {
      if (!r.ok) throw new Error(`refused: ${r.error.code} ${r.error.message.en}`);
      expect(r.value.status).toBe(c.expect);
      if (r.value.status === 'applied') {
        expect(r.value.record).toMatchObject({ from: c.from, to: c.to, actorId: (c.actor ?? rep).id, at: at(HOUR), entryIndex: 1 });
        if (c.kind) expect(r.value.record.kind).toBe(c.kind);
        expect(r.value.record.approvalId).toBe(c.approver ? 'apv-1' : null);
        expect(r.value.record.reason).toBe(c.reason?.trim() || null);
      } else {
        expect(r.value).toMatchObject({ from: c.from, to: c.to });
        expect(r.value.gate.role).toMatch(/^[a-z_]+$/);
      }
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe(c.expect);
      // every refusal is readable in both languages
      expect(r.error.message.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(r.error.message.en).toMatch(/[A-Za-z]/);
    }
  });
});

describe('refusal messages', () => {
  const j = presets.default;
  it('names what is missing for a guard, in zh-CN and en', () => {
    const r = requestTransition(j, aLead(j, { phone: '1' }), { to: 'mql', actor: rep, now: at(HOUR) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.missing?.map((m) => m.zh)).toEqual(['公司名称', '明确需求']);
    expect(r.error.message.zh).toBe('进入「MQL」前还缺少：公司名称、明确需求');
    expect(r.error.message.en).toBe('Before MQL, the lead still needs: company name, a stated need');
  });
  it('lists the allowed next stages when a move is not allowed', () => {
    const r = requestTransition(j, aLead(j), { to: 'won', actor: rep, now: at(HOUR) });
    expect(!r.ok && r.error.message.zh).toBe('不允许从「线索」直接变更为「成单」；可变更为：MQL、培育池、无效');
  });
  it('names the approving role on a role mismatch', () => {
    const lead = aLead(j, fullFacts, 'mql');
    const r = requestTransition(j, lead, { to: 'sql', actor: rep, now: at(HOUR), approval: { id: 'a', approverId: 'ou_x', approverRoles: ['sales'] } });
    expect(!r.ok && r.error.message.zh).toBe('「MQL」→「SQL」需要市场总监审批');
  });
});

describe('repeat entries and history', () => {
  const j = presets.default;
  it('counts every entry: the second MQL is MQL-02, the third MQL-03', () => {
    let lead = aLead(j);
    lead = walk(j, lead, [{ to: 'mql' }, { to: 'sql', approver: director }, { to: 'mql', reason: '客户预算冻结' }, { to: 'sql', approver: director }, { to: 'nurture', reason: '一年后采购' }, { to: 'mql' }]);
    const mqlEntries = lead.history.filter((h) => h.to === 'mql').map((h) => h.entryIndex);
    expect(mqlEntries).toEqual([1, 2, 3]);
    expect(lead.history.filter((h) => h.to === 'sql').map((h) => h.entryIndex)).toEqual([1, 2]);
    expect(entryLabel(j, 'mql', 2)).toBe('MQL-02');
    const r = requestTransition(j, lead, { to: 'sql', actor: rep, now: at(100 * HOUR), approval: { id: 'apv-x', approverId: director.id, approverRoles: director.roles } });
    expect(r.ok && r.value.status === 'applied' && r.value.label).toBe('SQL-03');
    // history keeps every transition with who, when, why and the approval
    expect(lead.history).toHaveLength(7);
    expect(lead.history[3]).toMatchObject({ from: 'sql', to: 'mql', reason: '客户预算冻结', approvalId: null, kind: 'recycle', actorId: rep.id });
    expect(lead.history[2]).toMatchObject({ from: 'mql', to: 'sql', approvalId: `apv-${2 * HOUR}` });
  });

  it('starts a lead in the initial stage once, and only once', () => {
    const lead = aLead(j);
    expect(lead.stage).toBe('lead');
    expect(lead.history[0]).toMatchObject({ from: null, to: 'lead', entryIndex: 1, kind: 'create', at: T0 });
    const again = startJourney(j, lead, { actor: rep, now: T0 });
    expect(!again.ok && again.error.code).toBe('already_started');
    const bad = startJourney(j, { stage: null, facts: {}, history: [] }, { actor: rep, now: T0, stage: 'nope' });
    expect(!bad.ok && bad.error.code).toBe('unknown_stage');
  });
});
