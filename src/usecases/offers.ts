import type { Journey } from '../domain/journey.js';
import { findTransition } from '../domain/journey.js';
import type { RouteDecision, RouteWhen } from '../domain/routing.js';
import { addWorkingHours, type WorkCalendar } from '../domain/work-calendar.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { Router } from '../routing/router.js';
import type { AssignmentRow } from '../store/assignments-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { journeyNote } from './journey-notes.js';
import { type LeadCards, type Members, OWNER_QUEUE_SUMMARY } from './lead-cards.js';
import { writeLeadRow } from './lead-row.js';
import { scheduleLadderStep, SLA_ACCEPT } from './sla-ladder.js';
import { leadEvents } from './lead-events.js';

/** One summary of the leads waiting for an owner goes to the managers this long after the first one waits. */
const SUMMARY_AFTER_MS = 60_000;

/**
 * Who a lead is offered to, and when an offer ends: the owner typed in the table or the one routing
 * picks (with why), the accept SLA and its ladder, the owner queue when nobody can take it now, and the
 * withdrawal of an offer when the lead goes back. The cards that show it are lead-cards.ts's.
 */
export interface OffersDeps {
  store: Store;
  journey: Journey;
  rules: AssignmentRules;
  router: Router;
  calendar: WorkCalendar;
  cards: LeadCards;
  log: Logger;
}

export function createOffers(deps: OffersDeps) {
  const { store, journey, rules } = deps;

  /**
   * (inside a transaction) A rule would give the lead to someone, but nobody can take it now (every rep
   * at 跟进上限, off duty or on leave): it waits in the owner queue, its row says why and what it waits
   * for, and the first lead into an empty queue schedules one summary for the managers (owner-queue.ts).
   */
  async function waitForOwner(lead: LeadRow, when: RouteWhen, why: string, now: Date, o: { offHours?: boolean } = {}): Promise<void> {
    const wasEmpty = (await store.ownerQueue.size()).count === 0;
    if (!(await store.ownerQueue.add(lead.id, when, why, now))) return;
    const then = o.offHours ? '' : '。有销售空出名额（线索关闭或退回、调高跟进上限、休假结束）后按到达顺序自动分配';
    await writeLeadRow(store, lead, { SLA截止: null, 旅程备注: journeyNote(now, [`等待分配：${why}${then}`]) }, `queue:${lead.id}:${now.getTime()}`, now);
    // outside working time nobody is stuck: the managers hear only of leads nobody can take
    if (wasEmpty && !o.offHours) await store.timers.schedule({ kind: OWNER_QUEUE_SUMMARY, dueAt: new Date(now.getTime() + SUMMARY_AFTER_MS), dedupeKey: `owner-queue:${lead.id}:${now.getTime()}`, now });
  }

  return {
    waitForOwner,
    /**
     * (inside a transaction) The lead enters a hand-off stage: offer it to the owner a person set in the
     * Bitable (when they can take leads: an SDR who owned it while qualifying hands it on), otherwise to
     * the one routing picks, with why; the card @-mentions them, SLA截止 shows the accept SLA. `anyStage`
     * offers a lead at once whatever its stage (routing of a new lead: website inquiries go to sales).
     */
    async offerAssignment(lead: LeadRow, members: Members, now: Date, o: { exclude?: readonly string[]; anyStage?: boolean; when?: RouteWhen; decision?: RouteDecision; quiet?: boolean } = {}): Promise<AssignmentRow | undefined> {
      if (!lead.stage || (!o.anyStage && !rules.assignOn.includes(lead.stage))) return undefined;
      const live = await store.assignments.current(lead.id);
      if (live) return live;
      const excluded = new Set(o.exclude ?? []);
      const typedOwner = typeof lead.facts.owner === 'string' ? lead.facts.owner : undefined;
      const known = typedOwner ? members.get(typedOwner) : undefined;
      const takesLeads = !known || (!known.leaving && known.roles.some((r) => rules.candidateRoles.includes(r)));
      const typed = typedOwner && takesLeads && !excluded.has(typedOwner) ? typedOwner : undefined;
      const pool = excluded.size ? new Map([...members].filter(([id]) => !excluded.has(id))) : members;
      const routed = typed ? undefined : (o.decision ?? (await deps.router.pick(lead, pool, { when: o.when ?? 'handoff', now })));
      const ownerId = typed ?? (routed?.kind === 'person' ? routed.ownerId : undefined);
      if (!ownerId) {
        const why = routed?.why ?? '没有匹配的分配规则';
        // `quiet`: the caller says it on the row itself (and knows it is waiting)
        if (o.quiet) return undefined;
        // a rule matched but nobody can take it now: it waits for room, in arrival order
        if (routed?.kind === 'none' && routed.rule !== undefined) await waitForOwner(lead, o.when ?? 'handoff', why, now, { offHours: routed.offHours === true });
        else await writeLeadRow(store, lead, { 旅程备注: journeyNote(now, [`没有可分配的销售（${why}），请在销售团队或分配规则中补充后重新分配 / nobody to assign the lead to`]) }, `noowner:${lead.id}:${lead.stage}:${lead.version}`, now);
        deps.log.warn({ lead: lead.leadKey, why }, 'no one to assign the lead to');
        return undefined;
      }
      const acceptDueAt = addWorkingHours(deps.calendar, now, rules.acceptWithinWorkingHours);
      const why = typed ? '表格中填写的跟进人' : routed!.why;
      const a = await store.assignments.offer({ leadId: lead.id, ownerId, source: typed ? 'bitable' : `routing:${routed!.rule}`, acceptDueAt, why, now });
      await leadEvents.assigned(store, lead, a, now);
      deps.log.info({ lead: lead.leadKey, owner: ownerId, why }, 'lead offered');
      await scheduleLadderStep(store, deps.calendar, { kind: SLA_ACCEPT, leadId: lead.id, ladder: rules.escalation.accept, index: 0, slaDueAt: acceptDueAt, subject: { assignmentId: a.id }, now });
      await writeLeadRow(store, lead, { SLA截止: acceptDueAt.getTime() }, `offer:${a.id}`, now);
      await deps.cards.offerCard(lead, a, members, now);
      await deps.cards.voidOpenCards(lead, 'pool', members, now); // offered to someone: no longer in the pool to claim
      return store.assignments.get(a.id);
    },
    /**
     * (inside a transaction) The lead was sent back or out (recycled to MQL, to 培育池, 无效 …) while an
     * offer was still waiting to be accepted: the offer is withdrawn (its accept SLA cancelled) and its
     * card says so, in place. A move forward (SQL → 商机) leaves the offer open, and an accepted
     * assignment always stays: the owner keeps the lead.
     */
    async withdrawOffer(lead: LeadRow, from: string, members: Members, now: Date): Promise<boolean> {
      if (!lead.stage || rules.assignOn.includes(lead.stage)) return false;
      if (findTransition(journey, from, lead.stage)?.kind === 'forward') return false;
      const a = await store.assignments.current(lead.id);
      if (a?.status !== 'offered' || !(await store.assignments.withdraw(a.id, now))) return false;
      await store.timers.cancelForLead(lead.id, SLA_ACCEPT);
      await writeLeadRow(store, lead, { SLA截止: null }, `withdraw:${a.id}`, now);
      await deps.cards.voidOpenCards(lead, 'assignment', members, now);
      return true;
    },
  };
}

export type Offers = ReturnType<typeof createOffers>;
