import { createHash } from 'node:crypto';
import { atWork, type Member } from '../domain/people.js';
import { findStage, type Journey } from '../domain/journey.js';
import { nurtureVerdict, planNurture, stepKeyOf, type NurtureStep, type PlannedStep } from '../domain/nurture.js';
import type { Text } from '../domain/text.js';
import type { WorkCalendar } from '../domain/work-calendar.js';
import type { Logger } from '../lib/logger.js';
import { OWNER } from '../rules/nurture-rules.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { WEBHOOK_SEND, type WebhookSendPayload } from '../ports/webhooks.js';
import { journeyNote } from './journey-notes.js';
import type { LeadCards, Members } from './lead-cards.js';
import { leadSummary } from './lead-events.js';
import { writeLeadRow } from './lead-row.js';

/**
 * Runs the 培育步骤 on each lead's own clock, from durable timers: `plan` (after a stage entry or an
 * activity) schedules the lead's steps — each once per anchor, and cancels those its new state no
 * longer calls for; `fire` (the timer sweep) checks the step still applies and takes it in the timer's
 * transaction: a reminder card to the owner (else the role the step names), or a signed webhook queued
 * in the outbox, noted in 旅程备注. (A return's re-engage date is reengage.ts.)
 */
export const NURTURE_STAGE = 'nurture.stage';
export const NURTURE_SILENCE = 'nurture.silence';
export const NURTURE_KINDS = [NURTURE_STAGE, NURTURE_SILENCE] as const;

/** A step planned this long ago or more (the server was off, or the rules are new) is not sent late. */
const STALE_MS = 86_400_000;

export interface NurtureDeps {
  store: Store;
  journey: Journey;
  calendar: WorkCalendar;
  steps: () => readonly NurtureStep[];
  cards: LeadCards;
  log: Logger;
}

type Payload = Pick<PlannedStep, 'stepKey' | 'trigger' | 'anchor' | 'stage'>;

export function createNurture(deps: NurtureDeps) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'nurture' });
  const stageLabel = (id: string): Text => findStage(journey, id)?.label ?? { zh: id, en: id };

  /** (inside a transaction) Schedule the lead's steps for its present state; cancel what it no longer calls for. */
  async function plan(lead: LeadRow, now: Date): Promise<{ planned: number; cancelled: number }> {
    const all = planNurture(deps.steps(), lead, deps.calendar);
    // a step already past when planning began is not scheduled late; but a timer already pending for a
    // step still in the plan stays (re-planning, after the steps changed, must not drop what is due)
    const planned = all.filter((p) => p.dueAt.getTime() > now.getTime() - STALE_MS);
    const keys = new Set(all.map((p) => p.dedupeKey));
    let cancelled = 0;
    for (const t of await store.timers.pendingForLead(lead.id)) {
      if ((t.kind === NURTURE_STAGE || t.kind === NURTURE_SILENCE) && !keys.has(t.dedupeKey ?? '') && (await store.timers.cancel(t.id))) cancelled++;
    }
    // the same key again is the same timer (pending, or already fired: never twice)
    for (const p of planned) {
      const payload: Payload = { stepKey: p.stepKey, trigger: p.trigger, anchor: p.anchor, stage: p.stage };
      await store.timers.schedule({ kind: p.trigger === 'stage' ? NURTURE_STAGE : NURTURE_SILENCE, leadId: lead.id, dueAt: p.dueAt, payload, dedupeKey: p.dedupeKey, now });
    }
    return { planned: planned.length, cancelled };
  }

  /** Who a step's card goes to: the first of its recipients that names someone available. */
  function recipientsOf(lead: LeadRow, recipients: readonly string[], members: Members, now: Date): string[] {
    const available = (m: Member | undefined): m is Member => atWork(m, now);
    const owner = lead.ownerId ?? (typeof lead.facts.owner === 'string' ? lead.facts.owner : null);
    for (const r of recipients) {
      if (r === OWNER) {
        if (owner && (available(members.get(owner)) || !members.size)) return [owner];
        continue;
      }
      // the SDR who feeds the owner first, else everyone holding the role
      const linked = owner ? members.get(owner)?.sdrId : undefined;
      const mine = linked && available(members.get(linked)) && members.get(linked)!.roles.includes(r) ? [linked] : [];
      const all = [...members.values()].filter((m) => available(m) && m.roles.includes(r)).map((m) => m.id);
      if (mine.length || all.length) return mine.length ? mine : all;
    }
    return [];
  }

  const nameList = (ids: readonly string[], members: Members) => ids.map((id) => members.get(id)?.name || id).join('、');

  function whyOf(step: NurtureStep, p: Payload): Text {
    const st = stageLabel(p.stage);
    return step.trigger === 'stage' ? { zh: `进入${st.zh}第 ${step.day} 天`, en: `day ${step.day} at ${st.en}` } : { zh: `已沉默 ${step.day} 天`, en: `${step.day} days without activity` };
  }

  function webhookBody(lead: LeadRow, step: NurtureStep, p: Payload, now: Date): WebhookSendPayload['body'] {
    return {
      type: 'lead.nurture_step',
      timestamp: now.toISOString(),
      data: {
        lead: leadSummary(lead),
        step: { name: step.name, sequence: step.sequence, trigger: step.trigger === 'stage' ? 'stage_entry' : 'silence', day: step.day, content: step.content, stage: p.stage, anchor: new Date(p.anchor).toISOString() },
      },
    };
  }

  /** The timer sweep's handler for nurture.stage and nurture.silence. */
  function fire(timer: Timer, now: Date, members: Members): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (!(await store.timers.markFired(timer.id, now))) return 'skipped';
      const p = timer.payload as Payload;
      const lead = timer.leadId === null ? undefined : await store.leads.get(timer.leadId);
      const v = nurtureVerdict(deps.steps(), lead, p, lead ? await store.assignments.lastOfferedAt(lead.id) : null);
      if (!v.go || !lead) {
        log.debug({ timer: timer.id, lead: lead?.leadKey, why: v.go ? 'gone' : v.why }, 'nurture step no longer applies');
        return 'skipped';
      }
      const step = v.step;
      let done: string;
      if (step.action === 'webhook') {
        const payload: WebhookSendPayload = { url: step.url!, body: webhookBody(lead, step, p, now) };
        await store.messages.enqueue({
          kind: WEBHOOK_SEND,
          target: step.url!,
          payload,
          idempotencyKey: `msg_${createHash('sha256')
            .update(timer.dedupeKey ?? `timer:${timer.id}`)
            .digest('base64url')
            .slice(0, 32)}`,
          now,
        });
        done = '已推送到营销自动化（Webhook）';
      } else {
        const to = recipientsOf(lead, step.recipients, members, now);
        await deps.cards.remind(lead, { to, kind: 'step', name: step.name, sequence: step.sequence, content: step.content, why: whyOf(step, p) }, members, timer.dedupeKey ?? `timer:${timer.id}`, now);
        done = to.length ? `已提醒 ${nameList(to, members)}` : '没有可提醒的人';
      }
      await writeLeadRow(store, lead, { 旅程备注: journeyNote(now, [`培育「${step.name}」（${whyOf(step, p).zh}）：${done}`]) }, `nurture:${timer.id}`, now);
      log.info({ lead: lead.leadKey, step: stepKeyOf(step), action: step.action }, 'nurture step taken');
      return 'sent';
    });
  }

  return { plan, fire, kinds: NURTURE_KINDS };
}

export type Nurture = ReturnType<typeof createNurture>;
