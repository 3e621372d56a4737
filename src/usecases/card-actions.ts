import type { Member } from '../domain/people.js';
import type { Journey } from '../domain/journey.js';
import { addWorkingDays, type WorkCalendar } from '../domain/work-calendar.js';
import { type Locale, type Text, when } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { ACCEPT, APPROVE, type CardAnswer, CLAIM, COMMENT, REJECT, RENEWED, RETURN, RETURN_NOTE, RETURN_REASON } from '../ports/chat.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { ReturnReason } from '../rules/return-reasons.js';
import type { ApplyReturn } from './apply-return.js';
import type { CardRow } from '../store/cards-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { ChangeStageDeps } from './change-stage.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import { RENEWED_ACTION, type LeadCards } from './lead-cards.js';
import type { Offers } from './offers.js';
import type { LeadPool } from './lead-pool.js';
import type { Protection } from './protection.js';
import { writeLeadRow, writeStageMove } from './lead-row.js';
import { scheduleLadderStep, SLA_ACCEPT, SLA_APPROVAL, SLA_FOLLOW_UP } from './sla-ladder.js';
import { leadEvents } from './lead-events.js';

/**
 * What a click on one of our cards does (the platform's card callback, docs/platform/feishu.md#44-card-callbacks). Everything that
 * decides runs in one SQLite transaction right away; the Bitable and chat writes it causes are outbox
 * rows sent after the answer. The answer (≤3 s) is a toast and, where the card changed, the new card.
 * - authorization: approve / reject only by holders of the gate's role; accept / return only by the
 *   assigned rep or their manager (直属上级 in 销售团队); anyone else gets a toast and nothing changes;
 * - exactly once: the card row closes with a compare-and-set; whoever comes second (another person, or
 *   the same click delivered again) is told who acted first.
 */
export interface CardClick {
  personId: string;
  messageId: string | undefined;
  value: Record<string, unknown> | undefined;
  name: string | undefined;
  formValue: Record<string, unknown> | undefined;
}

export type { CardAnswer } from '../ports/chat.js';

export interface CardActionsDeps extends ChangeStageDeps {
  journey: Journey;
  clock: Clock;
  rules: AssignmentRules;
  /** the first-feedback SLA counts working days */
  calendar: WorkCalendar;
  cards: LeadCards;
  offers: Offers;
  locale: Locale;
  log: Logger;
  /** the 销售团队 roster, waited for at most `ms` (undefined: not loaded in time) */
  members: (ms: number) => Promise<ReadonlyMap<string, Member> | undefined>;
  historyTableId: () => string | undefined;
  /** a return's next action, from the 退回原因 taxonomy */
  applyReturn: ApplyReturn;
  /** claims from a pool card */
  pool: LeadPool;
  /** an accepted lead's 保护期 starts */
  protection?: Protection;
}

const OPS = { approval: [APPROVE, REJECT], assignment: [ACCEPT, RETURN], pool: [CLAIM] } as const;
const ALL_OPS: readonly string[] = Object.values(OPS).flat();
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** What a click asked for (approve, reject, accept, return, claim), or 'unknown' (for counting them). */
export const cardOpOf = (click: CardClick): string => {
  const op = str(click.value?.op) || str(click.name);
  return ALL_OPS.includes(op) ? op : 'unknown';
};
const MAX_TEXT = 200;

/** Thrown inside the transaction to undo the card's close and answer with a toast instead. */
class Refused extends Error {
  readonly answer: CardAnswer;
  constructor(answer: CardAnswer) {
    super('refused');
    this.answer = answer;
  }
}

export function createCardActions(deps: CardActionsDeps) {
  const { store } = deps;
  const changeStage = createChangeStage(deps);
  const toast = (type: CardAnswer['toast']['type'], text: Text): CardAnswer['toast'] => ({ type, text });

  const ACTED: Record<string, Text> = {
    approve: { zh: '通过', en: 'approved' },
    reject: { zh: '驳回', en: 'rejected' },
    accept: { zh: '认领', en: 'accepted' },
    return: { zh: '退回', en: 'returned' },
    claim: { zh: '领取', en: 'claimed' },
  };

  async function already(c: CardRow, lead: LeadRow, members: ReadonlyMap<string, Member>): Promise<CardAnswer> {
    const card = await deps.cards.render(c, lead, members);
    if (c.status === 'void' && c.action === RENEWED_ACTION) return { toast: toast('info', RENEWED), card };
    if (c.status === 'void') return { toast: toast('info', { zh: '这张卡片已失效：线索已另行处理', en: 'This card is no longer current: the lead was handled otherwise' }), card };
    const who = members.get(c.actedBy ?? '')?.name ?? '—';
    const at = c.actedAt ? when(c.actedAt) : '';
    const what = ACTED[c.action ?? ''] ?? { zh: '处理', en: 'handled' };
    return { toast: toast('info', { zh: `${who} 已于 ${at} ${what.zh}，无需重复操作`, en: `${who} already ${what.en} this at ${at}` }), card };
  }

  async function handle(click: CardClick): Promise<CardAnswer> {
    const now = deps.clock.now();
    const c = click.messageId ? await store.cards.getByMessageId(click.messageId) : undefined;
    if (!c) return { toast: toast('error', { zh: '这张卡片已失效，或不是线索旅程发出的', en: 'This card is not current, or was not sent by Lead Journey' }) };
    const op = str(click.value?.op) || str(click.name);
    if (!(OPS[c.kind] as readonly string[]).includes(op)) return { toast: toast('error', { zh: '无法识别的操作', en: 'Unknown action' }) };
    const lead = await store.leads.get(c.leadId);
    if (!lead || lead.deletedAt) return { toast: toast('error', { zh: '线索已从表格中删除', en: 'The lead was deleted from the table' }) };
    const members = await deps.members(1500);
    if (!members) return { toast: toast('warning', { zh: '团队信息正在加载，请稍后再点一次', en: 'Loading the team; please click again in a moment' }) };
    if (c.status !== 'open') return already(c, lead, members);

    const actor = click.personId;
    if (c.kind === 'pool') return claimFromCard(c, lead, actor, members, now);
    const roles = members.get(actor)?.roles ?? [];
    const subject = c.subject;
    if (c.kind === 'approval') {
      const gate = subject.gate as Text;
      if (!roles.includes(String(subject.role))) return { toast: toast('warning', { zh: `只有${gate.zh}可以审批这条线索`, en: `Only the ${gate.en} can approve this` }) };
    } else {
      const owner = String(subject.owner);
      if (actor !== owner && members.get(owner)?.managerId !== actor) {
        const name = members.get(owner)?.name ?? '—';
        return { toast: toast('warning', { zh: `只有${name}或其直属上级可以认领或退回这条线索`, en: `Only ${name} or their manager can accept or return this lead` }) };
      }
    }
    const comment = str(click.formValue?.[COMMENT]);
    const note = str(click.formValue?.[RETURN_NOTE]);
    if (comment.length > MAX_TEXT || note.length > MAX_TEXT) return { toast: toast('error', { zh: `说明最多 ${MAX_TEXT} 字`, en: `At most ${MAX_TEXT} characters` }) };
    if (op === REJECT && !comment) return { toast: toast('error', { zh: '驳回请填写审批意见', en: 'Write a comment to reject' }) };
    const reason = op === RETURN ? deps.cards.returnReasons().find((r) => r.option === str(click.formValue?.[RETURN_REASON])) : undefined;
    if (op === RETURN && !reason) return { toast: toast('error', { zh: '请选择退回原因', en: 'Choose a reason for returning' }) };

    const actorName = members.get(actor)?.name ?? actor;
    try {
      const done = await store.transaction(async (): Promise<CardAnswer | undefined> => {
        const detail: Record<string, unknown> = { ...(comment ? { comment } : {}), ...(reason ? { reason: reason.option } : {}), ...(note ? { note } : {}) };
        if (op === ACCEPT) detail.followUpDueAt = addWorkingDays(deps.calendar, now, deps.rules.followUpWithinWorkingDays).getTime();
        if (!(await store.cards.close(c.id, { status: 'done', action: op, by: actor, detail, now }))) return undefined;
        if (c.kind === 'approval') await store.timers.cancelForLead(c.leadId, SLA_APPROVAL); // decided: its ladder ends
        const fresh = (await store.leads.get(lead.id))!;
        if (op === APPROVE) await approve(c, fresh, actor, roles, comment, actorName, members, now);
        else if (op === REJECT) await reject(c, fresh, comment, actorName, now);
        else if (op === ACCEPT) await accept(c, fresh, actor, actorName, detail.followUpDueAt as number, now);
        else await returnLead(c, fresh, { id: actor, name: actorName, roles }, reason!, note, members, now);
        return {
          toast: toast('success', { zh: `已${ACTED[op]!.zh}`, en: `Done: ${ACTED[op]!.en}` }),
          card: await deps.cards.render((await store.cards.get(c.id))!, (await store.leads.get(lead.id))!, members),
        };
      });
      if (done) {
        deps.log.info({ card: c.id, lead: lead.leadKey, op, by: actor }, 'card action applied');
        return done;
      }
      return already((await store.cards.get(c.id))!, (await store.leads.get(lead.id))!, members);
    } catch (e) {
      if (e instanceof Refused) return e.answer;
      throw e;
    }
  }

  /**
   * 领取 on a pool card: whoever may take leads (the pool's caps checked by the claim itself). The card
   * closes with the claim; a refused claim undoes the close and says why, the card stays open for others.
   */
  async function claimFromCard(c: CardRow, lead: LeadRow, actor: string, members: ReadonlyMap<string, Member>, now: Date): Promise<CardAnswer> {
    try {
      const done = await store.transaction(async (): Promise<CardAnswer | undefined> => {
        const fresh = (await store.leads.get(lead.id))!;
        if (!deps.pool.inPool(fresh) && (await deps.cards.voidOpenCards(fresh, 'pool', members, now))) {
          // it left the pool some way the card did not hear of: the card says so now
          return { toast: toast('info', { zh: '这条线索已不在公海中', en: 'This lead is no longer in the pool' }), card: await deps.cards.render((await store.cards.get(c.id))!, fresh, members) };
        }
        if (!(await store.cards.close(c.id, { status: 'done', action: CLAIM, by: actor, now }))) return undefined;
        const out = await deps.pool.claim(fresh, actor, members, now);
        if (!out.won) {
          throw new Refused({ toast: toast('warning', { zh: `领取未成功：${out.why.zh}`, en: `Not claimed: ${out.why.en}` }), card: await deps.cards.render(c, fresh, members) });
        }
        const { 领取: _tick, ...fields } = out.fields;
        await writeLeadRow(store, fresh, { ...fields, 旅程备注: journeyNote(now, [out.note]) }, `claim-card:${c.id}`, now);
        return {
          toast: toast('success', { zh: `已领取，首次跟进反馈截止 ${when(out.followUpDueAt)}`, en: `Claimed: first feedback due ${when(out.followUpDueAt)}` }),
          card: await deps.cards.render((await store.cards.get(c.id))!, (await store.leads.get(lead.id))!, members),
        };
      });
      if (done) {
        deps.log.info({ card: c.id, lead: lead.leadKey, op: CLAIM, by: actor }, 'card action applied');
        return done;
      }
      return already((await store.cards.get(c.id))!, (await store.leads.get(lead.id))!, members);
    } catch (e) {
      if (e instanceof Refused) return e.answer;
      throw e;
    }
  }

  async function approve(c: CardRow, lead: LeadRow, actor: string, roles: string[], comment: string, actorName: string, members: ReadonlyMap<string, Member>, now: Date): Promise<void> {
    const s = c.subject as { from: string; to: string };
    const pending = lead.pendingApproval;
    if (lead.stage !== s.from || !pending || pending.to !== s.to) {
      throw new Refused({ toast: toast('info', { zh: '线索阶段已变化，此审批不再需要', en: "The lead's stage changed; this approval is no longer needed" }) });
    }
    const r = await changeStage({ leadId: lead.id, to: s.to, actor: { id: actor, roles }, approval: { id: `card-${c.id}`, approverId: actor, approverRoles: roles } });
    if (!r.ok) throw new Refused({ toast: toast('error', { zh: `未能通过：${r.error.message.zh}`, en: `Not approved: ${r.error.message.en}` }) });
    if (r.value.outcome.status !== 'applied') throw new Error('an approved transition must apply');
    const rec = r.value.outcome.record;
    const move = deps.cards.moveText(s.from, s.to).zh;
    await writeStageMove(store, {
      lead: r.value.lead,
      move: { from: deps.cards.stageText(s.from).zh, to: deps.cards.stageText(s.to).zh, label: r.value.outcome.label, reason: comment || rec.reason, approvalId: `card-${c.id}` },
      actorId: actor,
      historyTableId: deps.historyTableId(),
      writeStage: true,
      extra: { 旅程备注: journeyNote(now, [`${actorName} 审批通过：${move}${comment ? `（${comment}）` : ''}`]) },
      now,
      key: `approve:${c.id}`,
    });
    await deps.offers.offerAssignment(r.value.lead, members, now);
  }

  async function reject(c: CardRow, lead: LeadRow, comment: string, actorName: string, now: Date): Promise<void> {
    const s = c.subject as { from: string; to: string };
    if (lead.pendingApproval && lead.pendingApproval.to === s.to) await store.leads.setPendingApproval(lead.id, lead.version, null, now);
    const move = deps.cards.moveText(s.from, s.to);
    await writeLeadRow(store, lead, { 待审批: null, 旅程备注: journeyNote(now, [`${actorName} 驳回 ${move.zh}：${comment}`]) }, `reject:${c.id}`, now);
    // the person who asked hears it where they work
    const asker = String(c.subject.requestedBy ?? '');
    if (asker) await deps.cards.notify(asker, { zh: `${lead.leadKey} ${move.zh} 被 ${actorName} 驳回：${comment}`, en: `${lead.leadKey} ${move.en} was rejected by ${actorName}: ${comment}` }, `reject:${c.id}`, now);
  }

  async function accept(c: CardRow, lead: LeadRow, actor: string, actorName: string, followUpDueAt: number, now: Date): Promise<void> {
    const a = await store.assignments.get(Number(c.subject.assignmentId));
    if (!a || !(await store.assignments.accept(a.id, actor, new Date(followUpDueAt), now))) {
      throw new Refused({ toast: toast('info', { zh: '这次分配已撤回', en: 'This assignment was withdrawn' }) });
    }
    await store.leads.setOwner(lead.id, a.ownerId, now);
    await store.leads.setFacts(lead.id, { ...lead.facts, owner: a.ownerId }, now);
    await leadEvents.accepted(store, { ...lead, ownerId: a.ownerId }, a, actor, new Date(followUpDueAt), now);
    await store.timers.cancelForLead(lead.id, SLA_ACCEPT);
    await scheduleLadderStep(store, deps.calendar, { kind: SLA_FOLLOW_UP, leadId: lead.id, ladder: deps.rules.escalation.followUp, index: 0, slaDueAt: new Date(followUpDueAt), subject: { assignmentId: a.id }, now });
    const onBehalf = actor !== a.ownerId ? `（由 ${actorName} 代为认领）` : '';
    await writeLeadRow(store, lead, { 跟进人: a.ownerId, SLA截止: followUpDueAt, 旅程备注: journeyNote(now, [`${onBehalf ? '' : actorName}已认领${onBehalf}，首次跟进反馈截止 ${when(new Date(followUpDueAt))}`]) }, `accept:${c.id}`, now);
    await deps.protection?.refresh((await store.leads.get(lead.id))!, now);
  }

  async function returnLead(c: CardRow, lead: LeadRow, by: { id: string; name: string; roles: string[] }, reason: ReturnReason, note: string, members: ReadonlyMap<string, Member>, now: Date): Promise<void> {
    const a = await store.assignments.get(Number(c.subject.assignmentId));
    if (!a || !(await store.assignments.markReturned(a.id, reason.option, note || null, now))) {
      throw new Refused({ toast: toast('info', { zh: '这次分配已撤回', en: 'This assignment was withdrawn' }) });
    }
    await leadEvents.returned(store, lead, a, { reason: reason.option, note: note || null, by: by.id }, now);
    const next = await deps.applyReturn({ lead, reason, by, ownerId: a.ownerId, note, assignmentId: a.id, members, now });
    await store.cards.addDetail(c.id, { next }, now);
  }

  return handle;
}

export type CardActions = ReturnType<typeof createCardActions>;
