import type { Journey } from '../domain/journey.js';
import { announces, claimRefusal, poolOf, type PoolRule } from '../domain/pool.js';
import type { Text } from '../domain/text.js';
import { when } from '../domain/text.js';
import { addWorkingDays, localMidnight, type WorkCalendar } from '../domain/work-calendar.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { followerOf } from './lead-row.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { Protection } from './protection.js';
import { scheduleLadderStep, SLA_FOLLOW_UP } from './sla-ladder.js';
import { leadEvents } from './lead-events.js';

/**
 * The lead pool (公海). A lead that comes back to it is offered in the group on a card (as the pool's
 * 群内推送 says). A rep claims a lead from the pool: from the grid (ticking 领取) or that card. The pool's rules
 * (公海规则: daily claims, leads held, days before a lead given back may be claimed again) are checked,
 * then the lead becomes theirs with a compare-and-set on its owner, so of two claims at once exactly one
 * wins and the other is told who. A claim is an accepted assignment (source `claim`): the first-feedback
 * SLA starts, capacity and history count it like any other. Runs inside the caller's transaction; the
 * caller writes the row fields it returns (with its own key).
 */
export type ClaimOutcome = { won: true; fields: Record<string, unknown>; note: string; pool: string; followUpDueAt: Date } | { won: false; why: Text; ownerId: string | null };

export interface LeadPoolDeps {
  store: Store;
  journey: Journey;
  pools: () => readonly PoolRule[];
  rules: AssignmentRules;
  calendar: WorkCalendar;
  /** the group's cards (absent: no pool cards) */
  cards?: LeadCards;
  /** a claimed lead's 保护期 starts */
  protection?: Protection;
  log: Logger;
}

/** The pool's caps as a line for its card. */
export function limitsText(rule: PoolRule): Text | undefined {
  const parts: Text[] = [];
  if (rule.perDay !== undefined) parts.push({ zh: `每人每天最多领取 ${rule.perDay} 条`, en: `at most ${rule.perDay} claims a day each` });
  if (rule.holding !== undefined) parts.push({ zh: `跟进中的线索达到 ${rule.holding} 条时不能再领取`, en: `no claims while following ${rule.holding} open leads` });
  if (rule.reclaimAfterDays > 0) parts.push({ zh: `自己退回的线索 ${rule.reclaimAfterDays} 天内不能领回`, en: `a lead you gave back can be claimed again after ${rule.reclaimAfterDays} days` });
  return parts.length
    ? {
        zh: `${parts.map((p) => p.zh).join('；')}。`,
        en: `${parts
          .map((p) => p.en)
          .join('; ')
          .replace(/^./, (c) => c.toUpperCase())}.`,
      }
    : undefined;
}

export function createLeadPool(deps: LeadPoolDeps) {
  const { store } = deps;
  // leads a rep holds: those still being worked (open and nurture stages)
  const held = deps.journey.stages.filter((s) => s.kind === 'open' || s.kind === 'nurture').map((s) => s.id);

  /** (inside a transaction) `personId` claims `lead`. */
  async function claim(lead: LeadRow, personId: string, members: Members, now: Date): Promise<ClaimOutcome> {
    const me = members.get(personId);
    const owner = followerOf(lead);
    const rule = poolOf(deps.pools(), lead.stage);
    const why = claimRefusal({
      rule,
      ownerName: owner === null ? null : members.get(owner)?.name || owner,
      canTakeLeads: !!me && me.roles.some((r) => deps.rules.candidateRoles.includes(r)),
      claimedToday: await store.assignments.claimsSince(personId, localMidnight(deps.calendar, now)),
      holding: await store.assignments.holding(personId, held),
      returnedAt: await store.assignments.returnedBy(lead.id, personId),
      now,
    });
    if (why) return { won: false, why, ownerId: owner };
    if (!(await store.leads.claimOwner(lead.id, personId, now))) {
      const winner = (await store.leads.get(lead.id))?.ownerId ?? null;
      const name = winner ? members.get(winner)?.name || winner : '—';
      return { won: false, why: { zh: `已被 ${name} 领取`, en: `${name} claimed it first` }, ownerId: winner };
    }
    const followUpDueAt = addWorkingDays(deps.calendar, now, deps.rules.followUpWithinWorkingDays);
    const a = await store.assignments.offer({ leadId: lead.id, ownerId: personId, source: 'claim', acceptDueAt: null, why: `从公海「${rule!.name}」领取`, now });
    await store.assignments.accept(a.id, personId, followUpDueAt, now);
    await store.leads.setFacts(lead.id, { ...lead.facts, owner: personId }, now);
    await scheduleLadderStep(store, deps.calendar, { kind: SLA_FOLLOW_UP, leadId: lead.id, ladder: deps.rules.escalation.followUp, index: 0, slaDueAt: followUpDueAt, subject: { assignmentId: a.id }, now });
    const claimed = (await store.leads.get(lead.id))!;
    await leadEvents.assigned(store, claimed, a, now, { accepted: true });
    await deps.cards?.claimedPoolCards(claimed, personId, members, now);
    await deps.protection?.refresh(claimed, now);
    const note = `${me!.name || personId} 从公海「${rule!.name}」领取，首次跟进反馈截止 ${when(followUpDueAt)}`;
    deps.log.info({ lead: lead.leadKey, owner: personId, pool: rule!.name }, 'lead claimed from the pool');
    return { won: true, fields: { 跟进人: personId, SLA截止: followUpDueAt.getTime(), 领取: false }, note, pool: rule!.name, followUpDueAt };
  }

  /**
   * (inside a transaction) The lead may have entered a pool with nobody following it: when the pool's
   * 群内推送 says so (`returned`: someone followed it before), a card offers it to the group, once per
   * `key` (the event that put it there).
   */
  async function entered(lead: LeadRow, o: { returned: boolean; why: Text; key: string }, members: Members, now: Date): Promise<boolean> {
    const rule = poolOf(deps.pools(), lead.stage);
    if (!rule || followerOf(lead) !== null || !announces(rule, o.returned) || !deps.cards) return false;
    const limits = limitsText(rule);
    return !!(await deps.cards.poolCard(lead, { pool: rule.name, why: o.why, ...(limits ? { limits } : {}) }, members, o.key, now));
  }

  /** Whether the lead is in a pool now (nobody follows it, its stage is a pool's). */
  const inPool = (lead: LeadRow): boolean => followerOf(lead) === null && poolOf(deps.pools(), lead.stage) !== undefined;

  return { claim, entered, inPool };
}

export type LeadPool = ReturnType<typeof createLeadPool>;
