import type { Journey } from '../journey.js';
import type { Histories } from './histories.js';
import { DAY_MS, percentile } from './history.js';

/**
 * A stage's usual time and the leads stuck past it (docs/metrics.md): the usual time is a percentile
 * (the 75th by default) of the stays in that stage that ended, once there are enough of them; a lead
 * still in an open or nurture stage longer than that is stuck. Won, lost and disqualified are ends, not
 * stays.
 */
export interface UsualTime {
  stage: string;
  days: number;
  /** how many ended stays it is taken from */
  sample: number;
}

/** `asOf`: only the stays that had ended by then (the usual time as it was known at that moment). */
export function usualTimes(journey: Journey, h: Histories, o: { percentile?: number; minSample?: number; asOf?: Date } = {}): Map<string, UsualTime> {
  const asOf = o.asOf?.getTime() ?? Number.POSITIVE_INFINITY;
  const ended = (k: number, i: number) => k + 1 < h.end[i]! && h.at[k + 1]! <= asOf;
  // two passes: count each stage's ended stays, then fill one typed array per stage
  const count = new Uint32Array(h.stageIds.length);
  for (let i = 0; i < h.size; i++) for (let k = h.start[i]!; k < h.end[i]!; k++) if (ended(k, i)) count[h.stage[k]!]!++;
  const stays = Array.from(count, (n) => new Float64Array(n));
  const filled = new Uint32Array(h.stageIds.length);
  for (let i = 0; i < h.size; i++) for (let k = h.start[i]!; k < h.end[i]!; k++) if (ended(k, i)) stays[h.stage[k]!]![filled[h.stage[k]!]!++] = (h.at[k + 1]! - h.at[k]!) / DAY_MS;
  const out = new Map<string, UsualTime>();
  for (const s of journey.stages) {
    const list = stays[h.stageIds.indexOf(s.id)] ?? new Float64Array(0);
    if (list.length >= (o.minSample ?? 5)) out.set(s.id, { stage: s.id, days: percentile(list, o.percentile ?? 75)!, sample: list.length });
  }
  return out;
}

export interface StuckLead {
  leadId: number;
  stage: string;
  /** when this stay began */
  enteredAt: Date;
  /** days in the stage so far */
  days: number;
  usualDays: number;
  /** since when the stay counts as slow (entered + usual time) */
  slowSince: Date;
}

/**
 * The leads stuck at `now`, each in the stay it was in then (a later move, when `now` is in the past, is
 * not known yet). `minDays`: a stage whose stays are usually shorter than this is held to this (a lead
 * is never "stuck" after an hour).
 */
export function stuckLeads(journey: Journey, h: Histories, usual: ReadonlyMap<string, UsualTime>, now: Date, o: { minDays?: number } = {}): StuckLead[] {
  const kindOf = new Map(journey.stages.map((s) => [s.id, s.kind]));
  // per stage code: the days a stay may last before it is slow (NaN: never, not an open or nurture stage, or no usual time yet)
  const usualDays = Float64Array.from(h.stageIds, (id) => (kindOf.get(id) === 'open' || kindOf.get(id) === 'nurture' ? (usual.get(id)?.days ?? Number.NaN) : Number.NaN));
  const out: StuckLead[] = [];
  const at = now.getTime();
  for (let i = 0; i < h.size; i++) {
    let k = h.end[i]! - 1;
    while (k >= h.start[i]! && h.at[k]! > at) k--;
    if (k < h.start[i]!) continue;
    const u = usualDays[h.stage[k]!]!;
    if (Number.isNaN(u)) continue;
    const limit = Math.max(u, o.minDays ?? 1);
    const from = h.at[k]!;
    const days = (at - from) / DAY_MS;
    if (days > limit) out.push({ leadId: h.id[i]!, stage: h.stageIds[h.stage[k]!]!, enteredAt: new Date(from), days, usualDays: u, slowSince: new Date(from + limit * DAY_MS) });
  }
  return out.sort((a, b) => b.days / b.usualDays - a.days / a.usualDays);
}
