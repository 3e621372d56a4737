import { addWorkingTime, type WorkCalendar } from './work-calendar.js';

/**
 * Nurture sequences on each lead's own clock (docs/domain.md#nurture-培育步骤): a step is due `day` days after the
 * lead entered one of its stages (触发 进入阶段), or after `day` days without any activity while in one
 * of them (触发 沉默: the 30/45/60-day re-activation). Pure: the plan for a lead's present state, and
 * the verdict at fire time on whether a step still applies. A step keyed by its anchor (the stage entry,
 * or the last activity) is planned once per anchor, so re-planning never repeats one; a new entry or a
 * new activity is a new anchor, and a new run of the sequence.
 */
export type NurtureTrigger = 'stage' | 'silence';
export interface NurtureStep {
  name: string;
  sequence: string;
  trigger: NurtureTrigger;
  stages: string[];
  day: number;
  action: 'card' | 'webhook';
  content: string;
  /** 'owner' and/or role ids, in order: the first that names someone receives the card */
  recipients: string[];
  url?: string;
  stopOnActivity: boolean;
  stopOnAssignment: boolean;
}

export interface NurtureLead {
  id: number;
  stage: string | null;
  stageEnteredAt: Date | null;
  lastActivityAt: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface PlannedStep {
  stepKey: string;
  trigger: NurtureTrigger;
  /** the stage entry (ms) for 进入阶段, the start of the silence (ms) for 沉默 */
  anchor: number;
  stage: string;
  dueAt: Date;
  dedupeKey: string;
}

const DAY = 86_400_000;

/** A step's identity in its table: editing its day makes it another step (the old one no longer fires). */
export const stepKeyOf = (s: Pick<NurtureStep, 'sequence' | 'name' | 'day'>): string => `${s.sequence}:${s.name}:${s.day}`;

/** Silence is counted from the last activity, or from when the lead came in. */
export const silentSince = (l: Pick<NurtureLead, 'lastActivityAt' | 'createdAt'>): number => (l.lastActivityAt ?? l.createdAt).getTime();

/**
 * The steps due for the lead as it is now. A reminder card for a person comes at the first working
 * moment on or after its time (not on a Sunday night); a webhook for a machine comes at its time.
 */
export function planNurture(steps: readonly NurtureStep[], lead: NurtureLead, cal: WorkCalendar): PlannedStep[] {
  if (!lead.stage || lead.deletedAt) return [];
  const out: PlannedStep[] = [];
  for (const s of steps) {
    if (!s.stages.includes(lead.stage)) continue;
    const anchor = s.trigger === 'stage' ? lead.stageEnteredAt?.getTime() : silentSince(lead);
    if (anchor === undefined) continue;
    const at = new Date(anchor + s.day * DAY);
    const stepKey = stepKeyOf(s);
    // a silence run is the same across the stages it covers; a stage run belongs to one entry
    const scope = s.trigger === 'stage' ? `stage:${lead.stage}@${anchor}` : `silence@${anchor}`;
    out.push({ stepKey, trigger: s.trigger, anchor, stage: lead.stage, dueAt: s.action === 'card' ? addWorkingTime(cal, at, 0) : at, dedupeKey: `nurture:${lead.id}:${scope}:${stepKey}` });
  }
  return out;
}

export type NurtureVerdict = { go: true; step: NurtureStep } | { go: false; why: 'gone' | 'rule_changed' | 'stage_changed' | 'not_silent' | 'activity' | 'assigned' };

/**
 * At fire time: does the planned step still apply? The lead must still be where the plan put it (same
 * stage entry, or the same silence), the step must still be configured, and a sequence that stops on
 * activity or assignment ends when one came after the lead entered the stage.
 */
export function nurtureVerdict(steps: readonly NurtureStep[], lead: NurtureLead | undefined, p: Pick<PlannedStep, 'stepKey' | 'trigger' | 'anchor'>, lastAssignedAt: Date | null): NurtureVerdict {
  if (!lead || lead.deletedAt || !lead.stage) return { go: false, why: 'gone' };
  const step = steps.find((s) => stepKeyOf(s) === p.stepKey && s.trigger === p.trigger);
  if (!step) return { go: false, why: 'rule_changed' };
  if (!step.stages.includes(lead.stage)) return { go: false, why: 'stage_changed' };
  if (p.trigger === 'silence') return silentSince(lead) === p.anchor ? { go: true, step } : { go: false, why: 'not_silent' };
  if (lead.stageEnteredAt?.getTime() !== p.anchor) return { go: false, why: 'stage_changed' };
  if (step.stopOnActivity && lead.lastActivityAt && lead.lastActivityAt.getTime() > p.anchor) return { go: false, why: 'activity' };
  if (step.stopOnAssignment && lastAssignedAt && lastAssignedAt.getTime() >= p.anchor) return { go: false, why: 'assigned' };
  return { go: true, step };
}
