import { createHash } from 'node:crypto';
import { isPersonId, type Member } from '../domain/people.js';
import { guardChecklist } from '../domain/guards.js';
import { formatPoints, topReasons } from '../domain/scoring.js';
import { findStage, findTransition, type Journey } from '../domain/journey.js';
import { addWorkingHours, type WorkCalendar } from '../domain/work-calendar.js';
import type { Locale, Text } from '../domain/text.js';
import type { Logger } from '../lib/logger.js';
import { CHAT_SEND, CHAT_UPDATE, type CardMessage, type CardState, type ChatSendPayload, type ChatUpdatePayload, type HandoverCardState, type LeadView, type NurtureCardState, type SlowdownCardState } from '../ports/chat.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { ReturnReason } from '../rules/return-reasons.js';
import type { Router } from '../routing/router.js';
import type { AssignmentRow } from '../store/assignments-repo.js';
import type { CardKind, CardRow } from '../store/cards-repo.js';
import type { LeadRow, PendingApproval } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { scheduleLadderStep, SLA_APPROVAL } from './sla-ladder.js';

/**
 * The cards a lead's state calls for, queued in the message outbox inside the caller's transaction: an
 * approval card when a move waits for a role, an assignment card when the lead enters a hand-off stage,
 * a short @-mention when a person's edit was refused or held. Cards are queued as state (ports/chat.ts),
 * built from the lead and the card row by one function, so the callback answer, a later in-place update
 * and a renewal all say the same; the platform adapter renders them when it sends.
 */
export interface LeadCardsDeps {
  store: Store;
  journey: Journey;
  rules: AssignmentRules;
  router: Router;
  /** the 退回原因 taxonomy the card's return menu offers */
  returnReasons: () => readonly ReturnReason[];
  /** SLAs count working time (holidays, 调休, working hours) */
  calendar: WorkCalendar;
  locale: Locale;
  /** the group chat cards go to; undefined: no chat configured, nothing is sent */
  chatId: () => string | undefined;
  log: Logger;
}

export type Members = ReadonlyMap<string, Member>;

/**
 * A card can be clicked and updated for 14 days after it was sent (card JSON 2.0 release notes: "卡片
 * 可交互和可更新时间统一为 14 天"). One still open after 13 days is sent again as a new card, and the old
 * one says so; a click on the old one is told where to act.
 */
export const CARD_RENEW = 'card.renew';
export const RENEWED_ACTION = 'renewed';
/** An open assignment card whose owner left (离职交接): it says who has the lead now. */
export const HANDED_OVER = 'handed_over';
/** A pool card near its 14 days is closed, not renewed: the grid's 领取 stays. */
export const POOL_EXPIRED = 'expired';
const RENEW_AFTER_MS = 13 * 86_400_000;

/** The timer kind of the summary of leads waiting for an owner (scheduled by offers.ts). */
export const OWNER_QUEUE_SUMMARY = 'owner_queue.summary';

/** How a decision the server made by itself (a score past a threshold) is signed on a card. */
const SYSTEM_NAME: Text = { zh: '系统（线索评分）', en: 'System (lead score)' };

/** A message's own id, derived from a stable key: short (43 chars) and URL-safe, which chat platforms' dedupe ids accept. */
export const messageUuid = (key: string) => `lj-${createHash('sha256').update(key).digest('base64url').slice(0, 40)}`;
/** The message id (and outbox key) of a stay's 推进变慢 card. */
export const slowdownUuid = (stayKey: string) => messageUuid(`slowdown:${stayKey}`);

export function createLeadCards(deps: LeadCardsDeps) {
  const { store, journey, rules } = deps;
  const stageText = (id: string | null): Text => (id ? (findStage(journey, id)?.label ?? { zh: id, en: id }) : { zh: '（无）', en: '(none)' });

  /** The card with its language and the names of everyone it names (the server's own actors signed as the system). */
  const message = (card: CardState, members: Members): CardMessage => {
    const json = JSON.stringify(card.state);
    const names: Record<string, string> = {};
    for (const [id, m] of members) if (json.includes(`"${id}"`)) names[id] = m.name;
    for (const [id] of json.matchAll(/system:[a-z_]+/g)) names[id] = deps.locale === 'en' ? SYSTEM_NAME.en : SYSTEM_NAME.zh;
    return { card, locale: deps.locale, names };
  };

  /** (inside a transaction) A card with nothing to click or update, to `chatId`, once per `uuid` (the outbox's key). */
  async function post(chatId: string, card: CardState, members: Members, uuid: string, now: Date): Promise<void> {
    const payload: ChatSendPayload = { chatId, uuid, card: message(card, members) };
    await store.messages.enqueue({ kind: CHAT_SEND, target: chatId, payload, idempotencyKey: uuid, now });
  }

  async function view(lead: LeadRow): Promise<LeadView> {
    const ledger = await store.scores.listForLead(lead.id);
    const reasons = topReasons(ledger).map((r) => ({ zh: `${r.detail} ${formatPoints(r.points)}`, en: `${r.detail} ${formatPoints(r.points)}` }));
    return { key: lead.leadKey, facts: lead.facts, stage: stageText(lead.stage), ...(ledger.length ? { score: { value: lead.score, reasons } } : {}) };
  }

  async function render(c: CardRow, lead: LeadRow, members: Members): Promise<CardMessage> {
    const detail = c.detail ?? {};
    if (c.kind === 'approval') {
      const s = c.subject as { from: string; to: string; gate: Text; requestedBy: string; requestedAt: number };
      const t = findTransition(journey, s.from, s.to);
      return message(
        {
          kind: 'approval',
          state: {
            lead: await view(lead),
            subject: { from: stageText(s.from), to: stageText(s.to), gate: s.gate, requestedBy: s.requestedBy, requestedAt: s.requestedAt },
            approvers: [...members.values()].filter((m) => t?.approval && m.roles.includes(t.approval.role)).map((m) => m.id),
            checklist: guardChecklist(t?.guards, lead.facts, lead.score).map((x) => ({ label: x.guard.label, met: x.met })),
            escalations: (await store.escalations.forCard(c.id)).map((e) => ({ step: e.step, at: e.at, to: e.toId })),
            ...(c.status !== 'open'
              ? {
                  outcome: {
                    action: c.status === 'void' ? ('void' as const) : (c.action as 'approve' | 'reject'),
                    by: c.actedBy ?? '',
                    at: c.actedAt ?? new Date(0),
                    comment: typeof detail.comment === 'string' ? detail.comment : undefined,
                    ...(c.action === RENEWED_ACTION ? { renewed: true } : {}),
                  },
                }
              : {}),
          },
        },
        members,
      );
    }
    if (c.kind === 'pool') {
      const s = c.subject as { pool: string; why: Text; limits?: Text };
      const outcome =
        c.status === 'open'
          ? undefined
          : c.status === 'done'
            ? { action: 'claim' as const, by: c.actedBy ?? '', at: c.actedAt ?? new Date(0) }
            : { action: 'void' as const, at: c.actedAt ?? new Date(0), ...(c.action === POOL_EXPIRED ? { expired: true } : {}) };
      return message({ kind: 'pool', state: { lead: await view(lead), pool: s.pool, why: s.why, ...(s.limits ? { limits: s.limits } : {}), ...(outcome ? { outcome } : {}) } }, members);
    }
    const s = c.subject as { owner: string; acceptDueAt: number | null; assignmentId?: number };
    const escalations = s.assignmentId === undefined ? [] : (await store.escalations.forAssignment(Number(s.assignmentId))).map((e) => ({ step: e.step, at: e.at, to: e.toId }));
    const reason = deps.returnReasons().find((r) => r.option === detail.reason);
    const returnReasons = deps.returnReasons().map((r) => ({ value: r.option, label: r.label }));
    const next = (detail.next as Text | undefined) ?? { zh: '跟进人已清空', en: 'owner cleared' };
    const outcome =
      c.status === 'void'
        ? {
            action: 'void' as const,
            at: c.actedAt ?? new Date(0),
            ...(c.action === 'reassigned' ? { timedOut: true, reassignedTo: typeof detail.reassignedTo === 'string' ? detail.reassignedTo : null } : {}),
            ...(c.action === HANDED_OVER ? { handedOver: true, reassignedTo: typeof detail.reassignedTo === 'string' ? detail.reassignedTo : null } : {}),
            ...(c.action === RENEWED_ACTION ? { renewed: true } : {}),
          }
        : c.action === 'accept'
          ? { action: 'accept' as const, by: c.actedBy ?? '', at: c.actedAt ?? new Date(0), followUpDueAt: typeof detail.followUpDueAt === 'number' ? new Date(detail.followUpDueAt) : null }
          : c.action === 'return'
            ? {
                action: 'return' as const,
                by: c.actedBy ?? '',
                at: c.actedAt ?? new Date(0),
                reason: reason?.label ?? { zh: String(detail.reason), en: String(detail.reason) },
                note: typeof detail.note === 'string' ? detail.note : undefined,
                next,
              }
            : undefined;
    return message({ kind: 'assignment', state: { lead: await view(lead), owner: s.owner, acceptDueAt: s.acceptDueAt === null ? null : new Date(s.acceptDueAt), returnReasons, escalations, ...(outcome ? { outcome } : {}) } }, members);
  }

  async function send(c: CardRow, card: CardMessage, now: Date): Promise<void> {
    const payload: ChatSendPayload = { chatId: c.chatId, uuid: c.uuid, cardUuid: c.uuid, card };
    // Feishu lets a card be clicked for 14 days: one still open on day 13 is sent again (renew)
    await store.timers.schedule({ kind: CARD_RENEW, leadId: c.leadId, dueAt: new Date(c.createdAt.getTime() + RENEW_AFTER_MS), payload: { cardId: c.id }, dedupeKey: `card-renew:${c.id}`, now });
    await store.messages.enqueue({ kind: CHAT_SEND, target: c.chatId, payload, idempotencyKey: c.uuid, now });
  }

  /** An open card whose state changed without a click (the lead moved in the grid …): update it in place. */
  async function patch(c: CardRow, lead: LeadRow, members: Members, now: Date): Promise<void> {
    const fresh = (await store.cards.get(c.id))!;
    const payload: ChatUpdatePayload = { cardUuid: c.uuid, card: await render(fresh, lead, members) };
    // keyed by the content: the same card twice is one update; any change is a new one
    await store.messages.enqueue({ kind: CHAT_UPDATE, target: c.chatId, payload, idempotencyKey: `patch:${c.uuid}:${messageUuid(JSON.stringify(payload.card))}`, now });
  }

  /**
   * The timer sweep's handler for card.renew (in its transaction): a card still open is replaced by a
   * new one with the same state, before Feishu stops taking its clicks.
   */
  function renew(timer: Timer, now: Date, members: Members): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (!(await store.timers.markFired(timer.id, now))) return 'skipped';
      const old = await store.cards.get(Number((timer.payload as { cardId?: number }).cardId));
      const lead = old ? await store.leads.get(old.leadId) : undefined;
      if (old?.status !== 'open' || !lead || lead.deletedAt) return 'skipped';
      if (old.kind === 'pool') {
        // a pool card is not sent again (a lead may sit in the pool for months): it says to claim in the grid
        if (await store.cards.close(old.id, { status: 'void', action: POOL_EXPIRED, by: 'system', now })) await patch(old, lead, members, now);
        return 'sent';
      }
      const fresh = await store.cards.create({ kind: old.kind, leadId: old.leadId, chatId: old.chatId, uuid: messageUuid(`renew:${old.id}`), subject: old.subject, now });
      if (old.kind === 'assignment' && old.subject.assignmentId !== undefined) await store.assignments.setCard(Number(old.subject.assignmentId), fresh.id);
      if (await store.cards.close(old.id, { status: 'void', action: RENEWED_ACTION, by: 'system', detail: { renewedTo: fresh.id }, now })) await patch(old, lead, members, now);
      await send(fresh, await render(fresh, lead, members), now);
      deps.log.info({ lead: lead.leadKey, card: old.id, renewedAs: fresh.id }, 'card sent again before its 14 days were up');
      return 'sent';
    });
  }

  return {
    view,
    renew,
    returnReasons: deps.returnReasons,
    render,
    stageText,
    /** "MQL → SQL" in both languages, from stage ids */
    moveText: (from: string, to: string): Text => ({ zh: `${stageText(from).zh} → ${stageText(to).zh}`, en: `${stageText(from).en} → ${stageText(to).en}` }),
    /** (inside a transaction) The move waits for a role: one approval card per pending request. */
    async requestApproval(lead: LeadRow, pending: PendingApproval, members: Members, now: Date): Promise<CardRow | undefined> {
      const chatId = deps.chatId();
      if (!chatId || !lead.stage) return undefined;
      const open = await store.cards.openFor(lead.id, 'approval');
      const same = open.find((c) => c.subject.to === pending.to && c.subject.from === lead.stage);
      if (same) return same;
      for (const c of open) if (await store.cards.close(c.id, { status: 'void', action: 'superseded', by: 'system', now })) await patch(c, lead, members, now);
      await store.timers.cancelForLead(lead.id, SLA_APPROVAL);
      const gate = findTransition(journey, lead.stage, pending.to)?.approval;
      const c = await store.cards.create({
        kind: 'approval',
        leadId: lead.id,
        chatId,
        uuid: messageUuid(`approval:${lead.id}:${lead.stage}:${pending.to}:${pending.requestedAt}`),
        subject: { from: lead.stage, to: pending.to, role: pending.role, gate: gate?.label ?? { zh: pending.role, en: pending.role }, requestedBy: pending.requestedBy, requestedAt: pending.requestedAt },
        now,
      });
      await send(c, await render(c, lead, members), now);
      // waiting too long starts the approval ladder (remind the approvers → @ their manager)
      const slaDueAt = addWorkingHours(deps.calendar, now, rules.approvalWithinWorkingHours);
      await scheduleLadderStep(store, deps.calendar, { kind: SLA_APPROVAL, leadId: lead.id, ladder: rules.escalation.approval, index: 0, slaDueAt, subject: { cardId: c.id }, now });
      return c;
    },
    /** The people holding the role an approval card waits for. */
    approversOf(c: CardRow, members: Members): string[] {
      return [...members.values()].filter((m) => m.roles.includes(String(c.subject.role))).map((m) => m.id);
    },
    /** (inside a transaction) The assignment card for an offer: sent to the group, @-mentioning the owner. */
    async offerCard(lead: LeadRow, a: AssignmentRow, members: Members, now: Date): Promise<CardRow | undefined> {
      const chatId = deps.chatId();
      if (!chatId) return undefined;
      const c = await store.cards.create({
        kind: 'assignment',
        leadId: lead.id,
        chatId,
        uuid: messageUuid(`assignment:${a.id}`),
        subject: { assignmentId: a.id, owner: a.ownerId, acceptDueAt: a.acceptDueAt === null ? null : a.acceptDueAt.getTime() },
        now,
      });
      await store.assignments.setCard(a.id, c.id);
      await send(c, await render(c, lead, members), now);
      return c;
    },
    /**
     * (inside a transaction) The lead is in the pool: a card offering it to the group, once per `key`
     * (the event that put it there). Open pool cards of the lead before it are withdrawn.
     */
    async poolCard(lead: LeadRow, subject: { pool: string; why: Text; limits?: Text }, members: Members, key: string, now: Date): Promise<CardRow | undefined> {
      const chatId = deps.chatId();
      if (!chatId) return undefined;
      const uuid = messageUuid(`pool:${lead.id}:${key}`);
      const known = await store.cards.getByUuid(uuid);
      if (known) return known;
      for (const old of await store.cards.openFor(lead.id, 'pool')) if (await store.cards.close(old.id, { status: 'void', action: 'superseded', by: 'system', now })) await patch(old, lead, members, now);
      const c = await store.cards.create({ kind: 'pool', leadId: lead.id, chatId, uuid, subject, now });
      await send(c, await render(c, lead, members), now);
      return c;
    },
    /** (inside a transaction) `by` claimed the lead (in the grid or on a card): its open pool cards say who. */
    async claimedPoolCards(lead: LeadRow, by: string, members: Members, now: Date): Promise<void> {
      for (const c of await store.cards.openFor(lead.id, 'pool')) if (await store.cards.close(c.id, { status: 'done', action: 'claim', by, now })) await patch(c, lead, members, now);
    },
    /** (inside a transaction) An open card's state changed without a click (an escalation step): show it, in place. */
    async refresh(c: CardRow, lead: LeadRow, members: Members, now: Date): Promise<void> {
      if (c.status === 'open' || c.messageId) await patch(c, lead, members, now);
    },
    /** (inside a transaction) The lead left the state an open card asks about (a pool card: the pool): the card says so, in place. */
    async voidOpenCards(lead: LeadRow, kind: CardKind, members: Members, now: Date): Promise<number> {
      let n = 0;
      if (kind === 'approval') await store.timers.cancelForLead(lead.id, SLA_APPROVAL);
      for (const c of await store.cards.openFor(lead.id, kind)) {
        if (await store.cards.close(c.id, { status: 'void', action: 'superseded', by: 'system', now })) {
          await patch(c, lead, members, now);
          n++;
        }
      }
      return n;
    },
    /**
     * (inside a transaction) A nurture step or a re-engage date came: one reminder card in the group,
     * @-mentioning `to`, keyed by `key` (the timer's), so the same step is one message however often it is
     * queued. False when no chat is configured.
     */
    async remind(lead: LeadRow, r: Omit<NurtureCardState, 'lead' | 'owner'>, members: Members, key: string, now: Date): Promise<boolean> {
      const chatId = deps.chatId();
      if (!chatId) return false;
      await post(chatId, { kind: 'nurture', state: { ...r, lead: await view(lead), owner: lead.ownerId ?? (typeof lead.facts.owner === 'string' ? lead.facts.owner : null) } }, members, messageUuid(`remind:${key}`), now);
      return true;
    },
    /** (inside a transaction) The lead's open assignment cards: its owner left, and `to` has it now (null: the pool). */
    async handedOver(lead: LeadRow, to: string | null, members: Members, now: Date): Promise<void> {
      for (const c of await store.cards.openFor(lead.id, 'assignment')) {
        if (await store.cards.close(c.id, { status: 'void', action: HANDED_OVER, by: 'system', detail: { reassignedTo: to }, now })) await patch(c, lead, members, now);
      }
    },
    /**
     * (inside a transaction) 推进变慢: one card @ the lead's owner for a stay past its stage's usual time,
     * keyed by the stay (`key`), so a stay is one message however often it is queued. False when no chat
     * is configured.
     */
    async slowdown(lead: LeadRow, s: Omit<SlowdownCardState, 'lead'>, members: Members, key: string, now: Date): Promise<boolean> {
      const chatId = deps.chatId();
      if (!chatId) return false;
      await post(chatId, { kind: 'slowdown', state: { ...s, lead: await view(lead) } }, members, slowdownUuid(key), now);
      return true;
    },
    /** (inside a transaction) A 离职交接 summary in the group, once per `key`. False when no chat is configured. */
    async handoverSummary(state: HandoverCardState, members: Members, key: string, now: Date): Promise<boolean> {
      const chatId = deps.chatId();
      if (!chatId) return false;
      await post(chatId, { kind: 'handover', state }, members, messageUuid(`handover:${key}`), now);
      return true;
    },
    post,
    /** (inside a transaction) Tell a person once, by @-mention in the group, what became of their edit. */
    async notify(personId: string, text: Text, key: string, now: Date): Promise<void> {
      const chatId = deps.chatId();
      if (!chatId || !isPersonId(personId)) return;
      const uuid = messageUuid(`notice:${key}`);
      const payload: ChatSendPayload = { chatId, uuid, notice: { to: personId, text: deps.locale === 'en' ? text.en : text.zh } };
      await store.messages.enqueue({ kind: CHAT_SEND, target: chatId, payload, idempotencyKey: uuid, now });
    },
  };
}

export type LeadCards = ReturnType<typeof createLeadCards>;
