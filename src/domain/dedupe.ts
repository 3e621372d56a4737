import { e164, emailKey } from './contact-keys.js';
import { hasFact, type FactValue, type LeadFacts } from './lead-facts.js';
import { companyKey } from './routing.js';

/**
 * Is a submission a lead we already have? (intake: the API, imports). Pure.
 * Leads are matched by phone (E.164), e-mail (lower case), or, when neither is in common, company
 * (without suffixes) together with the contact's name. One lead matched: the same person, merged into
 * it. Several (the phone says one lead, the e-mail another): ambiguous, a person decides; never merged
 * silently. See docs/intake.md#dedupe-and-merge.
 */
export type MatchedBy = 'phone' | 'email' | 'company_contact';

export type DuplicateDecision<L> = { kind: 'new' } | { kind: 'same'; lead: L; by: MatchedBy[] } | { kind: 'ambiguous'; leads: Array<{ lead: L; by: MatchedBy[] }> };

export function decideDuplicate<L extends { id: number }>(candidates: ReadonlyArray<{ lead: L; by: readonly MatchedBy[] }>): DuplicateDecision<L> {
  const byLead = new Map<number, { lead: L; by: MatchedBy[] }>();
  for (const c of candidates) {
    const e = byLead.get(c.lead.id) ?? { lead: c.lead, by: [] };
    for (const b of c.by) if (!e.by.includes(b)) e.by.push(b);
    byLead.set(c.lead.id, e);
  }
  const all = [...byLead.values()];
  if (!all.length) return { kind: 'new' };
  if (all.length === 1) return { kind: 'same', lead: all[0]!.lead, by: all[0]!.by };
  return { kind: 'ambiguous', leads: all };
}

/**
 * A submission merged into a lead fills what the lead lacks and changes nothing a person already
 * typed: `filled` are the new facts, `differing` the facts the submission says otherwise (kept as they
 * were, shown to a person).
 */
export function fillEmpty(existing: LeadFacts, submitted: LeadFacts): { filled: Record<string, FactValue>; differing: string[] } {
  const filled: Record<string, FactValue> = {};
  const differing: string[] = [];
  for (const [k, v] of Object.entries(submitted)) {
    if (!hasFact(submitted, k)) continue;
    if (!hasFact(existing, k)) filled[k] = v;
    else if (!sameFact(k, existing[k], v)) differing.push(k);
  }
  return { filled, differing };
}

/** Two values of one fact that say the same (a phone written two ways, an e-mail's case, 有限公司 or not). */
function sameFact(key: string, a: FactValue, b: FactValue): boolean {
  const keyOf = key === 'phone' ? e164 : key === 'email' ? emailKey : key === 'company' ? companyKey : undefined;
  const ka = keyOf?.(a);
  if (ka !== undefined && ka === keyOf?.(b)) return true;
  return String(a).trim() === String(b).trim();
}
