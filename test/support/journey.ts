import type { Journey } from '../../src/domain/journey.js';
import { startJourney, requestTransition, type Actor, type LeadState, type TransitionRecord } from '../../src/domain/transitions.js';
import type { LeadFacts } from '../../src/domain/lead-facts.js';

export const T0 = new Date('2026-03-02T09:00:00+08:00');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const at = (ms: number) => new Date(T0.getTime() + ms);

export const rep: Actor = { id: 'ou_rep', roles: ['sales'] };
export const director: Actor = { id: 'ou_director', roles: ['marketing_director'] };
export const finance: Actor = { id: 'ou_finance', roles: ['finance'] };
export const sdr: Actor = { id: 'ou_sdr', roles: ['sdr'] };

export const fullFacts: LeadFacts = { company: '华东精密仪器有限公司', phone: '13800000000', need: '产线数据采集', owner: 'ou_rep' };

/** A lead started in `stage` (default: the journey's initial stage) at T0. */
export function aLead(j: Journey, facts: LeadFacts = fullFacts, stage?: string): LeadState {
  const empty: LeadState = { stage: null, facts, history: [] };
  const r = startJourney(j, empty, { actor: rep, now: T0, ...(stage ? { stage } : {}) });
  if (!r.ok) throw new Error(r.error.message.en);
  return { stage: r.value.record.to, facts, history: [r.value.record] };
}

/** Walk a lead along `path` (applying approvals where a gate asks), one hour apart. Throws on refusal. */
export function walk(j: Journey, lead: LeadState, path: Array<{ to: string; reason?: string; approver?: Actor }>, startMs = HOUR): LeadState {
  let cur = lead;
  let t = startMs;
  for (const step of path) {
    const r = requestTransition(j, cur, {
      to: step.to,
      actor: rep,
      now: at(t),
      ...(step.reason ? { reason: step.reason } : {}),
      ...(step.approver ? { approval: { id: `apv-${t}`, approverId: step.approver.id, approverRoles: step.approver.roles } } : {}),
    });
    if (!r.ok) throw new Error(`${cur.stage} → ${step.to}: ${r.error.code} ${r.error.message.en}`);
    if (r.value.status !== 'applied') throw new Error(`${cur.stage} → ${step.to}: pending approval`);
    const rec: TransitionRecord = r.value.record;
    cur = { ...cur, stage: rec.to, history: [...cur.history, rec] };
    t += HOUR;
  }
  return cur;
}
