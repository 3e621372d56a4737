import type { Journey, TransitionKind } from '../journey.js';

/**
 * What the numbers are computed from (pure: no clock, no store): each lead with its source, when it
 * came, and its stage history. Every metric takes `now` and this, and nothing else.
 */
export interface LeadHistory {
  id: number;
  /** 来源渠道 (the channel); null: not known */
  source: string | null;
  createdAt: Date;
  /** every transition, the first one (from null) included, in any order (sorted here by time) */
  transitions: ReadonlyArray<{ from: string | null; to: string; at: Date; kind: TransitionKind | 'create' }>;
}

/** One stay in a stage: when it began, when it ended (null: still there) and where it went. */
export interface Visit {
  stage: string;
  from: Date;
  to: Date | null;
  next: string | null;
  /** 1 for the first entry into the stage, 2 for the second ("MQL-02") … */
  entry: number;
}

export const DAY_MS = 86_400_000;

const visitCache = new WeakMap<LeadHistory, Visit[]>();

/**
 * The stays of a lead, in order of time (equal times keep their given order). A history is read-only
 * data, so each lead's stays are worked out once and shared by every metric that asks (the report asks
 * for them several times per lead); callers must not change the array.
 */
export function visitsOf(lead: LeadHistory): Visit[] {
  const known = visitCache.get(lead);
  if (known) return known;
  const ts = lead.transitions;
  let inOrder = true;
  for (let i = 1; i < ts.length && inOrder; i++) inOrder = ts[i - 1]!.at.getTime() <= ts[i]!.at.getTime();
  const sorted = inOrder
    ? ts
    : ts
        .map((t, i) => ({ t, i }))
        .sort((a, b) => a.t.at.getTime() - b.t.at.getTime() || a.i - b.i)
        .map((x) => x.t);
  const entries = new Map<string, number>();
  const out = sorted.map((t, k) => {
    const next = sorted[k + 1];
    const entry = (entries.get(t.to) ?? 0) + 1;
    entries.set(t.to, entry);
    return { stage: t.to, from: t.at, to: next ? next.at : null, next: next ? next.to : null, entry };
  });
  visitCache.set(lead, out);
  return out;
}

/**
 * The journey's main path: from the initial stage along forward transitions through open stages to the
 * won stage, the longest such chain (a shortcut such as engaged → mql does not hide prospect). Side
 * stages (nurture, lost, disqualified) are not on it.
 */
export function mainPath(journey: Journey): string[] {
  const kind = new Map(journey.stages.map((s) => [s.id, s.kind]));
  const onPath = (id: string) => kind.get(id) === 'open' || kind.get(id) === 'won';
  const memo = new Map<string, string[]>();
  const longest = (id: string, seen: Set<string>): string[] => {
    const known = memo.get(id);
    if (known) return known;
    let best: string[] = [];
    if (kind.get(id) !== 'won') {
      for (const t of journey.transitions) {
        if (t.from !== id || t.kind !== 'forward' || !onPath(t.to) || seen.has(t.to)) continue;
        const rest = longest(t.to, new Set([...seen, t.to]));
        if (rest.length > best.length) best = rest;
      }
    }
    const path = [id, ...best];
    memo.set(id, path);
    return path;
  };
  return onPath(journey.initial) ? longest(journey.initial, new Set([journey.initial])) : [journey.initial];
}

/** The stage of the journey a lead is won in (undefined: the journey has none, e.g. a funnel that ends at SQL). */
export const wonStage = (journey: Journey) => journey.stages.find((s) => s.kind === 'won')?.id;

/** "2026-11": the calendar month of `at` in a fixed UTC offset (Asia/Shanghai, +08:00, by default). */
export function monthOf(at: Date, utcOffsetMinutes = 480): string {
  const d = new Date(at.getTime() + utcOffsetMinutes * 60_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The p-th percentile (0–100) by linear interpolation between closest ranks; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const s = Float64Array.from(values).sort(); // a typed array sorts numerically, and fast
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export const mean = (values: readonly number[]): number | undefined => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);

/** A share as a fraction (0–1), undefined when there is nothing to divide by. */
export const ratio = (part: number, whole: number): number | undefined => (whole > 0 ? part / whole : undefined);
