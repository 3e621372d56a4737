import { findStage, type Journey } from '../domain/journey.js';
import { type Member, isPersonId } from '../domain/people.js';
import { convertedStages, type RecycleRule, recycleRuleFor } from '../domain/pool.js';
import type { Text } from '../domain/text.js';
import type { WorkCalendar } from '../domain/work-calendar.js';
import type { Clock } from '../lib/clock.js';
import { fingerprint } from '../lib/fingerprint.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { AssignmentRow } from '../store/assignments-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createBackToPool } from './back-to-pool.js';
import { journeyNote } from './journey-notes.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { LeadPool } from './lead-pool.js';
import { companyName, followerOf, writeLeadRow } from './lead-row.js';
import type { Offers } from './offers.js';
import type { Protection } from './protection.js';
import { scheduleLadderStep, SLA_ACCEPT, SLA_FOLLOW_UP } from './sla-ladder.js';
import { leadEvents } from './lead-events.js';

/**
 * 离职交接: a person ticked 离职 in 销售团队 has their open leads (every stage but the closed ones) handed
 * over — to the person named in 交接给; without one (or one who cannot take leads) back to the pool,
 * except opportunities (商机 and beyond), which go to the leaver's manager. Stage, score, history,
 * nurture and re-engage timers stay with the lead; an accepted lead is the successor's at once (their
 * first-feedback SLA keeps its deadline, their 保护期 starts), a lead only offered is offered to them
 * with a new card; the leaver's open cards say who has it now. The manager gets one summary card.
 * Runs on every read of the team (idempotent: a lead is moved once, with a compare-and-set on its
 * assignment), each lead in its own transaction.
 */
export const HANDOVER_ACTOR = 'system:handover';

export interface HandoverDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  rules: AssignmentRules;
  recycle: () => readonly RecycleRule[];
  calendar: WorkCalendar;
  cards?: LeadCards;
  offers?: Offers;
  protection?: Protection;
  pool?: () => LeadPool | undefined;
  historyTableId: () => string | undefined;
  log: Logger;
}

interface Moved {
  key: string;
  company: string;
  stage: Text;
  /** the new owner; null: the pool; undefined: it stayed (nobody could take it) */
  to: string | null | undefined;
}

export function createHandover(deps: HandoverDeps) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'handover' });
  const converted = convertedStages(journey);
  const closed = new Set(journey.stages.filter((s) => s.kind === 'won' || s.kind === 'lost' || s.kind === 'disqualified').map((s) => s.id));
  const backToPool = createBackToPool({ store, journey, clock: deps.clock, ...(deps.pool ? { pool: deps.pool } : {}), historyTableId: deps.historyTableId });
  const stageText = (id: string | null): Text => (id ? (findStage(journey, id)?.label ?? { zh: id, en: id }) : { zh: '—', en: '—' });
  const takesLeads = (m: Member | undefined): boolean => !!m && !m.leaving && m.onDuty && m.roles.some((r) => deps.rules.candidateRoles.includes(r));

  /** Why the named successor cannot take the leads, if they cannot. */
  function successorProblem(leaver: Member, members: Members): Text | undefined {
    if (!leaver.successorId) return undefined;
    const s = members.get(leaver.successorId);
    const name = s?.name || leaver.successorId;
    if (!s) return { zh: `「交接给」${name} 不在销售团队中，线索按规则交接（回到公海，商机交给直属上级）`, en: `交接给 ${name} is not on the team: the leads went by the rules (the pool; opportunities to the manager)` };
    if (takesLeads(s)) return undefined;
    return {
      zh: `「交接给」${name} ${s.leaving ? '也已离职' : '不在岗或不是可分配线索的角色'}，线索按规则交接（回到公海，商机交给直属上级）`,
      en: `交接给 ${name} cannot take leads: they went by the rules (the pool; opportunities to the manager)`,
    };
  }

  /** (inside a transaction) One lead of the leaver's: to `to` (a person), or the pool (null). */
  async function handOne(lead: LeadRow, leaver: Member, live: AssignmentRow | undefined, to: string | null, members: Members, now: Date): Promise<boolean> {
    const company = companyName(lead);
    if (live && !(await store.assignments.withdraw(live.id, now))) return false; // someone else moved it first
    await deps.cards?.handedOver(lead, to, members, now);
    if (to === null) {
      const rule = recycleRuleFor(deps.recycle(), lead.stage, typeof lead.facts.source === 'string' ? lead.facts.source : '');
      await backToPool({
        lead,
        to: rule?.to,
        actor: HANDOVER_ACTOR,
        reason: `离职交接：${leaver.name} 离职，回到公海`,
        note: `离职交接：${leaver.name} 离职，线索回到公海`,
        why: { zh: `${leaver.name} 离职交接`, en: `${leaver.name} left` },
        key: `handover:${lead.id}:${live?.id ?? 'owner'}`,
        members,
        now,
      });
      return true;
    }
    const name = members.get(to)?.name || to;
    const why = `离职交接：${leaver.name} → ${name}`;
    if (live?.status === 'offered') {
      // only offered to the leaver: offered to the successor, with their own card and accept SLA
      await store.timers.cancelForLead(lead.id, SLA_ACCEPT);
      const { owner: typed, ...facts } = lead.facts;
      if (typed === leaver.id) await store.leads.setFacts(lead.id, facts, now); // 跟进人 typed as the leaver: no longer
      const offered = await deps.offers?.offerAssignment((await store.leads.get(lead.id))!, members, now, { anyStage: true, exclude: [leaver.id], decision: { kind: 'person', ownerId: to, rule: 'handover', why } });
      await writeLeadRow(store, lead, { ...(typed === leaver.id ? { 跟进人: null } : {}), 旅程备注: journeyNote(now, [`${why}（待认领）`]) }, `handover:${lead.id}:${live.id}`, now);
      return !!offered || !deps.offers;
    }
    // theirs: the successor owns it now; the first-feedback SLA keeps its deadline
    const a = await store.assignments.offer({ leadId: lead.id, ownerId: to, source: 'handover', acceptDueAt: null, why, now });
    const due = live?.followUpDueAt && live.followUpDueAt > now ? live.followUpDueAt : null;
    await store.assignments.accept(a.id, HANDOVER_ACTOR, due, now);
    await store.leads.setOwner(lead.id, to, now);
    await store.leads.setFacts(lead.id, { ...lead.facts, owner: to }, now);
    await leadEvents.assigned(store, { ...lead, ownerId: to }, a, now, { accepted: true });
    await store.timers.cancelForLead(lead.id, SLA_FOLLOW_UP);
    if (due) await scheduleLadderStep(store, deps.calendar, { kind: SLA_FOLLOW_UP, leadId: lead.id, ladder: deps.rules.escalation.followUp, index: 0, slaDueAt: due, subject: { assignmentId: a.id }, now });
    await writeLeadRow(store, lead, { 跟进人: to, SLA截止: due?.getTime() ?? null, 旅程备注: journeyNote(now, [why]) }, `handover:${lead.id}:${live?.id ?? 'owner'}`, now);
    await deps.protection?.refresh((await store.leads.get(lead.id))!, now);
    log.info({ lead: lead.leadKey, from: leaver.id, to, company }, 'lead handed over');
    return true;
  }

  /** Hand over one leaver's open leads; the summary card when something moved. */
  async function handOver(leaver: Member, members: Members, now: Date): Promise<number> {
    const problem = successorProblem(leaver, members);
    const successor = leaver.successorId && !problem ? leaver.successorId : undefined;
    const manager = takesManager(leaver, members);
    const lives = new Map((await store.assignments.liveOf(leaver.id)).map((a) => [a.leadId, a]));
    const ids = [...new Set([...lives.keys(), ...(await store.leads.idsOwnedBy(leaver.id))])].sort((a, b) => a - b);
    const moved: Moved[] = [];
    for (const id of ids) {
      const m = await store.transaction(async (): Promise<Moved | undefined> => {
        const lead = await store.leads.get(id);
        const live = (await store.assignments.current(id)) ?? undefined;
        if (!lead || lead.deletedAt || !lead.stage || closed.has(lead.stage)) return undefined;
        // held by the leaver: their live assignment, else the lead's owner, else 跟进人 as typed
        const heldBy = live?.ownerId ?? followerOf(lead);
        if (heldBy !== leaver.id) return undefined;
        const to = successor ?? (converted.has(lead.stage) ? (manager ?? undefined) : null);
        const item = { key: lead.leadKey, company: companyName(lead), stage: stageText(lead.stage) };
        if (to === undefined) return { ...item, to: undefined };
        return (await handOne(lead, leaver, live, to, members, now)) ? { ...item, to } : undefined;
      });
      if (m) moved.push(m);
    }
    const done = moved.filter((m) => m.to !== undefined);
    if (!done.length) return 0;
    const tell = leaver.managerId && members.get(leaver.managerId) ? [leaver.managerId] : [...members.values()].filter((m) => m.roles.includes('sales_director') && !m.leaving).map((m) => m.id);
    await store.transaction(async () => {
      await deps.cards?.handoverSummary(
        {
          leaver: leaver.id,
          successor: leaver.successorId ?? null,
          to: tell.filter(isPersonId),
          leads: done.map((m) => ({ key: m.key, company: m.company, stage: m.stage, to: m.to ?? null })),
          kept: moved.filter((m) => m.to === undefined).map((m) => ({ key: m.key, company: m.company, stage: m.stage })),
          ...(problem ? { successorProblem: problem } : {}),
        },
        members,
        `${leaver.id}:${fingerprint(done.map((m) => m.key))}`,
        now,
      );
    });
    log.info({ leaver: leaver.id, successor: successor ?? null, moved: done.length, kept: moved.length - done.length }, '离职交接 done / leads handed over');
    return done.length;
  }

  /** The leaver's manager, when they can hold leads (opportunities go to them without a successor). */
  function takesManager(leaver: Member, members: Members): string | undefined {
    const m = leaver.managerId ? members.get(leaver.managerId) : undefined;
    return m && !m.leaving ? m.id : undefined;
  }

  return {
    /** Every leaver's open leads, handed over (nothing to do: 0). */
    async run(members: Members, now: Date): Promise<number> {
      let n = 0;
      for (const m of members.values()) if (m.leaving) n += await handOver(m, members, now);
      return n;
    },
  };
}

export type Handover = ReturnType<typeof createHandover>;
