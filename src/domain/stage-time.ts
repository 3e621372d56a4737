import type { TransitionRecord } from './transitions.js';

export interface StageTime {
  /** number of entries into the stage */
  entries: number;
  /** ms spent in the most recent stay (up to `now` if the lead is still there) */
  latestMs: number;
  /** ms across every stay */
  cumulativeMs: number;
  /** whether the lead is in the stage at `now` */
  current: boolean;
}

/**
 * Time spent in `stage`, derived from history alone: each entry lasts until the next transition
 * (or `now` for the current stage). Records are ordered by time; equal times keep their given order.
 */
export function timeInStage(history: readonly TransitionRecord[], stage: string, now: Date): StageTime {
  const sorted = history.map((r, i) => ({ r, i })).sort((a, b) => a.r.at.getTime() - b.r.at.getTime() || a.i - b.i);
  let entries = 0;
  let latestMs = 0;
  let cumulativeMs = 0;
  let current = false;
  for (let k = 0; k < sorted.length; k++) {
    const rec = sorted[k]!.r;
    if (rec.to !== stage) continue;
    const next = sorted[k + 1]?.r;
    const end = next ? next.at.getTime() : now.getTime();
    const stay = Math.max(0, end - rec.at.getTime());
    entries++;
    latestMs = stay;
    cumulativeMs += stay;
    current = next === undefined;
  }
  return { entries, latestMs, cumulativeMs, current };
}
