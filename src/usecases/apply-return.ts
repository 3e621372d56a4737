import type { Member } from '../domain/people.js';
import { findStage, type Journey, type StageKind } from '../domain/journey.js';
import { dayOf, type Text } from '../domain/text.js';
import { workingStartOn, type WorkCalendar } from '../domain/work-calendar.js';
import type { Clock } from '../lib/clock.js';
import { MANAGER, type ReturnDestination, type ReturnReason } from '../rules/return-reasons.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import type { LeadCards } from './lead-cards.js';
import type { LeadPool } from './lead-pool.js';
import { writeLeadRow, writeStageMove } from './lead-row.js';
import type { Scoring } from './score-lead.js';
import { PROTECT_RECYCLE, PROTECT_WARN } from './protection.js';
import { SLA_ACCEPT, SLA_FOLLOW_UP } from './sla-ladder.js';

/**
 * A rep returned a lead with a reason (the feedback loop, docs/domain.md#returns-退回原因): the reason's next action from the
 * 退回原因 taxonomy, in the card click's transaction — the owner cleared, the score penalty, the lead
 * moved to its destination (培育池, 无效, 输单; 数据清洗 goes to the pool flagged for a data check; 合并
 * is disqualified as a duplicate, naming the leads of the same company), a re-engage reminder that many
 * days later (on a working morning), and the people to tell, by @-mention. Returns what happens next,
 * for the card and the note.
 */
export const REENGAGE = 'lead.reengage';

export interface ApplyReturnDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  calendar: WorkCalendar;
  scoring: Scoring;
  cards: LeadCards;
  /** a lead returned into a pool may be offered to the group on a pool card */
  pool?: LeadPool;
  historyTableId: () => string | undefined;
}

const KIND_OF: Record<ReturnDestination, StageKind> = { nurture: 'nurture', cleansing: 'nurture', disqualified: 'disqualified', merge: 'disqualified', lost: 'lost' };
const DAY = 86_400_000;

export interface ReturnInput {
  lead: LeadRow;
  reason: ReturnReason;
  /** who clicked return (the owner or their manager) */
  by: { id: string; name: string; roles: string[] };
  /** the rep the lead was assigned to */
  ownerId: string;
  note: string;
  assignmentId: number;
  members: ReadonlyMap<string, Member>;
  now: Date;
}

export function createApplyReturn(deps: ApplyReturnDeps) {
  const { store, journey } = deps;
  const changeStage = createChangeStage(deps);
  const label = (id: string | null) => (id ? (findStage(journey, id)?.label ?? { zh: id, en: id }) : { zh: '—', en: '—' });

  /** The stage a destination means from where the lead is: a transition to a stage of that kind (else the pool). */
  function destinationStage(from: string, d: ReturnDestination): string | undefined {
    const to = (kind: StageKind) => journey.transitions.find((t) => t.from === from && findStage(journey, t.to)?.kind === kind)?.to;
    return to(KIND_OF[d]) ?? to('nurture');
  }

  return async function applyReturn(i: ReturnInput): Promise<Text> {
    const { lead, reason, now } = i;
    const parts: Text[] = [];
    // 1. the owner is cleared and the SLAs end
    await store.leads.setOwner(lead.id, null, now);
    const { owner: _owner, ...facts } = lead.facts;
    await store.leads.setFacts(lead.id, facts, now);
    await store.timers.cancelForLead(lead.id, SLA_ACCEPT);
    await store.timers.cancelForLead(lead.id, SLA_FOLLOW_UP);
    await store.timers.cancelForLead(lead.id, PROTECT_RECYCLE); // given back: no 保护期 any more
    await store.timers.cancelForLead(lead.id, PROTECT_WARN);
    // 2. the penalty, in the ledger
    if (reason.penalty > 0) {
      const taken = await deps.scoring.penalize((await store.leads.get(lead.id))!, reason.penalty, `return:${reason.option}`, `退回：${reason.option}`, `return:${i.assignmentId}`, now);
      if (taken) parts.push({ zh: `扣 ${-taken} 分`, en: `${taken} points` });
    }
    // 3. the destination
    const fresh = (await store.leads.get(lead.id))!;
    const to = fresh.stage ? destinationStage(fresh.stage, reason.destination) : undefined;
    const why = `${reason.option}${i.note ? `：${i.note}` : ''}`;
    const extra: Record<string, unknown> = { 跟进人: null, SLA截止: null, 保护期至: null, 保护剩余天数: null, 退回原因: reason.option };
    if (reason.destination === 'cleansing') parts.push({ zh: '待数据清洗：请核实联系方式', en: 'flagged for a data check: verify the contact details' });
    if (reason.destination === 'merge') {
      const same = await store.leads.sameCompanyKeys(fresh.companyKey, fresh.id, 5);
      parts.push(same.length ? { zh: `请与 ${same.join('、')} 合并`, en: `merge with ${same.join(', ')}` } : { zh: '请在表格中找到重复的线索合并', en: 'find the duplicate in the table and merge' });
    }
    // 4. re-engage on a working morning that many days later
    let reengageAt: Date | undefined;
    if (reason.reengageDays) {
      reengageAt = workingStartOn(deps.calendar, new Date(now.getTime() + reason.reengageDays * DAY));
      await store.timers.schedule({ kind: REENGAGE, leadId: lead.id, dueAt: reengageAt, payload: { reason: reason.option, notify: reason.notify, by: i.ownerId }, dedupeKey: `reengage:${i.assignmentId}`, now });
      extra['重新激活'] = reengageAt.getTime();
      parts.push({ zh: `${dayOf(reengageAt)} 重新激活`, en: `re-engage on ${dayOf(reengageAt)}` });
    }
    // 5. whom to tell
    const told = new Set<string>();
    for (const n of reason.notify) {
      const ids = n === MANAGER ? [i.members.get(i.ownerId)?.managerId].filter((x): x is string => !!x) : [...i.members.values()].filter((m) => m.roles.includes(n)).map((m) => m.id);
      for (const id of ids) if (id !== i.by.id) told.add(id);
    }
    const names = [...told].map((id) => i.members.get(id)?.name || id);
    if (names.length) parts.push({ zh: `已通知 ${names.join('、')}`, en: `told ${names.join(', ')}` });

    let moved: Text = { zh: `留在「${label(fresh.stage).zh}」`, en: `stays at ${label(fresh.stage).en}` };
    if (to && to !== fresh.stage) {
      const r = await changeStage({ leadId: lead.id, to, actor: { id: i.by.id, roles: i.by.roles }, reason: `退回：${why}` });
      if (r.ok && r.value.outcome.status === 'applied') {
        moved = { zh: `进入「${label(to).zh}」`, en: `moved to ${label(to).en}` };
        const next = joined(moved, parts);
        await writeStageMove(store, {
          lead: r.value.lead,
          move: { from: label(fresh.stage).zh, to: label(to).zh, label: r.value.outcome.label, reason: `退回：${why}` },
          actorId: i.by.id,
          historyTableId: deps.historyTableId(),
          writeStage: true,
          extra: { ...extra, 旅程备注: journeyNote(now, [`${i.by.name} 退回：${why}；${next.zh}`]) },
          now,
          key: `return:${i.assignmentId}`,
        });
        await tell(told, i, next);
        await deps.pool?.entered(r.value.lead, { returned: true, why: { zh: `${i.by.name} 退回：${why}`, en: `returned by ${i.by.name}: ${i.reason.label.en}` }, key: `return:${i.assignmentId}` }, i.members, now);
        return next;
      }
    }
    const next = joined(moved, parts);
    await writeLeadRow(store, (await store.leads.get(lead.id))!, { ...extra, 旅程备注: journeyNote(now, [`${i.by.name} 退回：${why}；${next.zh}`]) }, `return:${i.assignmentId}`, now);
    await tell(told, i, next);
    await deps.pool?.entered((await store.leads.get(lead.id))!, { returned: true, why: { zh: `${i.by.name} 退回：${why}`, en: `returned by ${i.by.name}: ${i.reason.label.en}` }, key: `return:${i.assignmentId}` }, i.members, now);
    return next;
  };

  async function tell(ids: Set<string>, i: ReturnInput, next: Text): Promise<void> {
    const company = typeof i.lead.facts.company === 'string' ? i.lead.facts.company : '';
    for (const id of ids) {
      await deps.cards.notify(
        id,
        { zh: `${i.lead.leadKey}「${company}」被 ${i.by.name} 退回（${i.reason.option}）：${next.zh}`, en: `${i.lead.leadKey} ${company} was returned by ${i.by.name} (${i.reason.label.en}): ${next.en}` },
        `return:${i.assignmentId}:${id}`,
        i.now,
      );
    }
  }
}

const joined = (first: Text, rest: readonly Text[]): Text => ({ zh: [first.zh, ...rest.map((p) => p.zh)].join('，'), en: [first.en, ...rest.map((p) => p.en)].join(', ') });

export type ApplyReturn = ReturnType<typeof createApplyReturn>;
