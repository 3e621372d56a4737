import type { Journey } from '../journey.js';
import { type AssignmentFacts, type SlaRow, slaCompliance } from './assignments.js';
import { type MlgIndex, mlgIndex } from './channels.js';
import { velocity } from './funnel.js';
import { type Histories, indexByCode } from './histories.js';
import { DAY_MS, mainPath, wonStage } from './history.js';
import { stuckLeads, usualTimes } from './stuck.js';
import { isWorkingDay, type WorkCalendar } from '../work-calendar.js';

/**
 * The weekly digest's figures (docs/metrics.md#the-weekly-digest): what changed in one week against the
 * week before, for the boss's group. Pure: the weeks are given as instants, `now` is the end of the week.
 */
export const WEEK_MS = 7 * DAY_MS;

/** Monday 00:00 (local, a fixed UTC offset: Asia/Shanghai by default) of the week that contains `at`. */
export function weekStart(at: Date, utcOffsetMinutes = 480): Date {
  const shifted = at.getTime() + utcOffsetMinutes * 60_000;
  const midnight = Math.floor(shifted / DAY_MS) * DAY_MS;
  const dow = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(midnight - dow * DAY_MS - utcOffsetMinutes * 60_000);
}

/**
 * When the digest of the week before `week` (a Monday 00:00) goes out: on `weekday` (1 = Monday … 7)
 * of that week at `minutes` after local midnight, or, when that day is not a working day (a holiday), on
 * the next working day at that time. Looks at most 30 days ahead.
 */
export function digestTime(cal: WorkCalendar, week: Date, s: { weekday: number; minutes: number }): Date {
  const offset = cal.utcOffsetMinutes * 60_000;
  let day = week.getTime() + (s.weekday - 1) * DAY_MS;
  for (let i = 0; i < 30 && !isWorkingDay(cal, new Date(day + offset).toISOString().slice(0, 10)); i++) day += DAY_MS;
  return new Date(day + s.minutes * 60_000);
}

/**
 * The weeks whose digest is due at `now` and not yet done: each week start W (the digest reports the week
 * before W) whose time has come, after `doneWeek`, oldest first. A holiday can push two weeks' digests to
 * the same morning (春节); both are due then.
 */
export function dueDigests(cal: WorkCalendar, now: Date, s: { weekday: number; minutes: number }, doneWeek: Date | undefined): Array<{ week: Date; at: Date }> {
  const current = weekStart(now, cal.utcOffsetMinutes).getTime();
  const out: Array<{ week: Date; at: Date }> = [];
  for (let w = current - 4 * WEEK_MS; w <= current; w += WEEK_MS) {
    if (doneWeek && w <= doneWeek.getTime()) continue;
    const at = digestTime(cal, new Date(w), s);
    if (at <= now) out.push({ week: new Date(w), at });
  }
  return out;
}

/**
 * When lead i first reached each stage of the main path (reached as in the funnel: entering that stage
 * or any later one), as ms; index 0 is when it came in. -1: not reached. `pathIndex`: indexByCode(h, path).
 */
export function firstReached(h: Histories, i: number, pathIndex: Int32Array, pathLength: number): number[] {
  const out = new Array<number>(pathLength).fill(-1);
  out[0] = h.createdAt[i]!;
  for (let k = h.start[i]!; k < h.end[i]!; k++) {
    const at = h.at[k]!;
    for (let j = pathIndex[h.stage[k]!]!; j >= 0; j--) if (out[j]! < 0 || at < out[j]!) out[j] = at;
  }
  return out;
}

/**
 * For each week starting at `weeks[i]` (7 days each): how many leads first reached each stage of the main
 * path in it. `counts[i][j]`: week i, stage j of `path`.
 */
export function reachedByWeek(journey: Journey, h: Histories, weeks: readonly Date[]): { path: string[]; counts: number[][] } {
  const path = mainPath(journey);
  const pathIndex = indexByCode(h, path);
  const counts = weeks.map(() => path.map(() => 0));
  const starts = weeks.map((w) => w.getTime());
  for (let l = 0; l < h.size; l++) {
    const first = firstReached(h, l, pathIndex, path.length);
    for (let j = 0; j < path.length; j++) {
      const at = first[j]!;
      if (at < 0) continue;
      for (let i = 0; i < starts.length; i++) if (at >= starts[i]! && at < starts[i]! + WEEK_MS) counts[i]![j]!++;
    }
  }
  return { path, counts };
}

export interface StepPace {
  stage: string;
  next: string;
  /** moves forward from `stage` made in the week (null: none) */
  thisWeek: { count: number; medianDays: number } | null;
  lastWeek: { count: number; medianDays: number } | null;
}

export interface DigestFigures {
  /** the week reported: [from, to) */
  from: Date;
  to: Date;
  path: string[];
  /** per stage of the path: leads that first reached it this week and the week before */
  reached: Array<{ stage: string; thisWeek: number; lastWeek: number }>;
  /** the opportunity stage's row of `reached` (undefined: the journey has no such stage) */
  opportunities: { stage: string; thisWeek: number; lastWeek: number } | undefined;
  /** median days from each stage to the next, for the moves of this week and the week before */
  pace: StepPace[];
  /** the MLG index of the new customers won in the `mlgDays` before `to` (undefined: no won stage) */
  mlg: (MlgIndex & { days: number }) | undefined;
  /** the SLAs of the leads offered this week, as they stand at `to` */
  sla: { team: SlaRow; reps: SlaRow[] };
  /** leads past their stage's usual time at `to` */
  stuck: number;
  /** leads and opportunities per week, for the `trendWeeks` weeks up to this one (oldest first) */
  trend: Array<{ week: Date; leads: number; opportunities: number }>;
}

export interface DigestOptions {
  /** the week's first instant (Monday 00:00 local) */
  from: Date;
  isMarketing: (source: string | null) => boolean;
  /** the stage counted as an opportunity (default `opportunity`) */
  opportunity?: string;
  mlgDays?: number;
  trendWeeks?: number;
  stuck?: { percentile?: number; minSample?: number };
}

export function digestFigures(journey: Journey, leads: Histories, assignments: readonly AssignmentFacts[], o: DigestOptions): DigestFigures {
  const from = o.from;
  const to = new Date(from.getTime() + WEEK_MS);
  const lastFrom = new Date(from.getTime() - WEEK_MS);
  const trendWeeks = Math.max(2, o.trendWeeks ?? 8);
  const weeks = Array.from({ length: trendWeeks }, (_, i) => new Date(from.getTime() - (trendWeeks - 1 - i) * WEEK_MS));
  const { path, counts } = reachedByWeek(journey, leads, weeks);
  const thisWeek = counts[trendWeeks - 1]!;
  const lastWeek = counts[trendWeeks - 2]!;
  const reached = path.map((stage, j) => ({ stage, thisWeek: thisWeek[j]!, lastWeek: lastWeek[j]! }));
  const opp = path.indexOf(o.opportunity ?? 'opportunity');

  const paceOf = (f: Date, t: Date) => new Map(velocity(journey, leads, { from: f, to: t }).overall.map((r) => [r.stage, { count: r.count, medianDays: r.medianDays }]));
  const now = paceOf(from, to);
  const before = paceOf(lastFrom, from);
  const pace = path.slice(0, -1).map((stage, j) => ({ stage, next: path[j + 1]!, thisWeek: now.get(stage) ?? null, lastWeek: before.get(stage) ?? null }));

  const mlgDays = o.mlgDays ?? 90;
  const mlg = wonStage(journey) === undefined ? undefined : { ...mlgIndex(journey, leads, { isMarketing: o.isMarketing, from: new Date(to.getTime() - mlgDays * DAY_MS), to }), days: mlgDays };

  const offered = assignments.filter((a) => a.offeredAt >= from && a.offeredAt < to);
  // Stuck as of the week's end: only what was known then (stays that had ended, the stay each lead was in).
  const stuck = stuckLeads(journey, leads, usualTimes(journey, leads, { ...o.stuck, asOf: to }), to).length;

  return {
    from,
    to,
    path,
    reached,
    opportunities: opp > 0 ? reached[opp] : undefined,
    pace,
    mlg,
    sla: slaCompliance(offered, to),
    stuck,
    trend: weeks.map((week, i) => ({ week, leads: counts[i]![0]!, opportunities: opp > 0 ? counts[i]![opp]! : 0 })),
  };
}
