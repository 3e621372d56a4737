import { findStage, type Journey } from '../domain/journey.js';
import type { LeadFacts } from '../domain/lead-facts.js';
import { err, ok, type Result } from '../domain/result.js';
import { startJourney, type Actor, type Refusal } from '../domain/transitions.js';
import type { Clock } from '../lib/clock.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { leadEvents } from './lead-events.js';

export interface StartLeadDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
}

export interface StartLeadInput {
  leadKey: string;
  facts: LeadFacts;
  actor: Actor;
  stage?: string;
  /** where its row is (recordId absent: the server creates the row, linked when the write lands) */
  record?: { baseToken: string; tableId: string; recordId?: string };
}

/**
 * Create a lead and its first history entry in one transaction. Starting a lead whose key already
 * exists returns the existing lead (intake and imports retry).
 */
export function createStartLead(deps: StartLeadDeps) {
  return async function startLead(input: StartLeadInput): Promise<Result<{ lead: LeadRow; created: boolean; label: string | null }, Refusal>> {
    const existing = await deps.store.leads.getByKey(input.leadKey);
    if (existing) return ok({ lead: existing, created: false, label: null });
    const now = deps.clock.now();
    const decision = startJourney(deps.journey, { stage: null, facts: input.facts, history: [] }, { actor: input.actor, now, ...(input.stage ? { stage: input.stage } : {}) });
    if (!decision.ok) return err(decision.error);
    const lead = await deps.store.transaction(async () => {
      const row = await deps.store.leads.insert({ leadKey: input.leadKey, journeyId: deps.journey.id, facts: input.facts, now, ...(input.record ?? {}) });
      await deps.store.transitions.append(row.id, decision.value.record);
      if (!(await deps.store.leads.setStage(row.id, row.version, decision.value.record.to, now))) throw new Error('lead changed during creation');
      const made = (await deps.store.leads.get(row.id))!;
      const to = decision.value.record.to;
      await leadEvents.created(deps.store, made, { stage: { id: to, label: findStage(deps.journey, to)?.label.zh ?? to }, actor: input.actor.id }, now);
      return made;
    });
    return ok({ lead, created: true, label: decision.value.label });
  };
}
