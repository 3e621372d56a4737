import { findStage, type Journey } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Router } from '../routing/router.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { AdvanceOnScore } from './advance-on-score.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import type { Offers } from './offers.js';
import type { LeadPool } from './lead-pool.js';
import type { Protection } from './protection.js';
import type { CheckCollision } from './collisions.js';
import type { LeadCards, Members } from './lead-cards.js';
import { writeStageMove } from './lead-row.js';
import type { Scoring } from './score-lead.js';

/**
 * What the lead engine does when something happens to a lead, in one place for every way in (a row
 * typed into the Bitable, an edit, an activity; later the intake API and imports): score it, route a
 * new one (the pool, or a rep at once), and move it on when the score says so. Each call runs inside
 * the caller's transaction.
 */
export interface LeadEngineDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  scoring: Scoring;
  advance: AdvanceOnScore;
  router?: Router;
  cards?: LeadCards;
  /** who a lead is offered to (absent: no offers) */
  offers?: Offers;
  /** a lead routed to the pool may be offered to the group on a pool card */
  pool?: LeadPool;
  /** an activity is a follow-up: it extends the owner's 保护期 */
  protection?: Protection;
  /** 撞单: a new lead matching one someone follows */
  collisions?: CheckCollision;
  historyTableId: () => string | undefined;
  log: Logger;
}

export interface ActivityIn {
  type: string;
  at: Date;
  /** the sender's id for it: the same key twice is one activity */
  key: string;
  detail?: string;
}

export const ROUTING_ACTOR = 'system:routing';

/**
 * How an activity that came before its lead names it (activities.lead_ref): by 线索编号, E.164 phone or
 * lower-case e-mail. A lead picks up the activities waiting under any of its own.
 */
export const activityRef = (by: 'key' | 'phone' | 'email', value: string): string => `${by}:${value}`;
const activityRefsOf = (lead: LeadRow): string[] => [activityRef('key', lead.leadKey), ...(lead.phoneKey?.startsWith('+') ? [activityRef('phone', lead.phoneKey)] : []), ...(lead.emailKey ? [activityRef('email', lead.emailKey)] : [])];

export function createLeadEngine(deps: LeadEngineDeps) {
  const { store, journey, scoring, advance } = deps;
  const changeStage = createChangeStage(deps);
  const label = (id: string) => findStage(journey, id)?.label.zh ?? id;

  /**
   * A new lead at the first stage that nobody owns yet goes where the 新线索 routing rules say: to the
   * nurture pool (a low-score download), or offered to a rep at once (a website inquiry, a rep's shared
   * content). No rule: it waits for its hand-off.
   */
  async function routeNew(lead: LeadRow, members: Members, now: Date): Promise<void> {
    if (!deps.router || lead.stage !== journey.initial || lead.facts.owner) return;
    const d = await deps.router.pick(lead, members, { when: 'new', now });
    if (d.kind === 'person') {
      await deps.offers?.offerAssignment(lead, members, now, { anyStage: true, decision: d });
      return;
    }
    if (d.kind === 'none') {
      // a rule matched but nobody can take it: it waits for room (no rule: it waits for its hand-off)
      if (d.rule !== undefined) await deps.offers?.waitForOwner(lead, 'new', d.why, now, { offHours: d.offHours === true });
      return;
    }
    const to = journey.transitions.find((t) => t.from === lead.stage && findStage(journey, t.to)?.kind === 'nurture')?.to;
    if (!to) return;
    const r = await changeStage({ leadId: lead.id, to, actor: { id: ROUTING_ACTOR, roles: [] }, reason: d.why });
    if (!r.ok || r.value.outcome.status !== 'applied') {
      deps.log.warn({ lead: lead.leadKey, to, why: r.ok ? r.value.outcome.status : r.error.code }, 'routing to the pool was not applied');
      return;
    }
    await writeStageMove(store, {
      lead: r.value.lead,
      move: { from: label(lead.stage), to: label(to), label: r.value.outcome.label, reason: d.why },
      actorId: undefined,
      historyTableId: deps.historyTableId(),
      writeStage: true,
      extra: { 旅程备注: journeyNote(now, [d.why]) },
      now,
      key: `route-pool:${lead.id}`,
    });
    await deps.pool?.entered(r.value.lead, { returned: false, why: { zh: d.why, en: d.why }, key: 'routed' }, members, now);
  }

  /**
   * Activities that arrived for this lead before it existed (POST /api/activities naming its 线索编号,
   * phone or e-mail) are its now, and scored; how many.
   */
  async function attachWaiting(lead: LeadRow, now: Date): Promise<number> {
    let n = 0;
    for (const ref of activityRefsOf(lead)) {
      for (const a of await store.activities.unattached(ref)) {
        if (!(await store.activities.attach(a.id, lead.id))) continue;
        await scoring.scoreActivity((await store.leads.get(lead.id))!, { type: a.type, at: a.occurredAt, key: a.sourceKey, ...(a.detail ? { detail: a.detail } : {}) }, now);
        n++;
      }
    }
    return n;
  }

  /** An activity already recorded as the lead's: its points, on if they say so, and the owner's 保护期 extended. */
  async function onActivityRecorded(lead: LeadRow, a: ActivityIn, members: Members, now: Date): Promise<void> {
    const before = (await store.leads.get(lead.id))?.score ?? lead.score;
    const points = await scoring.scoreActivity(lead, a, now);
    if (points > 0) await advance(lead, before, members, now);
    await deps.protection?.refresh((await store.leads.get(lead.id))!, now);
  }

  return {
    onActivityRecorded,
    /** A lead just came in: profile score and grade, silence clock, activities that waited for it, routing, and on if the score says so. */
    async onNewLead(lead: LeadRow, members: Members, now: Date): Promise<void> {
      await scoring.rescore(lead, now);
      await attachWaiting((await store.leads.get(lead.id))!, now);
      await deps.collisions?.((await store.leads.get(lead.id))!, members, now);
      await routeNew((await store.leads.get(lead.id))!, members, now);
      await advance(lead, 0, members, now);
    },
    /**
     * People edited the lead's facts (source, industry, size …): the profile points follow, and a lead
     * nobody has yet is placed on what it says now: at the first stage it is routed again (a person
     * typing the row cell by cell fills 来源渠道 after the minimum facts made it a lead); at a hand-off
     * stage a 跟进人 typed in (a manager picking the owner nobody accepted) is offered the lead.
     */
    async onFactsChanged(lead: LeadRow, members: Members, now: Date): Promise<void> {
      const before = lead.score;
      if (await scoring.rescore(lead, now)) await advance(lead, before, members, now);
      const fresh = (await store.leads.get(lead.id))!;
      if (fresh.ownerId || (await store.assignments.current(fresh.id))) return;
      if (fresh.stage === journey.initial) await routeNew(fresh, members, now);
      else if (typeof fresh.facts.owner === 'string') await deps.offers?.offerAssignment(fresh, members, now);
    },
    /** An activity of the lead; false when it was already recorded. */
    async onActivity(lead: LeadRow, a: ActivityIn, members: Members, now: Date): Promise<boolean> {
      if (!(await store.activities.add({ leadId: lead.id, type: a.type, at: a.at, key: a.key, ...(a.detail ? { detail: a.detail } : {}), now }))) return false;
      await onActivityRecorded(lead, a, members, now);
      return true;
    },
  };
}

export type LeadEngine = ReturnType<typeof createLeadEngine>;
