import { findStage, type Journey } from '../domain/journey.js';
import { thresholdTarget, type ScoringRules } from '../domain/scoring.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import type { Offers } from './offers.js';
import type { LeadCards, Members } from './lead-cards.js';
import { writeLeadRow, writeStageMove } from './lead-row.js';
import { leadEvents } from './lead-events.js';

/**
 * A lead whose score crossed a threshold moves on by itself (docs/domain.md#scoring-线索评分: crossing the MQL threshold
 * moves the lead on, or asks for approval): the stage machine decides as the system, so the journey's
 * guards and approval gates hold exactly as for a person. Applied → the row shows the new stage and a
 * hand-off stage offers the lead; gated → an approval card; refused (a fact missing) → one note saying
 * what is missing. Runs inside the caller's transaction.
 */
export const SCORE_ACTOR = 'system:score';

export interface AdvanceDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  rules: () => ScoringRules;
  cards?: LeadCards;
  /** who a lead is offered to (absent: no offers) */
  offers?: Offers;
  historyTableId: () => string | undefined;
  log: Logger;
}

export type AdvanceOutcome = { status: 'moved' | 'gated' | 'blocked'; to: string } | undefined;

export function createAdvanceOnScore(deps: AdvanceDeps) {
  const { store, journey } = deps;
  const changeStage = createChangeStage(deps);
  const label = (id: string) => findStage(journey, id)?.label.zh ?? id;

  async function step(lead: LeadRow, before: number, members: Members, now: Date): Promise<AdvanceOutcome> {
    const fresh = await store.leads.get(lead.id);
    if (!fresh || fresh.deletedAt || fresh.pendingApproval) return undefined;
    const target = thresholdTarget(deps.rules(), journey, fresh.stage, fresh.score, before);
    if (!target || !fresh.stage) return undefined;
    await leadEvents.thresholdCrossed(store, fresh, { stage: { id: target.to, label: label(target.to) }, threshold: target.min, before }, now);
    const from = fresh.stage;
    const why = `线索评分 ${fresh.score} 达到「${label(target.to)}」阈值 ${target.min}`;
    const r = await changeStage({ leadId: fresh.id, to: target.to, actor: { id: SCORE_ACTOR, roles: [] }, reason: why });
    if (!r.ok) {
      if (r.error.code === 'conflict') throw new Error(`lead ${fresh.leadKey} changed while advancing on its score`);
      // Said once per missing set: the next activity does not repeat it.
      await writeLeadRow(store, fresh, { 旅程备注: journeyNote(now, [`${why}，但暂不能进入：${r.error.message.zh}`]) }, `threshold-blocked:${fresh.id}:${from}:${target.to}:${r.error.message.zh}`, now);
      return { status: 'blocked', to: target.to };
    }
    const moved = r.value.lead;
    if (r.value.outcome.status === 'pending_approval') {
      const gate = r.value.outcome.gate;
      await writeLeadRow(
        store,
        moved,
        { 待审批: `待${gate.label.zh}审批：${label(from)} → ${label(target.to)}`, 旅程备注: journeyNote(now, [`${why}，已提交${gate.label.zh}审批`]) },
        `threshold-gated:${fresh.id}:${moved.pendingApproval?.requestedAt ?? now.getTime()}`,
        now,
      );
      if (moved.pendingApproval) await deps.cards?.requestApproval(moved, moved.pendingApproval, members, now);
      deps.log.info({ lead: fresh.leadKey, to: target.to, score: fresh.score }, 'score crossed a threshold; approval requested');
      return { status: 'gated', to: target.to };
    }
    await writeStageMove(store, {
      lead: moved,
      move: { from: label(from), to: label(target.to), label: r.value.outcome.label, reason: why },
      actorId: undefined,
      historyTableId: deps.historyTableId(),
      writeStage: true,
      extra: { 旅程备注: journeyNote(now, [`${why}，自动进入「${label(target.to)}」`]) },
      now,
      key: `threshold:${fresh.id}:${r.value.outcome.label}`,
    });
    await deps.cards?.voidOpenCards(moved, 'approval', members, now);
    await deps.cards?.voidOpenCards(moved, 'pool', members, now);
    await deps.offers?.offerAssignment(moved, members, now);
    deps.log.info({ lead: fresh.leadKey, from, to: target.to, score: fresh.score }, 'score crossed a threshold; lead moved on');
    return { status: 'moved', to: target.to };
  }

  /**
   * The score went from `before` to what the lead has now: as far as the thresholds it crossed take it
   * (a new lead past two thresholds moves twice; the second may wait for approval).
   */
  return async function advance(lead: LeadRow, before: number, members: Members, now: Date): Promise<AdvanceOutcome> {
    let last: AdvanceOutcome;
    for (let i = 0; i < journey.stages.length; i++) {
      const o = await step(lead, before, members, now);
      if (!o) return last;
      last = o;
      if (o.status !== 'moved') return o;
    }
    return last;
  };
}

export type AdvanceOnScore = ReturnType<typeof createAdvanceOnScore>;
