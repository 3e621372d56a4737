import type { Member } from '../bitable/roster.js';
import type { LeadRow } from '../store/leads-repo.js';

/**
 * Who gets a lead (the port the lead engine grows: rules on source, region, industry, size and score,
 * weights, capacity, leave, same company → same owner). Today: a plain round robin over the on-duty
 * members holding a candidate role, in a stable order (by open_id), continuing after whoever was picked
 * last — read from the assignments table, so it stays fair across restarts and roster edits.
 */
export interface RouteDecision {
  ownerId: string;
  /** recorded with the assignment: why this person */
  rule: string;
}

export interface Router {
  pick(lead: LeadRow, members: ReadonlyMap<string, Member>): RouteDecision | undefined;
}

export function roundRobinRouter(o: { candidateRoles: readonly string[]; lastPicked: () => string | undefined }): Router {
  return {
    pick(_lead, members) {
      const candidates = [...members.values()]
        .filter((m) => m.onDuty && m.roles.some((r) => o.candidateRoles.includes(r)))
        .map((m) => m.openId)
        .sort();
      if (!candidates.length) return undefined;
      const last = o.lastPicked();
      const next = (last !== undefined && candidates.find((id) => id > last)) || candidates[0]!;
      return { ownerId: next, rule: 'round_robin' };
    },
  };
}
