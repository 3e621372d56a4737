import { DAY_MS } from '../domain/metrics/history.js';
import { stuckLeads, usualTimes } from '../domain/metrics/stuck.js';
import { findStage, type Journey } from '../domain/journey.js';
import { isPersonId } from '../domain/people.js';
import type { Logger } from '../lib/logger.js';
import type { MetricsConfig } from '../rules/metrics-config.js';
import type { Store } from '../store/store.js';
import { type LeadCards, type Members, slowdownUuid } from './lead-cards.js';

/** A stay is alerted within this long of passing its usual time (a new install, or a server that was down, does not flood the group). */
export const SLOWDOWN_WINDOW_MS = DAY_MS;

/**
 * 推进变慢 (docs/metrics.md#slow-down-alerts): a lead in an open stage for longer than that stage's usual
 * time (the 75th percentile of the stays that ended there, once there are enough) gets one card @ its
 * owner, once per stay. Stays that passed their usual time more than a day ago are not alerted (they
 * are in the digest and the report), nor leads with nobody owning them.
 */
export function createSlowdownAlerts(deps: { store: Store; journey: Journey; config: () => MetricsConfig; cards: LeadCards; log: Logger }) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'slowdown' });
  const open = new Set(journey.stages.filter((s) => s.kind === 'open').map((s) => s.id));
  return {
    /** Queue the cards of the stays that became slow (usually none): how many were queued. */
    async run(members: Members, now: Date): Promise<number> {
      const config = deps.config();
      if (!config.slowdownAlerts) return 0;
      const histories = await store.metrics.histories();
      const usual = usualTimes(journey, histories, config.stuck);
      const slow = stuckLeads(journey, histories, usual, now).filter((s) => open.has(s.stage) && now.getTime() - s.slowSince.getTime() <= SLOWDOWN_WINDOW_MS);
      if (!slow.length) return 0;
      const keyOf = (s: (typeof slow)[number]) => `${s.leadId}:${s.stage}:${s.enteredAt.getTime()}`;
      const sent = await store.messages.existingKeys(slow.map((s) => slowdownUuid(keyOf(s))));
      let queued = 0;
      for (const s of slow) {
        if (sent.has(slowdownUuid(keyOf(s)))) continue;
        const done = await store.transaction(async () => {
          const lead = await store.leads.get(s.leadId);
          const owner = lead?.ownerId ?? (typeof lead?.facts.owner === 'string' ? lead.facts.owner : null);
          if (!lead || lead.stage !== s.stage || !owner || !isPersonId(owner)) return false;
          const u = usual.get(s.stage)!;
          return deps.cards.slowdown(
            lead,
            { owner, stage: findStage(journey, s.stage)?.label ?? { zh: s.stage, en: s.stage }, enteredAt: s.enteredAt.toISOString(), days: s.days, usualDays: s.usualDays, percentile: config.stuck.percentile, sample: u.sample },
            members,
            keyOf(s),
            now,
          );
        });
        if (done) queued++;
      }
      if (queued) log.info({ queued }, '推进变慢 cards queued');
      return queued;
    },
  };
}

export type SlowdownAlerts = ReturnType<typeof createSlowdownAlerts>;
