import type { Journey } from '../journey.js';
import { furthest, sourceOf } from './funnel.js';
import { type LeadHistory, mainPath, ratio, visitsOf, wonStage } from './history.js';

/**
 * Per channel (来源渠道): leads, MQLs, opportunities and wins, and with the channel's cost for the
 * period, cost per lead and per win; and the MLG index (docs/metrics.md).
 */
export interface ChannelRow {
  source: string;
  leads: number;
  mqls: number;
  opportunities: number;
  wins: number;
  cost: number | undefined;
  costPerLead: number | undefined;
  costPerWin: number | undefined;
}

/** The stages counted as MQL and as an opportunity: by id when the journey has them. */
export interface ChannelStages {
  mql?: string;
  opportunity?: string;
}

export function channels(journey: Journey, leads: readonly LeadHistory[], o: { costs?: ReadonlyMap<string, number>; stages?: ChannelStages } = {}): ChannelRow[] {
  const path = mainPath(journey);
  const idx = (id: string | undefined) => (id === undefined ? -1 : path.indexOf(id));
  const mql = idx(o.stages?.mql ?? 'mql');
  const opp = idx(o.stages?.opportunity ?? 'opportunity');
  const won = idx(wonStage(journey));
  const rows = new Map<string, ChannelRow>();
  for (const lead of leads) {
    const source = sourceOf(lead);
    const r = rows.get(source) ?? { source, leads: 0, mqls: 0, opportunities: 0, wins: 0, cost: undefined, costPerLead: undefined, costPerWin: undefined };
    const f = furthest(path, lead);
    r.leads++;
    if (mql >= 0 && f >= mql) r.mqls++;
    if (opp >= 0 && f >= opp) r.opportunities++;
    if (won >= 0 && f >= won) r.wins++;
    rows.set(source, r);
  }
  for (const source of o.costs?.keys() ?? []) if (!rows.has(source)) rows.set(source, { source, leads: 0, mqls: 0, opportunities: 0, wins: 0, cost: undefined, costPerLead: undefined, costPerWin: undefined });
  return [...rows.values()]
    .map((r) => {
      const cost = o.costs?.get(r.source);
      return cost === undefined ? r : { ...r, cost, costPerLead: ratio(cost, r.leads), costPerWin: ratio(cost, r.wins) };
    })
    .sort((a, b) => b.leads - a.leads || a.source.localeCompare(b.source));
}

export interface MlgIndex {
  /** new customers won in the period */
  won: number;
  /** of them, sourced by marketing */
  marketing: number;
  /** marketing ÷ won (20–70% is the usual range, docs/metrics.md#mlg-index) */
  index: number | undefined;
}

/**
 * The MLG index: of the new customers won in [from, to) — leads whose first entry into the won stage
 * falls in it, each counted once — the share whose source is a marketing channel.
 */
export function mlgIndex(journey: Journey, leads: readonly LeadHistory[], o: { isMarketing: (source: string | null) => boolean; from?: Date; to?: Date }): MlgIndex {
  const won = wonStage(journey);
  let all = 0;
  let marketing = 0;
  if (won === undefined) return { won: 0, marketing: 0, index: undefined };
  for (const lead of leads) {
    const first = visitsOf(lead).find((v) => v.stage === won);
    if (!first || (o.from && first.from < o.from) || (o.to && first.from >= o.to)) continue;
    all++;
    if (o.isMarketing(lead.source)) marketing++;
  }
  return { won: all, marketing, index: ratio(marketing, all) };
}
