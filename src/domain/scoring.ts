import type { Journey } from './journey.js';
import type { LeadFacts } from './lead-facts.js';

/**
 * Lead scoring (docs/domain.md#scoring-线索评分), pure: the rules are data, `now` is passed in, and every point
 * change is a ledger entry with its reason. A lead's score is the sum of
 * - its **profile**: the source channel's score and the fit of industry, size, title and region — these
 *   follow the facts (an edit of 行业 changes the points by the difference, one entry);
 * - **behaviour**: points per activity type, capped per period (so ten price-page visits do not make a
 *   lead hot);
 * - **decay for silence**: tiers taken once per silence (−10 after 14 days, −20 more after 30 …),
 *   reset by the next activity;
 * - **penalties** (a return, with its reason).
 * The score never goes below zero. The fit points (without the source) give the grade A–D.
 */
export type FitFact = 'industry' | 'size' | 'title' | 'region';
export const FIT_FACTS: readonly FitFact[] = ['industry', 'size', 'title', 'region'];

export interface ScoringRules {
  /** 来源渠道 option → points */
  source: ReadonlyMap<string, { points: number; label: string }>;
  /** per fit fact, the matching values (titles match by keyword, the others exactly) */
  fit: ReadonlyArray<{ fact: FitFact; match: readonly string[]; points: number; label: string }>;
  /** minimum fit points for each grade, best first; below the last: D */
  grades: ReadonlyArray<{ grade: Grade; minFit: number }>;
  /** activity type → points, with a cap over a rolling window of days */
  behaviour: ReadonlyMap<string, { points: number; cap?: { points: number; days: number }; label: string }>;
  /** days silent → points off (negative), ascending */
  decay: ReadonlyArray<{ days: number; points: number }>;
  /** target stage id → the score at which a lead that can move there moves (or asks to) */
  thresholds: ReadonlyMap<string, number>;
}

export type Grade = 'A' | 'B' | 'C' | 'D';

export interface LedgerLine {
  reasonCode: string;
  delta: number;
  at: Date;
  detail: string | null;
}

export interface ScoreEntry {
  reasonCode: string;
  delta: number;
  detail: string;
}

const DAY = 86_400_000;

/** The profile points the facts call for: one component per reason code (`source`, `fit:industry` …). */
export function profilePoints(rules: ScoringRules, facts: LeadFacts): Map<string, { points: number; detail: string }> {
  const out = new Map<string, { points: number; detail: string }>();
  const src = typeof facts.source === 'string' ? rules.source.get(facts.source) : undefined;
  out.set('source', src ? { points: src.points, detail: `来源：${src.label}` } : { points: 0, detail: '来源' });
  for (const fact of FIT_FACTS) {
    const v = facts[fact];
    const value = typeof v === 'string' ? v.trim() : '';
    const hit = value ? rules.fit.find((r) => r.fact === fact && (fact === 'title' ? r.match.some((k) => value.toLowerCase().includes(k.toLowerCase())) : r.match.includes(value))) : undefined;
    out.set(`fit:${fact}`, hit ? { points: hit.points, detail: hit.label } : { points: 0, detail: FIT_LABEL[fact] });
  }
  return out;
}

const FIT_LABEL: Record<FitFact, string> = { industry: '行业', size: '公司规模', title: '职位', region: '地区' };

/** Sum of the ledger per reason code. */
export function sumsByReason(ledger: readonly LedgerLine[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of ledger) m.set(e.reasonCode, (m.get(e.reasonCode) ?? 0) + e.delta);
  return m;
}

/** The entries that bring the profile components in the ledger to what the facts call for now. */
export function profileDeltas(rules: ScoringRules, facts: LeadFacts, ledger: readonly LedgerLine[]): ScoreEntry[] {
  const sums = sumsByReason(ledger);
  const out: ScoreEntry[] = [];
  for (const [code, want] of profilePoints(rules, facts)) {
    const delta = want.points - (sums.get(code) ?? 0);
    if (delta !== 0) out.push({ reasonCode: code, delta, detail: want.points === 0 ? `${want.detail}（不再计分）` : want.detail });
  }
  return out;
}

/** The grade the fit points (industry, size, title, region; not the source) give. */
export function gradeOf(rules: ScoringRules, facts: LeadFacts): Grade {
  let fit = 0;
  for (const [code, p] of profilePoints(rules, facts)) if (code.startsWith('fit:')) fit += p.points;
  return rules.grades.find((g) => fit >= g.minFit)?.grade ?? 'D';
}

/**
 * Points for one activity: the type's points, less what would pass its cap over the window ending at
 * the activity (ledger lines of the same type in that window). Unknown types score nothing.
 */
export function activityPoints(rules: ScoringRules, type: string, at: Date, ledger: readonly LedgerLine[]): { delta: number; detail: string; capped: boolean } | undefined {
  const r = rules.behaviour.get(type);
  if (!r) return undefined;
  if (!r.cap) return { delta: r.points, detail: r.label, capped: false };
  const from = at.getTime() - r.cap.days * DAY;
  const used = ledger.filter((e) => e.reasonCode === `behaviour:${type}` && e.at.getTime() > from && e.at.getTime() <= at.getTime()).reduce((s, e) => s + e.delta, 0);
  const delta = Math.max(0, Math.min(r.points, r.cap.points - used));
  return { delta, detail: delta < r.points ? `${r.label}（${r.cap.days}天内上限${r.cap.points}分）` : r.label, capped: delta < r.points };
}

/** Days of silence at `now` since `since` (whole days). */
export const silentDays = (since: Date, now: Date) => Math.floor((now.getTime() - since.getTime()) / DAY);

/** The decay tiers due: those past `alreadyDays` that the silence has reached. */
export function decayDue(rules: ScoringRules, since: Date, alreadyDays: number, now: Date): Array<{ days: number; points: number }> {
  const days = silentDays(since, now);
  return rules.decay.filter((t) => t.days > alreadyDays && t.days <= days);
}

/** The first day a lead silent since `since` (decayed for `alreadyDays`) has a tier due; undefined: none left. */
export function nextDecayAt(rules: ScoringRules, since: Date, alreadyDays: number): Date | undefined {
  const t = rules.decay.find((x) => x.days > alreadyDays);
  return t && new Date(since.getTime() + t.days * DAY);
}

/** A change applied to a score: never below zero. */
export const clampDelta = (score: number, delta: number) => (score + delta < 0 ? Math.min(0, -score) + 0 : delta);

/**
 * Where a change of the score from `before` to `score` takes the lead: of the thresholds it crossed
 * upwards (before < min ≤ score), the furthest target stage it can move to from where it is by a forward
 * transition. Only a crossing moves a lead: one a person put in the pool above the threshold stays
 * there until its score falls and climbs again. Undefined: nothing crossed, or no such move.
 */
export function thresholdTarget(rules: ScoringRules, journey: Journey, stage: string | null, score: number, before: number): { to: string; min: number } | undefined {
  if (!stage) return undefined;
  let best: { to: string; min: number } | undefined;
  for (const t of journey.transitions) {
    if (t.from !== stage || t.kind !== 'forward') continue;
    const min = rules.thresholds.get(t.to);
    if (min !== undefined && before < min && score >= min && (!best || min > best.min)) best = { to: t.to, min };
  }
  return best;
}

/** The reasons that weigh most in the score, for people: "官网咨询 +25；1000人以上 +15；沉默30天 −20". */
export function topReasons(ledger: readonly LedgerLine[], n = 3): Array<{ detail: string; points: number }> {
  const groups = new Map<string, { detail: string; points: number }>();
  for (const e of ledger) {
    const g = groups.get(e.reasonCode) ?? { detail: e.detail ?? e.reasonCode, points: 0 };
    g.points += e.delta;
    if (e.delta !== 0 && e.detail) g.detail = e.detail.replace(/（不再计分）$/, '');
    groups.set(e.reasonCode, g);
  }
  return [...groups.values()]
    .filter((g) => g.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, n);
}

export const formatPoints = (p: number) => `${p > 0 ? '+' : p < 0 ? '−' : ''}${Math.abs(p)}`;
export const reasonsText = (reasons: ReadonlyArray<{ detail: string; points: number }>) => reasons.map((r) => `${r.detail} ${formatPoints(r.points)}`).join('；');
