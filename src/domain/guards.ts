import type { Guard } from './journey.js';
import { hasFact, type LeadFacts } from './lead-facts.js';

/** The guards a lead does not meet (empty = all met). */
export function unmetGuards(guards: readonly Guard[] | undefined, facts: LeadFacts, score: number | undefined): Guard[] {
  return (guards ?? []).filter((g) => !isGuardMet(g, facts, score));
}

export function isGuardMet(g: Guard, facts: LeadFacts, score: number | undefined): boolean {
  switch (g.type) {
    case 'required':
      return hasFact(facts, g.fact);
    case 'anyOf':
      return g.facts.some((f) => hasFact(facts, f));
    case 'minScore':
      return score !== undefined && score >= g.min;
  }
}

/** Every guard of a transition with whether the lead meets it: the checklist an approver sees. */
export function guardChecklist(guards: readonly Guard[] | undefined, facts: LeadFacts, score: number | undefined): Array<{ guard: Guard; met: boolean }> {
  return (guards ?? []).map((guard) => ({ guard, met: isGuardMet(guard, facts, score) }));
}

/**
 * The minimum facts a row still lacks before it is a lead (journey.leadMinimum; score guards do not
 * apply: a draft has no score). Empty: it is a lead.
 */
export function missingForLead(minimum: readonly Guard[], facts: LeadFacts): Guard[] {
  return unmetGuards(
    minimum.filter((g) => g.type !== 'minScore'),
    facts,
    undefined,
  );
}
