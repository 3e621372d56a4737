import type { Member } from '../domain/people.js';
import { route, type RouteDecision, type RouteWhen, type RoutingRule } from '../domain/routing.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { addWorkingTime, isWorkingTime, localMidnight, type WorkCalendar } from '../domain/work-calendar.js';

/**
 * Who gets a lead: the routing rules (分配规则) decided by the pure `route`, with what it needs read
 * from SQLite — each rep's open leads (capacity) and leads routed today (daily cap), the owner of the
 * same company, the round robin's credits — and the new credits written back in the caller's transaction, together with the
 * assignment they decided. So the turns stay fair across restarts and roster edits.
 */
export interface Router {
  /** (inside a transaction) the decision for `lead` among `members`; a person decision's credits are kept */
  pick(lead: LeadRow, members: ReadonlyMap<string, Member>, o: { when: RouteWhen; now: Date }): Promise<RouteDecision>;
}

export async function ruleRouter(deps: { store: Store; rules: () => readonly RoutingRule[]; candidateRoles: readonly string[]; openStages: readonly string[]; calendar?: WorkCalendar }): Promise<Router> {
  await deps.store.routing.setOpenStages(deps.openStages);
  const offHours = (now: Date) => (deps.calendar && !isWorkingTime(deps.calendar, now) ? { offHours: { until: addWorkingTime(deps.calendar, now, 0).getTime() } } : {});
  return {
    async pick(lead, members, o) {
      const { store } = deps;
      const [loads, companyOwner, today] = await Promise.all([
        store.routing.loads(),
        store.routing.companyOwner(lead.companyKey, lead.id),
        // 每日新线索上限 counts a local day's routed leads
        deps.calendar && [...members.values()].some((m) => m.dailyCap !== undefined) ? store.assignments.routedSince(localMidnight(deps.calendar, o.now)) : undefined,
      ]);
      // The pure decision asks for a round robin's credits only once it knows the pool: it is decided
      // once without them to learn which pool, then again with that pool's credits read.
      let pool: string | undefined;
      const input = { facts: lead.facts, score: lead.score, when: o.when, rules: deps.rules(), reps: members, candidateRoles: deps.candidateRoles, loads, companyOwner, ...(today ? { today } : {}), ...offHours(o.now), now: o.now.getTime() };
      let d = route({
        ...input,
        credits: (p) => {
          pool = p;
          return new Map();
        },
      });
      if (pool !== undefined) {
        const credits = await store.routing.credits(pool);
        d = route({ ...input, credits: () => credits });
      }
      if (d.kind === 'person' && d.credits) await store.routing.setCredits(d.credits.pool, d.credits.values, o.now);
      return d;
    },
  };
}
