import type { Journey } from '../domain/journey.js';
import { convertedStages, daysLeft, protectionOf, type Protection as Span, type RecycleRule, recycleRuleFor } from '../domain/pool.js';
import { when } from '../domain/text.js';
import { localMidnight, type WorkCalendar } from '../domain/work-calendar.js';
import type { Clock } from '../lib/clock.js';
import { fingerprint } from '../lib/fingerprint.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRow } from '../store/assignments-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { createBackToPool } from './back-to-pool.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { LeadPool } from './lead-pool.js';
import { companyName, writeLeadRow } from './lead-row.js';
import { PROTECT_DAILY, PROTECT_RECYCLE, PROTECT_WARN } from './protection-kinds.js';
import { leadEvents } from './lead-events.js';

/**
 * 保护期 and recycling (回收规则): a lead a rep accepted or claimed is theirs while they follow it up.
 * Its protection runs from the latest real follow-up (an activity, a stage move, the claim or the
 * acceptance) for the rule's days, at most the rule's maximum after it became theirs; the row shows the
 * end (保护期至) and the days left (保护剩余天数, refreshed daily); the owner is told once, some days
 * before; then it goes back to the pool: owner cleared, the rule's pool stage, a 阶段历史 row, a pool card
 * as 群内推送 says. Converted leads (商机 and beyond) are never recycled.
 *
 * Durable timers carry it (a restart loses nothing): the recycle at the end, the warning before it, and
 * one pass a day for the days left. A timer that fires recomputes from the lead as it is now, so a
 * follow-up anywhere only has to be seen by then: it moves the timers on instead of recycling.
 */
export { PROTECT_DAILY, PROTECT_RECYCLE, PROTECT_WARN } from './protection-kinds.js';
export const RECYCLE_ACTOR = 'system:recycle';
/** 退回原因 recorded on the assignment a recycle ends (so 退回后禁领天数 applies to the rep too) */
export const RECYCLED_REASON = '保护期到期';

const DAY = 86_400_000;
const PAGE = 200;

export interface ProtectionDeps {
  store: Store;
  journey: Journey;
  rules: () => readonly RecycleRule[];
  calendar: WorkCalendar;
  clock: Clock;
  cards?: LeadCards;
  /** the pool, for the card a recycled lead may get (late-bound: the pool is built after this) */
  pool?: () => LeadPool | undefined;
  historyTableId: () => string | undefined;
  log: Logger;
}

interface State {
  rule: RecycleRule;
  a: AssignmentRow;
  span: Span;
  lastFollowUp: Date;
  /** when this protection began */
  ownedSince: Date;
}

export function createProtection(deps: ProtectionDeps) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'protection' });
  const converted = convertedStages(journey);
  const backToPool = createBackToPool({ store, journey, clock: deps.clock, ...(deps.pool ? { pool: deps.pool } : {}), historyTableId: deps.historyTableId });

  /**
   * The lead's protection: owned through an accepted assignment, not converted, a rule for its stage and
   * source. `since`: when the protection began — the claim or acceptance, or, for a lead already held
   * when a rule first applied to it (an upgrade, a new 回收规则 row), that moment: nobody loses a lead
   * the day the rules arrive.
   */
  async function stateOf(lead: LeadRow, since: Date): Promise<State | undefined> {
    if (!lead.ownerId || lead.deletedAt || !lead.stage || converted.has(lead.stage)) return undefined;
    const a = await store.assignments.current(lead.id);
    if (a?.status !== 'accepted' || a.ownerId !== lead.ownerId || !a.acceptedAt) return undefined;
    const rule = recycleRuleFor(deps.rules(), lead.stage, typeof lead.facts.source === 'string' ? lead.facts.source : '');
    if (!rule) return undefined;
    const ownedSince = new Date(Math.max(a.acceptedAt.getTime(), since.getTime()));
    const lastFollowUp = new Date(Math.max(ownedSince.getTime(), lead.lastActivityAt?.getTime() ?? 0, lead.stageEnteredAt?.getTime() ?? 0));
    return { rule, a, span: protectionOf(rule, { ownedSince, lastFollowUp }), lastFollowUp, ownedSince };
  }

  const payloadOf = (t: Timer) => t.payload as { assignmentId?: number; since?: number };
  /** When a timer's protection began (timers from before `since` was kept: the acceptance). */
  const sinceOf = (t: Timer) => new Date(payloadOf(t).since ?? 0);

  async function reschedule(kind: string, lead: LeadRow, st: State, dueAt: Date | null, pending: readonly Timer[], now: Date): Promise<void> {
    const { a, ownedSince } = st;
    const mine = pending.filter((t) => t.kind === kind);
    const same = (t: Timer) => t.dueAt.getTime() === dueAt?.getTime() && payloadOf(t).assignmentId === a.id && payloadOf(t).since === ownedSince.getTime();
    if (dueAt && mine.length === 1 && same(mine[0]!)) return;
    if (mine.length) await store.timers.cancelForLead(lead.id, kind);
    if (!dueAt) return;
    const key = `${kind}:${a.id}:${dueAt.getTime()}`;
    const payload = { assignmentId: a.id, since: ownedSince.getTime() };
    const t = await store.timers.schedule({ kind, leadId: lead.id, dueAt, payload, dedupeKey: key, now });
    // the same end again after a change and back (a rule edited twice): a timer of its own
    if (t.status !== 'pending') await store.timers.schedule({ kind, leadId: lead.id, dueAt, payload, dedupeKey: `${key}:${now.getTime()}`, now });
  }

  /**
   * (inside a transaction) Bring the lead's protection up to date: its timers and the row's 保护期至 and
   * 保护剩余天数 (cleared when it has none any more). Call it after anything that may follow a lead up or
   * end its ownership; a missed call is caught up when a timer fires or at the daily pass.
   */
  /** The protection as it stands, with its pending timers: the one in course keeps when it began; none in course begins now. */
  async function inCourse(lead: LeadRow, now: Date): Promise<{ st: State | undefined; pending: Timer[] }> {
    const pending = (await store.timers.pendingForLead(lead.id)).filter((t) => t.kind === PROTECT_RECYCLE || t.kind === PROTECT_WARN);
    const current = (await store.assignments.current(lead.id))?.id;
    const ongoing = pending.find((t) => payloadOf(t).assignmentId === current);
    return { st: await stateOf(lead, ongoing ? sinceOf(ongoing) : now), pending };
  }

  async function refresh(lead: LeadRow, now: Date): Promise<Span | undefined> {
    const { st, pending } = await inCourse(lead, now);
    if (!st) {
      if (pending.length) {
        await store.timers.cancelForLead(lead.id, PROTECT_RECYCLE);
        await store.timers.cancelForLead(lead.id, PROTECT_WARN);
        await writeLeadRow(store, lead, { 保护期至: null, 保护剩余天数: null }, `protect-end:${lead.id}:${now.getTime()}`, now);
      }
      return undefined;
    }
    const { a, span } = st;
    await reschedule(PROTECT_RECYCLE, lead, st, span.until, pending, now);
    // a warning whose time has come but which has not fired yet (due in this same sweep) is kept
    const warnDue = pending.some((t) => t.kind === PROTECT_WARN && t.dueAt.getTime() === span.warnAt?.getTime() && (t.payload as { assignmentId?: number }).assignmentId === a.id);
    await reschedule(PROTECT_WARN, lead, st, span.warnAt && (span.warnAt > now || warnDue) ? span.warnAt : null, pending, now);
    const left = daysLeft(span.until, now);
    await writeLeadRow(store, lead, { 保护期至: span.until.getTime(), 保护剩余天数: left }, `protect:${a.id}:${span.until.getTime()}:${left}`, now);
    // the days left change at midnight: one pass a day (scheduled once per day, whoever comes first)
    const tomorrow = localMidnight(deps.calendar, new Date(localMidnight(deps.calendar, now).getTime() + DAY + 3_600_000));
    await store.timers.schedule({ kind: PROTECT_DAILY, dueAt: tomorrow, dedupeKey: `${PROTECT_DAILY}:${tomorrow.getTime()}`, now });
    return span;
  }

  /** (inside a transaction) The protection ran out: back to the pool. */
  async function recycle(lead: LeadRow, st: State, members: Members, now: Date): Promise<boolean> {
    const { a, rule } = st;
    if (!(await store.assignments.markReturned(a.id, RECYCLED_REASON, null, now))) return false;
    await leadEvents.returned(store, lead, a, { reason: RECYCLED_REASON, note: null, by: RECYCLE_ACTOR }, now);
    const owner = members.get(a.ownerId)?.name || a.ownerId;
    const maxed = rule.maxDays !== undefined && st.span.until.getTime() === st.ownedSince.getTime() + rule.maxDays * DAY;
    const why = maxed ? `已满最长保护 ${rule.maxDays} 天（回收规则「${rule.name}」）` : `${rule.days} 天未跟进（最近跟进 ${when(st.lastFollowUp)}，回收规则「${rule.name}」）`;
    const moved = await backToPool({
      lead,
      to: rule.to,
      actor: RECYCLE_ACTOR,
      reason: `保护期到期回收：${why}`,
      note: `${owner} 的保护期到期，回到公海：${why}`,
      why: { zh: `${owner} 的保护期到期回收`, en: `${owner}'s protection ended` },
      key: `recycle:${a.id}`,
      members,
      now,
    });
    await deps.cards?.notify(a.ownerId, { zh: `${lead.leadKey}「${companyName(lead)}」保护期到期，已回收到公海：${why}`, en: `${lead.leadKey} ${companyName(lead)}: protection ended, back in the pool` }, `recycled:${a.id}`, now);
    log.info({ lead: lead.leadKey, owner: a.ownerId, rule: rule.name, to: moved.stage }, 'protection ended; lead recycled to the pool');
    return true;
  }

  /** Timer handler: the end of a protection (recycle, or move the timers on if it was extended). */
  function onRecycle(timer: Timer, now: Date, members: Members): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (!(await store.timers.markFired(timer.id, now))) return 'skipped';
      const lead = timer.leadId === null ? undefined : await store.leads.get(timer.leadId);
      if (!lead) return 'skipped';
      const st = await stateOf(lead, sinceOf(timer));
      if (!st || st.a.id !== payloadOf(timer).assignmentId || st.span.until > now) {
        await refresh(lead, now);
        return 'skipped';
      }
      return (await recycle(lead, st, members, now)) ? 'sent' : 'skipped';
    });
  }

  /** Timer handler: tell the owner, once per end, that the protection is about to run out. */
  function onWarn(timer: Timer, now: Date): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (!(await store.timers.markFired(timer.id, now))) return 'skipped';
      const lead = timer.leadId === null ? undefined : await store.leads.get(timer.leadId);
      if (!lead) return 'skipped';
      const st = await stateOf(lead, sinceOf(timer));
      if (!st || st.a.id !== payloadOf(timer).assignmentId || !st.span.warnAt || st.span.warnAt > now || st.span.until <= now) {
        await refresh(lead, now);
        return 'skipped';
      }
      const left = daysLeft(st.span.until, now);
      await deps.cards?.notify(
        st.a.ownerId,
        {
          zh: `${lead.leadKey}「${companyName(lead)}」保护期还剩 ${left} 天（${when(st.span.until)} 到期）：记录一次跟进（活动或推进阶段）即可延长，否则将回收到公海`,
          en: `${lead.leadKey} ${companyName(lead)}: ${left} days of protection left (ends ${when(st.span.until)}); log a follow-up (an activity or a stage move) to keep it, or it goes back to the pool`,
        },
        `recycle-warn:${st.a.id}:${st.span.until.getTime()}`,
        now,
      );
      await refresh(lead, now);
      return 'sent';
    });
  }

  /**
   * Timer handler: once a day (and once after 回收规则 changed), every lead a rep holds — the days left,
   * and the protection by the rules in force — page by page, each lead in its own transaction.
   */
  async function onDaily(timer: Timer, now: Date): Promise<'sent' | 'skipped'> {
    if (!(await store.timers.markFired(timer.id, now))) return 'skipped';
    let after = 0;
    let n = 0;
    for (;;) {
      const page = await store.assignments.acceptedPage(after, PAGE);
      if (!page.length) break;
      after = page.at(-1)!.id;
      for (const a of page) {
        await store.transaction(async () => {
          const lead = await store.leads.get(a.leadId);
          if (lead) await refresh(lead, now);
        });
        n++;
      }
    }
    log.info({ leads: n }, 'protection days left refreshed');
    return 'sent';
  }

  /** (inside a transaction) 回收规则 changed: a pass over the leads reps hold, now (once per set of rules). */
  async function rulesChanged(now: Date): Promise<void> {
    await store.timers.schedule({ kind: PROTECT_DAILY, dueAt: now, dedupeKey: `${PROTECT_DAILY}:rules:${fingerprint(deps.rules())}`, now });
  }

  return { refresh, onRecycle, onWarn, onDaily, rulesChanged, spanOf: async (lead: LeadRow, now: Date) => (await inCourse(lead, now)).st?.span };
}

export type Protection = ReturnType<typeof createProtection>;
