import type { TableLayout } from '../ports/lead-table.js';
import type { Team } from '../ports/team.js';
import { templateTable } from '../rules/base-template.js';
import { createIntake, INTAKE_MERGE, INTAKE_NEW } from '../usecases/intake.js';
import { createIntakeActivities, INTAKE_ACTIVITY } from '../usecases/intake-activities.js';
import type { Locale } from '../domain/text.js';
import { openStages } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { ruleRouter } from '../routing/router.js';
import type { Store } from '../store/store.js';
import type { TimerHandler } from '../jobs/timer-sweep.js';
import { createAdvanceOnScore } from '../usecases/advance-on-score.js';
import { createApplyReturn, REENGAGE } from '../usecases/apply-return.js';
import { createCardActions } from '../usecases/card-actions.js';
import { createChangeStage } from '../usecases/change-stage.js';
import { createEscalateSla } from '../usecases/escalate-sla.js';
import { CARD_RENEW, createLeadCards, OWNER_QUEUE_SUMMARY, type Members } from '../usecases/lead-cards.js';
import { createLeadEngine } from '../usecases/lead-engine.js';
import { createNurture, NURTURE_SILENCE, NURTURE_STAGE } from '../usecases/nurture.js';
import { createOffers } from '../usecases/offers.js';
import { createOwnerQueue } from '../usecases/owner-queue.js';
import { createLeadPool, type LeadPool } from '../usecases/lead-pool.js';
import { createHandover } from '../usecases/handover.js';
import { createCollisions } from '../usecases/collisions.js';
import { createProtection, PROTECT_DAILY, PROTECT_RECYCLE, PROTECT_WARN } from '../usecases/protection.js';
import { createReengage } from '../usecases/reengage.js';
import { createLeadLookup } from '../usecases/lead-lookup.js';
import { createScoring } from '../usecases/score-lead.js';
import { SLA_ACCEPT, SLA_APPROVAL, SLA_FOLLOW_UP } from '../usecases/sla-ladder.js';
import { createStartLead } from '../usecases/start-lead.js';
import type { RuleSet } from './rule-set.js';

export interface LeadJourneyDeps {
  store: Store;
  /** read at each decision: a set replaced here takes effect at once */
  rules: RuleSet;
  clock: Clock;
  log: Logger;
  locale: Locale;
  team: Team;
  /** the group chat cards go to; undefined: no chat configured, nothing is sent */
  chatId: () => string | undefined;
  /** where stage moves are recorded as rows (阶段流转), once the table is known */
  historyTableId: () => string | undefined;
  /** the Base and its tables once known (leads posted to the intake API get their rows there) */
  layout?: () => TableLayout | undefined;
}

/**
 * The use cases, wired together: platform-neutral, built the same way by the server, the scripts and
 * the tests. What comes in (record changes, card clicks, due timers) is handed to these; what goes out
 * is queued in the store's outboxes for the adapters to send.
 */
export async function createLeadJourney(deps: LeadJourneyDeps) {
  const { store, rules, clock, log, locale } = deps;
  const journey = rules.journey;
  const calendar = rules.calendar;
  const historyTableId = deps.historyTableId;
  const router = await ruleRouter({ store, rules: () => rules.routing, candidateRoles: rules.assignment.candidateRoles, openStages: openStages(journey), calendar });
  const cards = createLeadCards({ store, journey, rules: rules.assignment, router, returnReasons: () => rules.returnReasons, calendar, locale, chatId: deps.chatId, log });
  const offers = createOffers({ store, journey, rules: rules.assignment, router, calendar, cards, log });
  const scoring = createScoring({ store, journey, rules: () => rules.scoring });
  const advance = createAdvanceOnScore({ store, journey, clock, rules: () => rules.scoring, cards, offers, historyTableId, log });
  // the pool and 保护期 use each other: claims start a protection, a recycle may offer the lead on a pool card
  let poolRef: LeadPool | undefined;
  const protection = createProtection({ store, journey, rules: () => rules.recycle, calendar, clock, cards, pool: () => poolRef, historyTableId, log });
  const pool = createLeadPool({ store, journey, pools: () => rules.pools, rules: rules.assignment, calendar, cards, protection, log });
  poolRef = pool;
  const engine = createLeadEngine({ store, journey, clock, scoring, router, cards, offers, pool, protection, collisions: createCollisions({ store, cards, log }), historyTableId, log, advance });
  const applyReturn = createApplyReturn({ store, journey, clock, calendar, scoring, cards, pool, historyTableId });
  const cardActions = createCardActions({ store, journey, clock, rules: rules.assignment, calendar, cards, offers, locale, log, members: (ms) => deps.team.membersWithin(ms), historyTableId, applyReturn, pool, protection });
  const escalate = createEscalateSla({ store, rules: rules.assignment, calendar, cards, offers, log });
  const nurture = createNurture({ store, journey, calendar, steps: () => rules.nurtureSteps, cards, log });
  const ownerQueue = createOwnerQueue({ store, journey, rules: rules.assignment, cards, offers, log });
  const handover = createHandover({ store, journey, clock, rules: rules.assignment, recycle: () => rules.recycle, calendar, cards, offers, protection, pool: () => poolRef, historyTableId, log });
  const intake = createIntake({ store, journey, clock, leadsTable: templateTable(rules.template, 'leads'), layout: deps.layout ?? (() => undefined), engine, log });
  const intakeActivities = createIntakeActivities({ store, clock, engine });
  const reengage = createReengage({ store, journey, clock, cards, offers, returnReasons: () => rules.returnReasons, historyTableId, log });
  /** What each durable timer does when it comes due (the timer sweep hands them the team). */
  const timerHandlers: Record<string, TimerHandler<Members>> = {
    [SLA_ACCEPT]: escalate,
    [SLA_FOLLOW_UP]: escalate,
    [SLA_APPROVAL]: escalate,
    [NURTURE_STAGE]: nurture.fire,
    [NURTURE_SILENCE]: nurture.fire,
    [REENGAGE]: reengage,
    [OWNER_QUEUE_SUMMARY]: ownerQueue.summary,
    [CARD_RENEW]: cards.renew,
    [PROTECT_RECYCLE]: protection.onRecycle,
    [PROTECT_WARN]: protection.onWarn,
    [PROTECT_DAILY]: protection.onDaily,
    [INTAKE_NEW]: intake.onTimer,
    [INTAKE_MERGE]: intake.onTimer,
    [INTAKE_ACTIVITY]: intakeActivities.onTimer,
  };
  return {
    rules,
    router,
    cards,
    pool,
    protection,
    handover,
    offers,
    scoring,
    engine,
    applyReturn,
    cardActions,
    escalate,
    nurture,
    ownerQueue,
    reengage,
    intake,
    intakeActivities,
    timerHandlers,
    /** 查询线索: a question asked of the app in a group chat, answered there */
    leadLookup: createLeadLookup({ store, journey, locale }),
    startLead: createStartLead({ store, journey, clock }),
    changeStage: createChangeStage({ store, journey, clock }),
  };
}

export type LeadJourney = ReturnType<typeof createLeadJourney>;
