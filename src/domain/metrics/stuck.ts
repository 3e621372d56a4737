import type { Journey } from '../journey.js';
import { DAY_MS, type LeadHistory, percentile, visitsOf } from './history.js';

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
export function usualTimes(journey: Journey, leads: readonly LeadHistory[], o: { percentile?: number; minSample?: number; asOf?: Date } = {}): Map<string, UsualTime> {
  const stays = new Map<string, number[]>();
  const asOf = o.asOf?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const lead of leads)
    for (const v of visitsOf(lead)) {
      if (!v.to || v.to.getTime() > asOf) continue;
      const list = stays.get(v.stage) ?? [];
      list.push((v.to.getTime() - v.from.getTime()) / DAY_MS);
      stays.set(v.stage, list);
    }
  const out = new Map<string, UsualTime>();
  for (const s of journey.stages) {
    const list = stays.get(s.id) ?? [];
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
export function stuckLeads(journey: Journey, leads: readonly LeadHistory[], usual: ReadonlyMap<string, UsualTime>, now: Date, o: { minDays?: number } = {}): StuckLead[] {
  const open = new Set(journey.stages.filter((s) => s.kind === 'open' || s.kind === 'nurture').map((s) => s.id));
  const out: StuckLead[] = [];
  const at = now.getTime();
  for (const lead of leads) {
    const visits = visitsOf(lead);
    let k = visits.length - 1;
    while (k >= 0 && visits[k]!.from.getTime() > at) k--;
    const current = visits[k];
    if (!current || (current.to && current.to.getTime() <= at) || !open.has(current.stage)) continue;
    const u = usual.get(current.stage);
    if (!u) continue;
    const limit = Math.max(u.days, o.minDays ?? 1);
    const days = (now.getTime() - current.from.getTime()) / DAY_MS;
    if (days > limit) out.push({ leadId: lead.id, stage: current.stage, enteredAt: current.from, days, usualDays: u.days, slowSince: new Date(current.from.getTime() + limit * DAY_MS) });
  }
  return out.sort((a, b) => b.days / b.usualDays - a.days / a.usualDays);
}
