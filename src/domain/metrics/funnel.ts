import type { Journey } from '../journey.js';
import { DAY_MS, type LeadHistory, mainPath, mean, monthOf, percentile, ratio, visitsOf } from './history.js';

/**
 * Funnel conversion and stage velocity (docs/metrics.md). A lead has "reached" a stage of the main path
 * when it entered it or any stage after it (a lead adopted at SQL counts as a lead and an MQL too); every
 * lead reached the first stage. Conversion of a step is reached(stage) ÷ reached(previous stage).
 */
export interface FunnelStep {
  stage: string;
  reached: number;
  /** reached ÷ the previous stage's reached (undefined for the first, or when that is 0) */
  fromPrevious: number | undefined;
  /** reached ÷ the first stage's reached */
  fromFirst: number | undefined;
}

/** How far along the main path a lead ever got (an index into `path`; 0 at least). */
export function furthest(path: readonly string[], lead: LeadHistory): number {
  let best = 0;
  for (const t of lead.transitions) best = Math.max(best, path.indexOf(t.to));
  return best;
}

export function funnel(journey: Journey, leads: readonly LeadHistory[]): FunnelStep[] {
  const path = mainPath(journey);
  const reached = path.map(() => 0);
  for (const lead of leads) {
    const f = furthest(path, lead);
    for (let i = 0; i <= f; i++) reached[i]!++;
  }
  return path.map((stage, i) => ({ stage, reached: reached[i]!, fromPrevious: i ? ratio(reached[i]!, reached[i - 1]!) : undefined, fromFirst: ratio(reached[i]!, reached[0]!) }));
}

/** The funnel of each group of leads (a cohort month, a source), groups in the order first met. */
export function funnelBy(journey: Journey, leads: readonly LeadHistory[], group: (lead: LeadHistory) => string): Map<string, FunnelStep[]> {
  const groups = new Map<string, LeadHistory[]>();
  for (const lead of leads) {
    const k = group(lead);
    const list = groups.get(k);
    if (list) list.push(lead);
    else groups.set(k, [lead]);
  }
  return new Map([...groups].map(([k, list]) => [k, funnel(journey, list)]));
}

/** The cohort of a lead: the month it came in (Asia/Shanghai). */
export const cohortOf = (lead: LeadHistory) => monthOf(lead.createdAt);
export const UNKNOWN_SOURCE = '（未填写）';
export const sourceOf = (lead: LeadHistory) => lead.source?.trim() || UNKNOWN_SOURCE;

/** Conversion between any two stages of a funnel (e.g. MQL → 商机): reached(to) ÷ reached(from). */
export function conversion(steps: readonly FunnelStep[], from: string, to: string): number | undefined {
  const a = steps.find((s) => s.stage === from);
  const b = steps.find((s) => s.stage === to);
  return a && b ? ratio(b.reached, a.reached) : undefined;
}

export interface VelocityRow {
  /** the stage left */
  stage: string;
  /** the month the lead moved on ("2026-11"), or 'all' */
  month: string;
  /** stays that ended moving forward along the main path */
  count: number;
  meanDays: number;
  medianDays: number;
}

/**
 * Stage velocity: days from entering a stage to moving on from it along the main path, per month of the
 * move and over all months. Each stay counts on its own: a lead back at MQL for the second time
 * ("MQL-02") is timed from that second entry, and a stay that ended going back or aside (recycled to
 * 培育池, returned, lost) is not a move forward and is not counted. `from`/`to`: only moves in [from, to).
 */
export function velocity(journey: Journey, leads: readonly LeadHistory[], o: { from?: Date; to?: Date } = {}): { byMonth: VelocityRow[]; overall: VelocityRow[] } {
  const path = mainPath(journey);
  const days = new Map<string, number[]>();
  const add = (key: string, d: number) => {
    const list = days.get(key);
    if (list) list.push(d);
    else days.set(key, [d]);
  };
  for (const lead of leads) {
    for (const v of visitsOf(lead)) {
      const at = path.indexOf(v.stage);
      if (at < 0 || !v.to || !v.next || path.indexOf(v.next) <= at) continue;
      if ((o.from && v.to < o.from) || (o.to && v.to >= o.to)) continue;
      const d = (v.to.getTime() - v.from.getTime()) / DAY_MS;
      add(`${v.stage}\u0000${monthOf(v.to)}`, d);
      add(`${v.stage}\u0000all`, d);
    }
  }
  const rows: VelocityRow[] = [...days].map(([key, list]) => {
    const [stage, month] = key.split('\u0000') as [string, string];
    return { stage, month, count: list.length, meanDays: mean(list)!, medianDays: percentile(list, 50)! };
  });
  const order = (r: VelocityRow) => path.indexOf(r.stage);
  rows.sort((a, b) => order(a) - order(b) || a.month.localeCompare(b.month));
  return { byMonth: rows.filter((r) => r.month !== 'all'), overall: rows.filter((r) => r.month === 'all') };
}
