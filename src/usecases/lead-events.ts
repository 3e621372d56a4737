import { createHash } from 'node:crypto';
import { maskPhone } from '../domain/mask.js';
import { SUBSCRIBER_TARGET, WEBHOOK_SEND, type WebhookSendPayload } from '../ports/webhooks.js';
import type { AssignmentRow } from '../store/assignments-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';

/**
 * What happens to leads, told to webhook subscribers (docs/webhooks.md): each event is queued in the
 * message outbox, one row per subscriber that wants its type, in the same transaction as the decision
 * that caused it, so an event is sent if and only if the decision stands. The webhook sender signs and
 * delivers the rows with retries (webhooks/sender.ts). Every event has an id (`evt_…`) derived from
 * what happened, so a decision replayed after a crash queues nothing new.
 */
export const LEAD_EVENT_TYPES = ['lead.created', 'lead.stage_changed', 'lead.assigned', 'lead.accepted', 'lead.returned', 'lead.score_threshold_crossed'] as const;
export type LeadEventType = (typeof LEAD_EVENT_TYPES)[number];
/** What `npm run webhooks -- test` sends: always delivered, whatever the subscriber's event types. */
export const TEST_EVENT = 'webhook.test';

const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 32);

/** The lead as events show it. The phone is masked: full numbers never leave the table (docs/reliability.md). */
export function leadSummary(lead: LeadRow) {
  const f = lead.facts;
  const s = (k: string) => (typeof f[k] === 'string' && (f[k] as string).trim() ? (f[k] as string) : undefined);
  return {
    key: lead.leadKey,
    company: s('company'),
    contact: s('contact_name'),
    email: s('email'),
    phone: s('phone') ? maskPhone(s('phone')!) : undefined,
    stage: lead.stage,
    score: lead.score,
    grade: lead.grade,
    source: s('source'),
    owner: lead.ownerId ?? s('owner') ?? null,
  };
}

/**
 * (inside the caller's transaction) Queue `type` about `lead` for every subscriber that wants it.
 * `key` names the occurrence (the same key is the same event). Returns how many rows were queued.
 */
export async function publishLeadEvent(store: Store, lead: LeadRow, type: LeadEventType, key: string, data: Record<string, unknown>, now: Date): Promise<number> {
  const subscribers = (await store.webhookSubscribers.active()).filter((s) => !s.events.length || s.events.includes(type));
  if (!subscribers.length) return 0;
  const id = `evt_${digest(`${type}:${key}`)}`;
  const body: WebhookSendPayload['body'] = { type, timestamp: now.toISOString(), data: { id, lead: leadSummary(lead), ...data } };
  for (const s of subscribers) {
    const payload: WebhookSendPayload = { url: s.url, subscriberId: s.id, body };
    await store.messages.enqueue({ kind: WEBHOOK_SEND, target: SUBSCRIBER_TARGET(s.id), payload, idempotencyKey: `msg_${digest(`${s.id}:${type}:${key}`)}`, now });
  }
  return subscribers.length;
}

/** A stage as events name it: its id in the journey and its label (zh). */
export type StageRef = { id: string; label: string };

/** The events, each with the data its receivers get beside `id` and `lead`. */
export const leadEvents = {
  created: (store: Store, lead: LeadRow, m: { stage: StageRef; actor: string }, now: Date) => publishLeadEvent(store, lead, 'lead.created', `${lead.id}`, { stage: m.stage, actor: m.actor }, now),

  /** `n`: the transition's place in the lead's history (the same move is the same event). */
  stageChanged: (store: Store, lead: LeadRow, m: { n: number; from: StageRef | null; to: StageRef; kind: string; actor: string; reason: string | null }, now: Date) =>
    publishLeadEvent(store, lead, 'lead.stage_changed', `${lead.id}:${m.n}`, { from: m.from, to: m.to, kind: m.kind, actor: m.actor, reason: m.reason }, now),

  /** Offered to someone (`accepted`: theirs at once — a claim from the pool, a handover). */
  assigned: (store: Store, lead: LeadRow, a: AssignmentRow, now: Date, o: { accepted?: boolean } = {}) =>
    publishLeadEvent(store, lead, 'lead.assigned', `${a.id}`, { assignment_id: a.id, owner: a.ownerId, via: a.source, why: a.why, accepted: o.accepted ?? a.status === 'accepted', accept_due_at: a.acceptDueAt?.toISOString() ?? null }, now),

  accepted: (store: Store, lead: LeadRow, a: AssignmentRow, by: string, followUpDueAt: Date, now: Date) =>
    publishLeadEvent(store, lead, 'lead.accepted', `${a.id}`, { assignment_id: a.id, owner: a.ownerId, by, follow_up_due_at: followUpDueAt.toISOString() }, now),

  /** Sent back by its owner (reason, note) or taken back when the 保护期 ran out. */
  returned: (store: Store, lead: LeadRow, a: AssignmentRow, r: { reason: string; note: string | null; by: string }, now: Date) =>
    publishLeadEvent(store, lead, 'lead.returned', `${a.id}`, { assignment_id: a.id, owner: a.ownerId, reason: r.reason, note: r.note, by: r.by }, now),

  /** The score went from `before` past `threshold`, the score at which a lead moves to `stage`. */
  thresholdCrossed: (store: Store, lead: LeadRow, t: { stage: StageRef; threshold: number; before: number }, now: Date) =>
    publishLeadEvent(store, lead, 'lead.score_threshold_crossed', `${lead.id}:${t.stage.id}:${t.threshold}:${now.getTime()}`, { stage: t.stage, threshold: t.threshold, before: t.before, score: lead.score }, now),
};
