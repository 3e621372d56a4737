import { addWorkingHours, type WorkCalendar } from '../domain/work-calendar.js';
import type { Store } from '../store/store.js';

/**
 * The durable timers of an SLA's escalation ladder (assignment.json `escalation`): step `index` fires
 * `afterWorkingHours` working hours after the SLA's due time. One place schedules every step — the
 * first when the SLA starts (an offer, an accept, an approval request), each next one when the step
 * before it was taken — with a dedupe key, so scheduling the same step twice keeps one timer.
 */
export const SLA_ACCEPT = 'sla.accept';
export const SLA_FOLLOW_UP = 'sla.follow_up';
export const SLA_APPROVAL = 'sla.approval';
export type SlaKind = typeof SLA_ACCEPT | typeof SLA_FOLLOW_UP | typeof SLA_APPROVAL;

export interface LadderPayload {
  /** sla.accept / sla.follow_up: the assignment */
  assignmentId?: number;
  /** sla.approval: the approval card */
  cardId?: number;
  /** index in the ladder */
  step?: number;
  /** the step (remind, manager, reassign): found by name when the ladder was edited since (SLA 策略) */
  name?: string;
  /** the SLA's own due time (steps are offsets from it) */
  slaDueAt?: number;
}

export async function scheduleLadderStep(
  store: Store,
  calendar: WorkCalendar,
  o: { kind: SlaKind; leadId: number; ladder: ReadonlyArray<{ step: string; afterWorkingHours: number }>; index: number; slaDueAt: Date; subject: { assignmentId: number } | { cardId: number }; now: Date },
): Promise<void> {
  const step = o.ladder[o.index];
  if (!step) return;
  const id = 'cardId' in o.subject ? o.subject.cardId : o.subject.assignmentId;
  await store.timers.schedule({
    kind: o.kind,
    leadId: o.leadId,
    dueAt: addWorkingHours(calendar, o.slaDueAt, step.afterWorkingHours),
    payload: { ...o.subject, step: o.index, name: step.step, slaDueAt: o.slaDueAt.getTime() } satisfies LadderPayload,
    // by the step's name, not its place: a ladder edited while it runs cannot make two steps share a key
    dedupeKey: `${o.kind}:${id}:${step.step}`,
    now: o.now,
  });
}

/**
 * Which step of the ladder in force a timer stands for: the step it was scheduled as, found by name (the
 * ladder may have been edited in the SLA 策略 table since; -1 when that step was taken out), or by
 * position for a timer scheduled before steps carried their name.
 */
export function ladderIndex(ladder: ReadonlyArray<{ step: string }>, p: LadderPayload): number {
  return p.name ? ladder.findIndex((s) => s.step === p.name) : (p.step ?? 0);
}

/**
 * A timer whose step was taken out of the ladder (SLA 策略 edited while the SLA ran): the ladder goes
 * on with the first step in force that falls after this timer's time, so editing a ladder neither
 * drops the rest of it nor takes a later step early.
 */
export async function resumeLadder(
  store: Store,
  calendar: WorkCalendar,
  o: { kind: SlaKind; leadId: number; ladder: ReadonlyArray<{ step: string; afterWorkingHours: number }>; slaDueAt: Date; firedDueAt: Date; subject: { assignmentId: number } | { cardId: number }; now: Date },
): Promise<void> {
  const index = o.ladder.findIndex((s) => addWorkingHours(calendar, o.slaDueAt, s.afterWorkingHours).getTime() > o.firedDueAt.getTime());
  if (index >= 0) await scheduleLadderStep(store, calendar, { ...o, index });
}

/** The ladder step a timer fires (remind, manager, reassign …), when it is an SLA's timer. */
export function slaStepOf(t: { kind: string; payload: unknown }): string | undefined {
  if (t.kind !== SLA_ACCEPT && t.kind !== SLA_FOLLOW_UP && t.kind !== SLA_APPROVAL) return undefined;
  const name = (t.payload as LadderPayload | null)?.name;
  return typeof name === 'string' && /^[a-z_]{1,32}$/.test(name) ? name : 'unknown';
}
