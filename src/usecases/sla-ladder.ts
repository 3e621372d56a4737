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
  /** the SLA's own due time (steps are offsets from it) */
  slaDueAt?: number;
}

export async function scheduleLadderStep(
  store: Store,
  calendar: WorkCalendar,
  o: { kind: SlaKind; leadId: number; ladder: ReadonlyArray<{ afterWorkingHours: number }>; index: number; slaDueAt: Date; subject: { assignmentId: number } | { cardId: number }; now: Date },
): Promise<void> {
  const step = o.ladder[o.index];
  if (!step) return;
  const id = 'cardId' in o.subject ? o.subject.cardId : o.subject.assignmentId;
  await store.timers.schedule({
    kind: o.kind,
    leadId: o.leadId,
    dueAt: addWorkingHours(calendar, o.slaDueAt, step.afterWorkingHours),
    payload: { ...o.subject, step: o.index, slaDueAt: o.slaDueAt.getTime() } satisfies LadderPayload,
    dedupeKey: o.index === 0 ? `${o.kind}:${id}` : `${o.kind}:${id}:${o.index}`,
    now: o.now,
  });
}
