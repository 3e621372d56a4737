import type { LeadFacts } from '../domain/lead-facts.js';
import type { Locale, Text } from '../domain/text.js';

/**
 * The chat channel as the use cases see it: cards are queued as *state* (what a card says and offers),
 * with the language and the names of the people it shows; the platform adapter renders its own card
 * format when it sends (Feishu: JSON 2.0, cards/), and owns mention markup, message ids, limits and the
 * shape of a card-callback answer. See docs/architecture.md.
 */

/** A moment as cards carry it: a Date when built, an ISO string or epoch ms once it has been queued. */
export type Instant = Date | number | string;

/** What a card shows of a lead: its key facts, the phone partly masked. */
export interface LeadView {
  key: string;
  facts: LeadFacts;
  stage: Text;
  /** with scoring: the score and its top reasons */
  score?: { value: number; reasons: Text[] };
}

export interface ApprovalSubject {
  from: Text;
  to: Text;
  gate: Text;
  requestedBy: string;
  requestedAt: number;
}

export interface ApprovalCardState {
  lead: LeadView;
  subject: ApprovalSubject;
  approvers: readonly string[];
  checklist: ReadonlyArray<{ label: Text; met: boolean }>;
  /** steps taken while the approval waited (remind the approvers → @ a manager), oldest first */
  escalations?: ReadonlyArray<{ step: 'remind' | 'manager' | 'reassign'; at: Instant; to: string | null }>;
  /** `renewed`: sent again as a new card before Feishu's 14-day limit */
  outcome?: { action: 'approve' | 'reject' | 'void'; by: string; at: Instant; comment?: string | undefined; renewed?: boolean };
}

export interface AssignmentCardState {
  lead: LeadView;
  owner: string;
  /** accept before this time (the accept SLA) */
  acceptDueAt: Instant | null;
  returnReasons: ReadonlyArray<{ value: string; label: Text }>;
  /** SLA steps taken while nobody acted (remind → manager → reassign), oldest first */
  escalations?: ReadonlyArray<{ step: 'remind' | 'manager' | 'reassign'; at: Instant; to: string | null }>;
  outcome?:
    | { action: 'accept'; by: string; at: Instant; followUpDueAt: Instant | null }
    | { action: 'return'; by: string; at: Instant; reason: Text; note?: string | undefined; next: Text }
    /** withdrawn: by the ladder after nobody accepted (`reassignedTo`: who has it now; null: nobody could
     * take it), because the owner left (`handedOver`, with `reassignedTo`; null: back to the pool), or
     * because the lead moved on (none of these) */
    | { action: 'void'; at: Instant; timedOut?: boolean; reassignedTo?: string | null; renewed?: boolean; handedOver?: boolean };
}

export interface NurtureCardState {
  lead: LeadView;
  /** open ids to @ (the owner, else the role the step names); empty: nobody to tell, the card says so */
  to: readonly string[];
  owner: string | null;
  kind: 'step' | 'reengage';
  /** the step's name (or the return reason for a re-engage) */
  name: string;
  sequence: string;
  content: string;
  /** why now, e.g. 进入培育池第 3 天 */
  why: Text;
}

/** A lead in the pool (公海) offered to the group: whoever may take leads claims it, first come first served. */
export interface PoolCardState {
  lead: LeadView;
  /** the 公海规则 row's name */
  pool: string;
  /** why it is in the pool now, e.g. 李雷 退回：需求不明确 */
  why: Text;
  /** the pool's caps, for the reader (e.g. 每人每天最多领取 10 条) */
  limits?: Text;
  /** claimed (from the card or the grid), or closed: it left the pool otherwise, or the card's 14 days are nearly up (`expired`) */
  outcome?: { action: 'claim'; by: string; at: Instant } | { action: 'void'; at: Instant; expired?: boolean };
}

/** 离职交接: what became of a leaver's open leads, for their manager (one card per handover). */
export interface HandoverCardState {
  leaver: string;
  /** 交接给 as named (null: nobody named) */
  successor: string | null;
  /** who is @-mentioned: the leaver's manager, else the sales directors */
  to: readonly string[];
  /** each lead handed over: to a person, or (null) back to the pool */
  leads: ReadonlyArray<{ key: string; company: string; stage: Text; to: string | null }>;
  /** leads left with the leaver: nobody could take them (an opportunity, and no manager) */
  kept: ReadonlyArray<{ key: string; company: string; stage: Text }>;
  /** why the named successor could not take them */
  successorProblem?: Text;
}

/**
 * 推进变慢: a lead has been in its stage longer than the stage usually takes (docs/metrics.md#slow-down-alerts),
 * one card per stay, @ its owner.
 */
export interface SlowdownCardState {
  lead: LeadView;
  owner: string;
  stage: Text;
  enteredAt: Instant;
  /** days in the stage when the card was sent */
  days: number;
  /** the stage's usual time: the `percentile`th of `sample` ended stays */
  usualDays: number;
  percentile: number;
  sample: number;
}

/** Medians of the moves forward from one stage to the next during a week (null: none that week). */
export interface DigestPace {
  from: Text;
  to: Text;
  thisWeek: { count: number; medianDays: number } | null;
  lastWeek: { count: number; medianDays: number } | null;
}

/**
 * 线索周报 for the management group (docs/metrics.md#the-weekly-digest): the week [from, to) against the
 * week before. Nothing to click.
 */
export interface DigestCardState {
  from: Instant;
  to: Instant;
  /** the main path: leads that first reached each stage this week and the week before */
  stages: ReadonlyArray<{ label: Text; thisWeek: number; lastWeek: number }>;
  /** the opportunity stage's figures (null: the journey has none) */
  opportunities: { label: Text; thisWeek: number; lastWeek: number } | null;
  pace: readonly DigestPace[];
  /** the MLG index of the customers won in the last `days` (null: the journey has no won stage) */
  mlg: { days: number; won: number; marketing: number } | null;
  /** the SLAs of the leads offered this week; reps listed with what they missed */
  sla: { accept: { met: number; missed: number }; followUp: { met: number; missed: number }; reps: ReadonlyArray<{ id: string; acceptMissed: number; followUpMissed: number }> };
  /** leads past their stage's usual time */
  stuck: number;
  /** new leads and opportunities per week, oldest first, this week last */
  trend: ReadonlyArray<{ week: Instant; leads: number; opportunities: number }>;
}

export type CardState =
  | { kind: 'approval'; state: ApprovalCardState }
  | { kind: 'assignment'; state: AssignmentCardState }
  | { kind: 'nurture'; state: NurtureCardState }
  | { kind: 'pool'; state: PoolCardState }
  | { kind: 'handover'; state: HandoverCardState }
  | { kind: 'digest'; state: DigestCardState }
  | { kind: 'slowdown'; state: SlowdownCardState };

/** A card as the message outbox keeps it: its state, the language, and the names of the people it shows. */
export interface CardMessage {
  card: CardState;
  locale: Locale;
  /** person id → name, for every person the card names (unknown people show as "—") */
  names: Record<string, string>;
}

/** Message outbox kinds: a new message to a chat, and an update of a sent card. */
export const CHAT_SEND = 'im.send';
export const CHAT_UPDATE = 'im.patch';

/** `im.send`: a card, or a short notice @-mentioning one person. */
export interface ChatSendPayload {
  chatId: string;
  /** the message's own id for the platform's dedupe (stable across retries) */
  uuid: string;
  /** the cards row this message is (its message id is stored when the platform accepts it) */
  cardUuid?: string;
  card?: CardMessage;
  notice?: { to: string; text: string };
}

/** `im.patch`: a sent card shows new state. */
export interface ChatUpdatePayload {
  cardUuid: string;
  card: CardMessage;
}

/** What a card click is answered with (within the platform's deadline): a toast, and the card as it is now. */
export interface CardAnswer {
  toast: { type: 'success' | 'info' | 'warning' | 'error'; text: Text };
  card?: CardMessage;
}

/** What a card offers, by name: the ops a click carries and the form fields it submits. */
export const APPROVAL_FORM = 'approval_form';
export const APPROVE = 'approve';
export const REJECT = 'reject';
export const COMMENT = 'comment';
export const ACCEPT = 'accept';
export const RETURN_FORM = 'return_form';
export const RETURN = 'return';
export const RETURN_REASON = 'reason';
export const RETURN_NOTE = 'note';
export const CLAIM = 'claim';

/** What a card replaced before the platform's 14-day limit says, on the card and to a late click. */
export const RENEWED: Text = {
  zh: '这张卡片即将过期（飞书卡片只能在发出后 14 天内操作），已在群里重新发出：请在最新的卡片上操作',
  en: 'This card is about to expire (Feishu cards can be used for 14 days after sending) and was sent again: act on the newest card in the group',
};

/**
 * Where a chat is: a Feishu group is its chat id (`oc_…`); a DingTalk group is written
 * `dingtalk:<openConversationId>`, so a queued message says which platform carries it (the lead group
 * can be on one platform and the management group on the other).
 */
export const DINGTALK_CHAT_PREFIX = 'dingtalk:';
export const dingTalkChat = (openConversationId: string): string => `${DINGTALK_CHAT_PREFIX}${openConversationId}`;
/** The openConversationId of a DingTalk chat address, or undefined for a Feishu chat. */
export const dingTalkConversationOf = (chatId: string): string | undefined => (chatId.startsWith(DINGTALK_CHAT_PREFIX) ? chatId.slice(DINGTALK_CHAT_PREFIX.length) : undefined);
