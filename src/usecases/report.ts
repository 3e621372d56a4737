import type { Journey } from '../domain/journey.js';
import { type SlaRow, returnsByReason, slaCompliance } from '../domain/metrics/assignments.js';
import { type ChannelRow, channels, type MlgIndex, mlgIndex } from '../domain/metrics/channels.js';
import { cohortOf, type FunnelStep, funnel, funnelBy, velocity, type VelocityRow } from '../domain/metrics/funnel.js';
import { subset } from '../domain/metrics/histories.js';
import { monthOf } from '../domain/metrics/history.js';
import { stuckLeads, usualTimes } from '../domain/metrics/stuck.js';
import type { Text } from '../domain/text.js';
import { costsBetween, type MetricsConfig } from '../rules/metrics-config.js';
import type { Store } from '../store/store.js';

/**
 * The report: every number of docs/metrics.md for a period [since, until), computed from the store with
 * the pure functions of domain/metrics. What `npm run report` prints and writes, and what the API and
 * the weekly digest will show. Plain data (JSON-ready: dates as ISO strings).
 */
export interface Report {
  generatedAt: string;
  since: string;
  until: string;
  journey: { id: string; name: Text };
  /** stage id → its label */
  stages: Record<string, Text>;
  /** leads that came in during the period */
  leads: number;
  /** the funnel of the leads that came in during the period */
  funnel: FunnelStep[];
  /** the funnel of each month's new leads (cohorts), oldest first */
  cohorts: Array<{ month: string; steps: FunnelStep[] }>;
  /** moves forward during the period */
  velocity: { overall: VelocityRow[]; byMonth: VelocityRow[] };
  mlg: { period: MlgIndex; allTime: MlgIndex; marketingSources: readonly string[] };
  /** the leads that came in during the period, per 来源渠道, with what those channels cost in its months */
  channels: ChannelRow[];
  /** the offers made during the period */
  sla: { team: SlaRow; reps: SlaRow[] };
  returns: Array<{ reason: string; count: number }>;
  /**
   * Leads in their stage past its usual time at the period's end: how many in all and per stage (in the
   * journey's order), and the slowest of them (at most STUCK_LISTED, the slowest first).
   */
  stuck: { total: number; byStage: Array<{ stage: string; count: number; usualDays: number }>; slowest: StuckRow[] };
  /** open_id → name of the people the report names (as 销售团队 last said; unknown ones are shown by id) */
  people: Record<string, string>;
}

export interface StuckRow {
  key: string;
  company: string | null;
  stage: string;
  days: number;
  usualDays: number;
  owner: string | null;
}

/** How many stuck leads a report names (the slowest; `listStuck` to change it); the rest are counted. */
export const STUCK_LISTED = 100;

export async function buildReport(deps: { store: Store; journey: Journey; config: MetricsConfig }, o: { since: Date; until: Date; listStuck?: number }): Promise<Report> {
  const { journey, config } = deps;
  const histories = await deps.store.metrics.histories();
  const assignments = await deps.store.metrics.assignments({ from: o.since, to: o.until });
  const [since, until] = [o.since.getTime(), o.until.getTime()];
  const inPeriod = (ms: number) => ms >= since && ms < until;
  const newLeads = subset(histories, (i) => inPeriod(histories.createdAt[i]!));
  const usual = usualTimes(journey, histories, { percentile: config.stuck.percentile, minSample: config.stuck.minSample });
  const cohorts = funnelBy(journey, newLeads, cohortOf);
  const sla = slaCompliance(
    assignments.filter((a) => inPeriod(a.offeredAt.getTime())),
    o.until,
  );
  const slow = stuckLeads(journey, histories, usual, o.until);
  const slowest = slow.slice(0, o.listStuck ?? STUCK_LISTED);
  const labels = await deps.store.metrics.labels(slowest.map((s) => s.leadId));
  const perStage = new Map<string, number>();
  for (const s of slow) perStage.set(s.stage, (perStage.get(s.stage) ?? 0) + 1);
  const stuck = {
    total: slow.length,
    byStage: journey.stages.flatMap((st) => (perStage.has(st.id) ? [{ stage: st.id, count: perStage.get(st.id)!, usualDays: usual.get(st.id)!.days }] : [])),
    slowest: slowest.map((s): StuckRow => {
      const l = labels.get(s.leadId);
      return { key: l?.key ?? String(s.leadId), company: l?.company ?? null, stage: s.stage, days: s.days, usualDays: s.usualDays, owner: l?.owner ?? null };
    }),
  };
  const people = await deps.store.people.namesOf([...sla.reps.map((r) => r.ownerId), ...stuck.slowest.flatMap((s) => (s.owner ? [s.owner] : []))]);
  return {
    generatedAt: o.until.toISOString(),
    since: o.since.toISOString(),
    until: o.until.toISOString(),
    journey: { id: journey.id, name: journey.name },
    stages: Object.fromEntries(journey.stages.map((s) => [s.id, s.label])),
    leads: newLeads.size,
    funnel: funnel(journey, newLeads),
    cohorts: [...cohorts].map(([month, steps]) => ({ month, steps })).sort((a, b) => a.month.localeCompare(b.month)),
    velocity: velocity(journey, histories, { from: o.since, to: o.until }),
    mlg: { period: mlgIndex(journey, histories, { isMarketing: config.isMarketing, from: o.since, to: o.until }), allTime: mlgIndex(journey, histories, { isMarketing: config.isMarketing }), marketingSources: config.marketingSources },
    channels: channels(journey, newLeads, { costs: costsBetween(config, monthOf(o.since), monthOf(new Date(o.until.getTime() - 1))) }),
    sla,
    returns: returnsByReason(assignments, { from: o.since, to: o.until }),
    stuck,
    people: Object.fromEntries(people),
  };
}
