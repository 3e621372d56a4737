import type { WorkCalendar } from '../domain/work-calendar.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { Timer } from '../store/timers-repo.js';
import type { Store } from '../store/store.js';
import { journeyNote } from './journey-notes.js';
import type { Offers } from './offers.js';
import type { LeadCards, Members } from './lead-cards.js';
import { writeLeadRow } from './lead-row.js';
import { ladderIndex, resumeLadder, scheduleLadderStep, SLA_ACCEPT, SLA_APPROVAL, SLA_FOLLOW_UP, type LadderPayload } from './sla-ladder.js';

/**
 * An SLA passed and nobody acted (timers `sla.accept` and `sla.follow_up`, fired once each by the timer
 * sweep): take the ladder's next step — remind the owner, @ their manager, reassign to the next rep —
 * each step once, in the same transaction as the timer's compare-and-set, so a restart or a second
 * sweeper repeats none. Every step is recorded (escalations), shown on the assignment card and noted
 * in 旅程备注; the next step is scheduled on the working calendar. A lead that was acted on meanwhile
 * (accepted, returned, moved on) ends its ladder quietly.
 */
export interface EscalateDeps {
  store: Store;
  rules: AssignmentRules;
  calendar: WorkCalendar;
  cards: LeadCards;
  offers: Offers;
  log: Logger;
}

export function createEscalateSla(deps: EscalateDeps) {
  const { store } = deps;
  const log = deps.log.child({ component: 'sla' });

  /** The timer sweep's handler (inside its transaction): one step of the ladder, once. */
  return function escalate(timer: Timer, now: Date, members: Members): Promise<'done' | 'skipped'> {
    return store.transaction(async () => {
      if (!(await store.timers.markFired(timer.id, now))) return 'skipped'; // another sweep fired it
      if (timer.kind === SLA_APPROVAL) return approval(timer, members, now);
      const sla = timer.kind === SLA_ACCEPT ? 'accept' : 'follow_up';
      const p = timer.payload as LadderPayload;
      const a = await store.assignments.get(Number(p.assignmentId));
      const lead = a ? await store.leads.get(a.leadId) : undefined;
      const waiting = sla === 'accept' ? a?.status === 'offered' : a?.status === 'accepted';
      if (!a || !lead || lead.deletedAt || !waiting) return 'skipped';
      const ladder = sla === 'accept' ? deps.rules.escalation.accept : deps.rules.escalation.followUp;
      const index = ladderIndex(ladder, p);
      const slaDueAt = new Date(p.slaDueAt ?? timer.dueAt.getTime());
      const kind = timer.kind === SLA_ACCEPT ? SLA_ACCEPT : SLA_FOLLOW_UP;
      if (index < 0) {
        await resumeLadder(store, deps.calendar, { kind, leadId: lead.id, ladder, slaDueAt, firedDueAt: timer.dueAt, subject: { assignmentId: a.id }, now });
        return 'skipped';
      }
      const step = ladder[index];
      if (!step) return 'skipped';
      const owner = members.get(a.ownerId);
      const ownerName = owner?.name || '—';
      const what = sla === 'accept' ? { zh: '认领', en: 'accept' } : { zh: '首次跟进反馈', en: 'first feedback' };
      const card = a.cardId !== null ? await store.cards.get(a.cardId) : undefined;
      const company = typeof lead.facts.company === 'string' ? lead.facts.company : lead.leadKey;

      let to: string | null = null;
      let note: string;
      if (step.step === 'remind') {
        to = a.ownerId;
        await deps.cards.notify(a.ownerId, { zh: `${lead.leadKey}「${company}」${what.zh}已超时，请尽快处理`, en: `${lead.leadKey} ${company}: the ${what.en} SLA has passed; please act now` }, `esc:${a.id}:${sla}:remind`, now);
        note = `${what.zh}超时，已提醒 ${ownerName}`;
      } else if (step.step === 'manager') {
        to = owner?.managerId ?? null;
        const managerName = to ? members.get(to)?.name || '—' : '—';
        if (to)
          await deps.cards.notify(
            to,
            { zh: `${lead.leadKey}「${company}」分配给 ${ownerName}，${what.zh}已超时仍未处理，请跟进`, en: `${lead.leadKey} ${company} (owner ${ownerName}): the ${what.en} SLA passed and nothing happened; please follow up` },
            `esc:${a.id}:${sla}:manager`,
            now,
          );
        note = to ? `${what.zh}超时仍未处理，已通知直属上级 ${managerName}` : `${what.zh}超时仍未处理；${ownerName} 在销售团队表中没有直属上级，无人可通知`;
      } else {
        // reassign: the offer is withdrawn and the lead offered to the next rep — never one who already
        // let it lapse or gave it back at this stage, so an offer never goes round in a loop; when nobody
        // is left, the managers are asked once to pick an owner (typed in 跟进人)
        await store.assignments.withdraw(a.id, now);
        await store.timers.cancelForLead(lead.id, SLA_ACCEPT);
        await store.timers.cancelForLead(lead.id, SLA_FOLLOW_UP);
        const { owner: _typed, ...facts } = lead.facts;
        await store.leads.setFacts(lead.id, facts, now);
        const since = lead.stageEnteredAt?.getTime() ?? 0;
        const tried = (await store.assignments.listForLead(lead.id)).filter((x) => x.offeredAt.getTime() >= since && (x.status === 'withdrawn' || x.status === 'returned')).map((x) => x.ownerId);
        const next = await deps.offers.offerAssignment((await store.leads.get(lead.id))!, members, now, { exclude: [...new Set([a.ownerId, ...tried])], quiet: true });
        to = next?.ownerId ?? null;
        const nextName = next ? members.get(next.ownerId)?.name || '—' : undefined;
        if (card && (await store.cards.close(card.id, { status: 'void', action: 'reassigned', by: 'system', detail: { reassignedTo: to }, now }))) await deps.cards.refresh((await store.cards.get(card.id))!, lead, members, now);
        // the rep it was taken from hears it, and the row no longer names them
        await deps.cards.notify(
          a.ownerId,
          next
            ? { zh: `${lead.leadKey}「${company}」${what.zh}超时，已改派给 ${nextName}`, en: `${lead.leadKey} ${company}: not accepted in time; reassigned to ${nextName}` }
            : { zh: `${lead.leadKey}「${company}」${what.zh}超时，已收回`, en: `${lead.leadKey} ${company}: not accepted in time; taken back` },
          `esc:${a.id}:${sla}:taken`,
          now,
        );
        await writeLeadRow(store, lead, { 跟进人: null, ...(next ? {} : { SLA截止: null }) }, `esc:${a.id}:${sla}:owner`, now);
        if (next) {
          note = `${what.zh}超时，已从 ${ownerName} 改派给 ${nextName}`;
        } else {
          // everyone who could take it let it lapse or gave it back: the managers choose, asked once
          const managers = [...new Set([owner?.managerId, ...tried.map((id) => members.get(id)?.managerId)].filter((m): m is string => !!m))];
          const names = managers.map((id) => members.get(id)?.name || '—').join('、');
          for (const m of managers)
            await deps.cards.notify(
              m,
              {
                zh: `${lead.leadKey}「${company}」已依次分配给 ${[...new Set([...tried, a.ownerId])].map((id) => members.get(id)?.name || '—').join('、')}，都未在时限内认领，也没有其他可分配的销售：请在表格中为它填写跟进人`,
                en: `${lead.leadKey} ${company} was offered to everyone who can take it and nobody accepted in time: please type its owner (跟进人) in the table`,
              },
              `esc:lead${lead.id}:${since}:ask-manager:${m}`,
              now,
            );
          note = managers.length ? `${what.zh}超时，已无其他销售可改派：已请 ${names} 在「跟进人」中指定` : `${what.zh}超时，已无其他销售可改派，且没有直属上级可通知：请在「跟进人」中指定`;
        }
      }
      await store.escalations.record({ leadId: lead.id, assignmentId: a.id, sla, step: step.step, toId: to, at: now });
      if (card && card.status === 'open' && step.step !== 'reassign') await deps.cards.refresh(card, lead, members, now);
      await writeLeadRow(store, lead, { 旅程备注: journeyNote(now, [note]) }, `esc:${a.id}:${sla}:${step.step}`, now);
      if (step.step !== 'reassign') await scheduleLadderStep(store, deps.calendar, { kind, leadId: lead.id, ladder, index: index + 1, slaDueAt, subject: { assignmentId: a.id }, now });
      log.info({ lead: lead.leadKey, assignment: a.id, sla, step: step.step, to }, 'sla escalated');
      return 'done';
    });
  };

  /** (inside the transaction) An approval card still open after its SLA: remind the approvers, then their manager. */
  async function approval(timer: Timer, members: Members, now: Date): Promise<'done' | 'skipped'> {
    const p = timer.payload as LadderPayload;
    const card = p.cardId !== undefined ? await store.cards.get(p.cardId) : undefined;
    const lead = card ? await store.leads.get(card.leadId) : undefined;
    if (card?.status !== 'open' || !lead || lead.deletedAt || !lead.pendingApproval) return 'skipped';
    const ladder = deps.rules.escalation.approval;
    const index = ladderIndex(ladder, p);
    const slaDueAt = new Date(p.slaDueAt ?? timer.dueAt.getTime());
    if (index < 0) {
      await resumeLadder(store, deps.calendar, { kind: SLA_APPROVAL, leadId: lead.id, ladder, slaDueAt, firedDueAt: timer.dueAt, subject: { cardId: card.id }, now });
      return 'skipped';
    }
    const step = ladder[index];
    if (!step) return 'skipped';
    const approvers = deps.cards.approversOf(card, members);
    const { zh: move, en: moveEn } = deps.cards.moveText(String(card.subject.from), String(card.subject.to));
    const company = typeof lead.facts.company === 'string' ? lead.facts.company : lead.leadKey;
    const names = approvers.map((id) => members.get(id)?.name || '—').join('、') || '—';
    let to: string | null;
    let note: string;
    if (step.step === 'remind') {
      to = approvers[0] ?? null;
      for (const id of approvers)
        await deps.cards.notify(
          id,
          { zh: `${lead.leadKey}「${company}」${move} 等待你审批已超时，请在群里的审批卡片上处理`, en: `${lead.leadKey} ${company}: ${moveEn} has waited too long for your approval; see the card in the group` },
          `esc:card${card.id}:approval:remind:${id}`,
          now,
        );
      note = `${move} 审批超时，已再次提醒 ${names}`;
    } else {
      const managers = [...new Set(approvers.map((id) => members.get(id)?.managerId).filter((m): m is string => !!m))];
      to = managers[0] ?? null;
      for (const id of managers)
        await deps.cards.notify(
          id,
          { zh: `${lead.leadKey}「${company}」${move} 等待 ${names} 审批已超时，请跟进`, en: `${lead.leadKey} ${company}: ${moveEn} is still waiting for ${names}; please follow up` },
          `esc:card${card.id}:approval:manager:${id}`,
          now,
        );
      note = managers.length ? `${move} 仍未审批，已通知 ${managers.map((id) => members.get(id)?.name || '—').join('、')}` : `${move} 仍未审批；审批人在销售团队表中没有直属上级，无人可通知`;
    }
    await store.escalations.record({ leadId: lead.id, cardId: card.id, sla: 'approval', step: step.step, toId: to, at: now });
    await deps.cards.refresh(card, lead, members, now);
    await writeLeadRow(store, lead, { 旅程备注: journeyNote(now, [note]) }, `esc:card${card.id}:approval:${step.step}`, now);
    await scheduleLadderStep(store, deps.calendar, { kind: SLA_APPROVAL, leadId: lead.id, ladder, index: index + 1, slaDueAt, subject: { cardId: card.id }, now });
    log.info({ lead: lead.leadKey, card: card.id, sla: 'approval', step: step.step, to }, 'sla escalated');
    return 'done';
  }
}

export type EscalateSla = ReturnType<typeof createEscalateSla>;
