import type { Journey } from '../journey.js';
import { furthest, sourceOf } from './funnel.js';
import { codeOf, type Histories, indexByCode } from './histories.js';
import { mainPath, ratio, wonStage } from './history.js';

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

export function channels(journey: Journey, h: Histories, o: { costs?: ReadonlyMap<string, number>; stages?: ChannelStages } = {}): ChannelRow[] {
  const path = mainPath(journey);
  const idx = (id: string | undefined) => (id === undefined ? -1 : path.indexOf(id));
  const mql = idx(o.stages?.mql ?? 'mql');
  const opp = idx(o.stages?.opportunity ?? 'opportunity');
  const won = idx(wonStage(journey));
  const pathIndex = indexByCode(h, path);
  const rows = new Map<string, ChannelRow>();
  for (let i = 0; i < h.size; i++) {
    const source = sourceOf(h, i);
    const r = rows.get(source) ?? { source, leads: 0, mqls: 0, opportunities: 0, wins: 0, cost: undefined, costPerLead: undefined, costPerWin: undefined };
    const f = furthest(h, i, pathIndex);
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
export function mlgIndex(journey: Journey, h: Histories, o: { isMarketing: (source: string | null) => boolean; from?: Date; to?: Date }): MlgIndex {
  const won = codeOf(h, wonStage(journey));
  const from = o.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = o.to?.getTime() ?? Number.POSITIVE_INFINITY;
  let all = 0;
  let marketing = 0;
  if (wonStage(journey) === undefined) return { won: 0, marketing: 0, index: undefined };
  for (let i = 0; i < h.size && won >= 0; i++) {
    let k = h.start[i]!;
    while (k < h.end[i]! && h.stage[k] !== won) k++;
    if (k === h.end[i] || h.at[k]! < from || h.at[k]! >= to) continue;
    all++;
    if (o.isMarketing(h.source[i] ?? null)) marketing++;
  }
  return { won: all, marketing, index: ratio(marketing, all) };
}
