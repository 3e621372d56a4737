/**
 * What the stage machine may look at on a lead: canonical attribute keys (company, phone, need …) mapped
 * to values. The Bitable field map turns a record into these facts; guards name these keys.
 */
export type FactValue = string | number | boolean | null | undefined | readonly string[];
export type LeadFacts = Readonly<Record<string, FactValue>>;

/** A fact counts as present when it holds something a person typed: not empty, not whitespace. */
export function hasFact(facts: LeadFacts, key: string): boolean {
  const v = facts[key];
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim().length > 0;
  if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && x.trim().length > 0);
  return true;
}
