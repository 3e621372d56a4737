import type { Journey, TransitionKind } from '../journey.js';

/**
 * A lead's history as given one lead at a time (tests, made-up data): its source, when it came, and its
 * stage history. The metrics read many of them at once as columns (histories.ts: historiesOf).
 */
export interface LeadHistory {
  id: number;
  /** 来源渠道 (the channel); null: not known */
  source: string | null;
  createdAt: Date;
  /** every transition, the first one (from null) included, in any order (sorted here by time) */
  transitions: ReadonlyArray<{ from: string | null; to: string; at: Date; kind: TransitionKind | 'create' }>;
}

export const DAY_MS = 86_400_000;

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
export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  const n = values.length;
  if (!n) return undefined;
  // The two closest ranks by selection, not a sort: linear time (a report takes percentiles of a
  // million stays). After selecting rank `lo`, everything after it is at least s[lo], so the next rank
  // is the smallest of them.
  const s = Float64Array.from(values);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  select(s, lo);
  let hi = s[lo]!;
  if (rank > lo) {
    hi = Number.POSITIVE_INFINITY;
    for (let i = lo + 1; i < n; i++) hi = Math.min(hi, s[i]!);
  }
  return s[lo]! + (hi - s[lo]!) * (rank - lo);
}

/**
 * Rearranges `a` so that a[k] holds the value of rank k, with nothing greater before it and nothing
 * smaller after it (Hoare's selection with a median-of-three pivot: linear time on average, and runs of
 * equal values split evenly). Written here because the domain imports nothing outside itself.
 */
export function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // the median of the three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // now a[lo..j] ≤ pivot ≤ a[i..hi], and whatever lies strictly between j and i equals the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

export function mean(values: ArrayLike<number>): number | undefined {
  if (!values.length) return undefined;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** A share as a fraction (0–1), undefined when there is nothing to divide by. */
export const ratio = (part: number, whole: number): number | undefined => (whole > 0 ? part / whole : undefined);
