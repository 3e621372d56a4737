import type { Journey } from '../journey.js';
import { type Histories, indexByCode } from './histories.js';
import { DAY_MS, mainPath, mean, monthOf, percentile, ratio } from './history.js';

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

/**
 * How far along the main path lead i ever got: the furthest index into the path of a stage it entered
 * (0 at least). `pathIndex`: indexByCode(h, path).
 */
export function furthest(h: Histories, i: number, pathIndex: Int32Array): number {
  let best = 0;
  for (let k = h.start[i]!; k < h.end[i]!; k++) best = Math.max(best, pathIndex[h.stage[k]!]!);
  return best;
}

export function funnel(journey: Journey, h: Histories): FunnelStep[] {
  return funnelBy(journey, h, () => '').get('') ?? steps(mainPath(journey), []);
}

/** The funnel of each group of leads (a cohort month, a source), groups in the order first met. */
export function funnelBy(journey: Journey, h: Histories, group: (h: Histories, i: number) => string): Map<string, FunnelStep[]> {
  const path = mainPath(journey);
  const pathIndex = indexByCode(h, path);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < h.size; i++) {
    const k = group(h, i);
    let reached = groups.get(k);
    if (!reached) {
      reached = path.map(() => 0);
      groups.set(k, reached);
    }
    const f = furthest(h, i, pathIndex);
    for (let j = 0; j <= f; j++) reached[j]!++;
  }
  return new Map([...groups].map(([k, reached]) => [k, steps(path, reached)]));
}

function steps(path: readonly string[], reached: readonly number[]): FunnelStep[] {
  const n = (i: number) => reached[i] ?? 0;
  return path.map((stage, i) => ({ stage, reached: n(i), fromPrevious: i ? ratio(n(i), n(i - 1)) : undefined, fromFirst: ratio(n(i), n(0)) }));
}

/** The cohort of a lead: the month it came in (Asia/Shanghai). */
export const cohortOf = (h: Histories, i: number) => monthOf(new Date(h.createdAt[i]!));
export const UNKNOWN_SOURCE = '（未填写）';
export const sourceOf = (h: Histories, i: number) => h.source[i]?.trim() || UNKNOWN_SOURCE;

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
export function velocity(journey: Journey, h: Histories, o: { from?: Date; to?: Date } = {}): { byMonth: VelocityRow[]; overall: VelocityRow[] } {
  const path = mainPath(journey);
  const pathIndex = indexByCode(h, path);
  const from = o.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = o.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const days = new Map<string, number[]>();
  const add = (key: string, d: number) => {
    const list = days.get(key);
    if (list) list.push(d);
    else days.set(key, [d]);
  };
  const month = monthsByDay();
  for (let i = 0; i < h.size; i++) {
    for (let k = h.start[i]!; k + 1 < h.end[i]!; k++) {
      const at = pathIndex[h.stage[k]!]!;
      const left = h.at[k + 1]!;
      if (at < 0 || pathIndex[h.stage[k + 1]!]! <= at || left < from || left >= to) continue;
      const d = (left - h.at[k]!) / DAY_MS;
      add(`${path[at]}\u0000${month(left)}`, d);
      add(`${path[at]}\u0000all`, d);
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

/** monthOf for many instants: worked out once per local day. */
function monthsByDay(utcOffsetMinutes = 480): (ms: number) => string {
  const known = new Map<number, string>();
  return (ms) => {
    const day = Math.floor((ms + utcOffsetMinutes * 60_000) / DAY_MS);
    let m = known.get(day);
    if (m === undefined) {
      m = monthOf(new Date(ms), utcOffsetMinutes);
      known.set(day, m);
    }
    return m;
  };
}
