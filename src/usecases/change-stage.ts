import { findStage, type Journey } from '../domain/journey.js';
import { err, ok, type Result } from '../domain/result.js';
import { requestTransition, type Actor, type Approval, type Refusal, type TransitionOutcome } from '../domain/transitions.js';
import type { Clock } from '../lib/clock.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { leadEvents } from './lead-events.js';

export interface ChangeStageDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
}

export interface ChangeStageInput {
  leadId: number;
  to: string;
  actor: Actor;
  reason?: string;
  approval?: Approval;
}

export type ChangeStageRefusal =
  | Refusal
  | { code: 'lead_not_found'; message: { zh: string; en: string } }
  /** someone else changed the lead between our read and write; the caller may re-read and retry */
  | { code: 'conflict'; message: { zh: string; en: string } };

/**
 * Load the lead and its history, let the pure stage machine decide, and persist the decision
 * atomically with a compare-and-set on the lead's version, so two simultaneous clicks apply once.
 */
export function createChangeStage(deps: ChangeStageDeps) {
  return async function changeStage(input: ChangeStageInput): Promise<Result<{ outcome: TransitionOutcome; lead: LeadRow }, ChangeStageRefusal>> {
    const { store } = deps;
    const lead = await store.leads.get(input.leadId);
    if (!lead) return err({ code: 'lead_not_found', message: { zh: `找不到线索 #${input.leadId}`, en: `Lead #${input.leadId} not found` } });
    const now = deps.clock.now();
    const history = await store.transitions.listForLead(lead.id);
    const decision = requestTransition(
      deps.journey,
      { stage: lead.stage, facts: lead.facts, score: lead.score, history },
      {
        to: input.to,
        actor: input.actor,
        now,
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        ...(input.approval ? { approval: input.approval } : {}),
      },
    );
    if (!decision.ok) return decision;
    const outcome = decision.value;
    const saved = await store.transaction(async () => {
      if (outcome.status === 'applied') {
        if (!(await store.leads.setStage(lead.id, lead.version, outcome.record.to, now))) return false;
        await store.transitions.append(lead.id, outcome.record);
        const r = outcome.record;
        const stage = (id: string) => ({ id, label: findStage(deps.journey, id)?.label.zh ?? id });
        await leadEvents.stageChanged(store, { ...lead, stage: r.to }, { n: history.length, from: r.from ? stage(r.from) : null, to: stage(r.to), kind: r.kind, actor: r.actorId, reason: r.reason }, now);
        return true;
      }
      return store.leads.setPendingApproval(lead.id, lead.version, { to: outcome.to, role: outcome.gate.role, requestedBy: input.actor.id, requestedAt: now.getTime() }, now);
    });
    if (!saved) return err({ code: 'conflict', message: { zh: '线索刚被其他人更新，请刷新后重试', en: 'The lead was just changed by someone else; refresh and try again' } });
    return ok({ outcome, lead: (await store.leads.get(lead.id))! });
  };
}
