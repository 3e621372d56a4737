import { type DigestFigures, digestFigures, dueDigests, WEEK_MS } from '../domain/metrics/digest.js';
import { findStage, type Journey } from '../domain/journey.js';
import type { Text } from '../domain/text.js';
import type { WorkCalendar } from '../domain/work-calendar.js';
import type { Logger } from '../lib/logger.js';
import type { DigestCardState } from '../ports/chat.js';
import type { MetricsConfig } from '../rules/metrics-config.js';
import type { Store } from '../store/store.js';
import { type LeadCards, type Members, messageUuid } from './lead-cards.js';

/** sync_cursors: the week start (ms) of the last digest done (sent, or skipped as too late) */
export const DIGEST_CURSOR = 'digest.week';
/** A digest more than this late (the server was down at its time) is skipped, not sent days later. */
export const DIGEST_LATE_MS = 24 * 3_600_000;

/**
 * 线索周报 (docs/metrics.md#the-weekly-digest): when the schedule's time comes (Monday 09:00 Beijing time
 * by default, the next working day's 09:00 when Monday is a holiday), the figures of the week before
 * go to the management group as one card, once per week (the message's id is derived from the week).
 */
export function createWeeklyDigest(deps: { store: Store; journey: Journey; config: () => MetricsConfig; calendar: WorkCalendar; cards: LeadCards; chatId: () => string | undefined; log: Logger }) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'digest' });
  const label = (id: string): Text => findStage(journey, id)?.label ?? { zh: id, en: id };

  function state(f: DigestFigures): DigestCardState {
    const byStage = new Map(f.reached.map((r) => [r.stage, r]));
    return {
      from: f.from.toISOString(),
      to: f.to.toISOString(),
      stages: f.path.map((id) => ({ label: label(id), thisWeek: byStage.get(id)!.thisWeek, lastWeek: byStage.get(id)!.lastWeek })),
      opportunities: f.opportunities ? { label: label(f.opportunities.stage), thisWeek: f.opportunities.thisWeek, lastWeek: f.opportunities.lastWeek } : null,
      pace: f.pace.map((p) => ({ from: label(p.stage), to: label(p.next), thisWeek: p.thisWeek, lastWeek: p.lastWeek })),
      mlg: f.mlg ? { days: f.mlg.days, won: f.mlg.won, marketing: f.mlg.marketing } : null,
      sla: {
        accept: { met: f.sla.team.accept.met, missed: f.sla.team.accept.missed },
        followUp: { met: f.sla.team.followUp.met, missed: f.sla.team.followUp.missed },
        reps: f.sla.reps.filter((r) => r.accept.missed + r.followUp.missed > 0).map((r) => ({ id: r.ownerId, acceptMissed: r.accept.missed, followUpMissed: r.followUp.missed })),
      },
      stuck: f.stuck,
      trend: f.trend.map((w) => ({ week: w.week.toISOString(), leads: w.leads, opportunities: w.opportunities })),
    };
  }

  /** The digest card of the week starting `week` (Monday 00:00), as state. */
  async function build(week: Date): Promise<DigestCardState> {
    const config = deps.config();
    const [histories, assignments] = [await store.metrics.histories(), await store.metrics.assignments({ from: week, to: new Date(week.getTime() + WEEK_MS) })];
    return state(digestFigures(journey, histories, assignments, { from: week, isMarketing: config.isMarketing, mlgDays: config.digest.mlgDays, trendWeeks: config.digest.trendWeeks, stuck: config.stuck }));
  }

  return {
    build,

    /** Queue the digests that are due at `now` (usually none): how many were queued. */
    async run(members: Members, now: Date): Promise<number> {
      const chatId = deps.chatId();
      const config = deps.config();
      if (!chatId || !config.digest.enabled) return 0;
      const done = await store.cursors.get(DIGEST_CURSOR);
      // The first run (a new install) starts from the latest digest due, at most: older weeks are not news.
      const due = dueDigests(deps.calendar, now, config.digest, done === undefined ? undefined : new Date(done)).slice(done === undefined ? -1 : 0);
      let queued = 0;
      for (const d of due) {
        // the digest of week W reports the week before it
        const reported = new Date(d.week.getTime() - 7 * 86_400_000);
        const late = now.getTime() - d.at.getTime() > DIGEST_LATE_MS;
        const card = late ? undefined : await build(reported);
        await store.transaction(async () => {
          if (card) await deps.cards.post(chatId, { kind: 'digest', state: card }, members, messageUuid(`digest:${reported.toISOString()}`), now);
          await store.cursors.set(DIGEST_CURSOR, d.week.getTime(), now);
        });
        if (card) queued++;
        else log.info({ week: reported.toISOString(), due: d.at.toISOString() }, 'weekly digest skipped: its time passed more than a day ago (the server was not running)');
      }
      if (queued) log.info({ queued }, 'weekly digest queued for the management group');
      return queued;
    },
  };
}

export type WeeklyDigest = ReturnType<typeof createWeeklyDigest>;
