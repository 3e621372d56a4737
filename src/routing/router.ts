import type { Member } from '../domain/people.js';
import { route, type RouteDecision, type RouteWhen, type RoutingRule } from '../domain/routing.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';

/**
 * Who gets a lead: the routing rules (分配规则) decided by the pure `route`, with what it needs read
 * from SQLite — each rep's open leads (capacity), the owner of the same company, the round robin's
 * credits — and the new credits written back in the caller's transaction, together with the
 * assignment they decided. So the turns stay fair across restarts and roster edits.
 */
export interface Router {
  /** (inside a transaction) the decision for `lead` among `members`; a person decision's credits are kept */
  pick(lead: LeadRow, members: ReadonlyMap<string, Member>, o: { when: RouteWhen; now: Date }): RouteDecision;
}

export function ruleRouter(deps: { store: Store; rules: () => readonly RoutingRule[]; candidateRoles: readonly string[]; openStages: readonly string[] }): Router {
  deps.store.routing.setOpenStages(deps.openStages);
  return {
    pick(lead, members, o) {
      const { store } = deps;
      const d = route({
        facts: lead.facts,
        score: lead.score,
        when: o.when,
        rules: deps.rules(),
        reps: members,
        candidateRoles: deps.candidateRoles,
        loads: store.routing.loads(),
        credits: (pool) => store.routing.credits(pool),
        companyOwner: store.routing.companyOwner(lead.companyKey, lead.id),
        now: o.now.getTime(),
      });
      if (d.kind === 'person' && d.credits) store.routing.setCredits(d.credits.pool, d.credits.values, o.now);
      return d;
    },
  };
}
