import { atWork } from '../domain/people.js';
import { findStage, findTransition, type Journey } from '../domain/journey.js';
import type { Text } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { MANAGER, type ReturnReason } from '../rules/return-reasons.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { REENGAGE } from './apply-return.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import type { Offers } from './offers.js';
import type { LeadCards, Members } from './lead-cards.js';
import { writeLeadRow, writeStageMove } from './lead-row.js';

/**
 * The re-engage date a return set (预计一年后采购 → 300 days …) has come (timer `lead.reengage`, fired
 * once by the timer sweep, in its transaction): the lead comes back as its 退回原因 row says —
 * 重新激活阶段, the stage it returns to (a 阶段历史 row records the move; a guard that holds it is noted
 * instead), and 重新激活给: 原跟进人 offers it again to the rep who returned it (an assignment card @
 * them, with the accept SLA), 重新分配 to whom the 分配规则 pick at the hand-off, 线索池 to nobody — then
 * the reason's 通知 roles get a reminder card. A rep who cannot take it any more (left, off duty, on
 * leave) hands over to the rules. A lead someone took up meanwhile (an offer or an owner), or deleted, is
 * left alone. 旅程备注 says what happened.
 */
export const REENGAGE_ACTOR = 'system:reengage';

export interface ReengageDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  cards: LeadCards;
  offers: Offers;
  returnReasons: () => readonly ReturnReason[];
  historyTableId: () => string | undefined;
  log: Logger;
}

interface Payload {
  reason: string;
  notify?: string[];
  /** the rep who returned it */
  by?: string;
}

export function createReengage(deps: ReengageDeps) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'reengage' });
  const changeStage = createChangeStage(deps);
  const label = (id: string | null): Text => (id ? (findStage(journey, id)?.label ?? { zh: id, en: id }) : { zh: '—', en: '—' });

  /** The people a reminder goes to: the reason's 通知 roles (the returning rep's manager for 直属上级). */
  function rolesToTell(p: Payload, members: Members, now: Date): string[] {
    const out = new Set<string>();
    for (const n of p.notify ?? []) {
      if (n === MANAGER) {
        const manager = p.by ? members.get(p.by)?.managerId : undefined;
        if (manager && atWork(members.get(manager), now)) out.add(manager);
        continue;
      }
      for (const m of members.values()) if (atWork(m, now) && m.roles.includes(n)) out.add(m.id);
    }
    return [...out];
  }

  return function reengage(timer: Timer, now: Date, members: Members): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (timer.kind !== REENGAGE || !(await store.timers.markFired(timer.id, now))) return 'skipped';
      const p = timer.payload as Payload;
      const lead = timer.leadId === null ? undefined : await store.leads.get(timer.leadId);
      if (!lead || lead.deletedAt) return 'skipped';
      const taken = await store.assignments.current(lead.id);
      if (taken || lead.ownerId) {
        log.info({ lead: lead.leadKey, owner: taken?.ownerId ?? lead.ownerId }, 're-engage date reached; the lead is already taken up');
        return 'skipped';
      }
      const rule = deps.returnReasons().find((r) => r.option === p.reason)?.reengage ?? { stage: undefined, to: 'owner' as const };
      const why = `重新激活（退回原因「${p.reason}」约定的日期）`;
      const notes: string[] = [];

      // 1. back to the stage the rule names, through the stage machine
      let fresh = lead;
      if (rule.stage && lead.stage && rule.stage !== lead.stage) {
        const from = lead.stage;
        if (!findTransition(journey, from, rule.stage)) {
          notes.push(`未回到「${label(rule.stage).zh}」：旅程中「${label(from).zh}」不能直接进入它`);
        } else {
          const r = await changeStage({ leadId: lead.id, to: rule.stage, actor: { id: REENGAGE_ACTOR, roles: [] }, reason: why });
          if (!r.ok) {
            if (r.error.code === 'conflict') throw new Error(`lead ${lead.leadKey} changed while re-engaging it`);
            notes.push(`暂不能回到「${label(rule.stage).zh}」：${r.error.message.zh}`);
          } else if (r.value.outcome.status === 'applied') {
            fresh = r.value.lead;
            notes.push(`回到「${label(rule.stage).zh}」`);
            await writeStageMove(store, {
              lead: fresh,
              move: { from: label(from).zh, to: label(rule.stage).zh, label: r.value.outcome.label, reason: why },
              actorId: undefined,
              historyTableId: deps.historyTableId(),
              writeStage: true,
              now,
              key: `reengage-move:${timer.id}`,
            });
            await deps.cards.voidOpenCards(fresh, 'approval', members, now);
            await deps.cards.voidOpenCards(fresh, 'pool', members, now);
          } else {
            fresh = r.value.lead;
            notes.push(`回到「${label(rule.stage).zh}」需${r.value.outcome.gate.label.zh}审批，已提交`);
            if (fresh.pendingApproval) await deps.cards.requestApproval(fresh, fresh.pendingApproval, members, now);
          }
        }
      }

      // 2. who has it now: the rep who returned it, whom the rules pick, or nobody (the pool)
      let offeredTo: string | undefined;
      if (rule.to !== 'pool' && !fresh.pendingApproval) {
        const rep = rule.to === 'owner' && p.by && atWork(members.get(p.by), now) ? p.by : undefined;
        const a = rep
          ? await deps.offers.offerAssignment(fresh, members, now, { anyStage: true, decision: { kind: 'person', ownerId: rep, rule: 'reengage', why: `${why}：交给原跟进人` } })
          : await deps.offers.offerAssignment(fresh, members, now, { anyStage: true, when: 'handoff' });
        offeredTo = a?.ownerId;
        if (rule.to === 'owner' && !rep) notes.push(`原跟进人${p.by ? ` ${members.get(p.by)?.name ?? p.by} ` : ''}不在岗或已离开，按分配规则重新分配`);
        if (offeredTo) notes.push(`已交给 ${members.get(offeredTo)?.name ?? offeredTo}，等待认领`);
      }

      // 3. the people the reason names are reminded (the pool's SDRs, marketing …) when nobody was offered it
      let told: string[] = [];
      if (!offeredTo) {
        told = rolesToTell(p, members, now);
        const content = `退回原因「${p.reason}」约定的时间到了：确认客户的需求、预算和采购时间有无变化，有意向就重新分配或推进`;
        await deps.cards.remind(
          (await store.leads.get(lead.id))!,
          { to: told, kind: 'reengage', name: p.reason, sequence: '退回重新激活', content, why: { zh: `退回时约定的重新激活日期（${label(fresh.stage).zh}）`, en: `the re-engage date set when it was returned (${label(fresh.stage).en})` } },
          members,
          timer.dedupeKey ?? `timer:${timer.id}`,
          now,
        );
        notes.push(told.length ? `已提醒 ${told.map((id) => members.get(id)?.name ?? id).join('、')}` : '没有可提醒的人');
      }
      await writeLeadRow(store, (await store.leads.get(lead.id))!, { 重新激活: null, 旅程备注: journeyNote(now, [`${why}：${notes.join('；')}`]) }, `reengage:${timer.id}`, now);
      log.info({ lead: lead.leadKey, reason: p.reason, stage: fresh.stage, owner: offeredTo, told: told.length }, 'lead re-engaged');
      return 'sent';
    });
  };
}

export type Reengage = ReturnType<typeof createReengage>;
