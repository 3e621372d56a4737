import { when } from '../domain/text.js';
import type { Member } from '../domain/people.js';
import { findStage, type Journey } from '../domain/journey.js';
import type { Logger } from '../lib/logger.js';
import type { AssignmentRules } from '../rules/assignment-rules.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';
import { journeyNote } from './journey-notes.js';
import { OWNER_QUEUE_SUMMARY, type LeadCards, type Members } from './lead-cards.js';
import type { Offers } from './offers.js';
import { writeLeadRow } from './lead-row.js';

/**
 * Leads nobody could take when they came (every rep at 跟进上限, off duty or on leave; queued by
 * lead-cards' waitForOwner) are offered as soon as someone has room — a lead closed or returned, a
 * 跟进上限 raised, a rep back from leave — oldest first: `drain` runs after decisions and on a short
 * interval. A lead that no longer needs an owner (moved out of the open stages, deleted, taken up by
 * hand) leaves the queue. The managers hear of the queue once, in one summary (`summary`, the timer
 * the first waiting lead scheduled), not once per lead.
 */
export interface OwnerQueueDeps {
  store: Store;
  journey: Journey;
  rules: AssignmentRules;
  cards: LeadCards;
  offers: Offers;
  log: Logger;
}

export function createOwnerQueue(deps: OwnerQueueDeps) {
  const { store, journey } = deps;
  const log = deps.log.child({ component: 'owner-queue' });
  const isOpen = (stage: string | null) => !!stage && findStage(journey, stage)?.kind === 'open';
  const candidates = (members: Members): Member[] => [...members.values()].filter((m) => m.roles.some((r) => deps.rules.candidateRoles.includes(r)));

  /** Offer waiting leads to whoever has room now, oldest first. Returns how many were offered. */
  async function drain(members: Members, now: Date): Promise<number> {
    if (!(await store.ownerQueue.size()).count) return 0;
    return store.transaction(async () => {
      let offered = 0;
      for (const q of await store.ownerQueue.list(1000)) {
        const lead = await store.leads.get(q.leadId);
        if (!lead || lead.deletedAt || lead.ownerId || (await store.assignments.current(lead.id)) || !isOpen(lead.stage)) {
          await store.ownerQueue.remove(q.leadId);
          continue;
        }
        const a = await deps.offers.offerAssignment(lead, members, now, { anyStage: true, when: q.when, quiet: true });
        if (!a) continue;
        await store.ownerQueue.remove(q.leadId);
        offered++;
        await writeLeadRow(
          store,
          (await store.leads.get(lead.id))!,
          { 旅程备注: journeyNote(now, [`等待分配（自 ${when(q.queuedAt)}）后，已交给 ${members.get(a.ownerId)?.name ?? a.ownerId}，等待认领`]) },
          `dequeued:${lead.id}:${a.id}`,
          now,
        );
      }
      if (offered) log.info({ offered, waiting: (await store.ownerQueue.size()).count }, 'waiting leads offered');
      return offered;
    });
  }

  /** The timer the first waiting lead scheduled: one message to each manager of the reps, with the count and why. */
  function summary(timer: Timer, now: Date, members: Members): Promise<'sent' | 'skipped'> {
    return store.transaction(async () => {
      if (timer.kind !== OWNER_QUEUE_SUMMARY || !(await store.timers.markFired(timer.id, now))) return 'skipped';
      const { count, since } = await store.ownerQueue.size();
      if (!count) return 'skipped';
      const reps = candidates(members);
      const loads = await store.routing.loads();
      const state = reps
        .map((r) => {
          const why = !r.onDuty ? '不在岗' : r.leaveUntil && r.leaveUntil > now.getTime() ? '休假中' : r.capacity !== undefined ? `${loads.get(r.id) ?? 0}/${r.capacity}` : `${loads.get(r.id) ?? 0} 条`;
          return `${r.name} ${why}`;
        })
        .join('，');
      let managers = [...new Set(reps.map((r) => r.managerId).filter((m): m is string => !!m && members.has(m)))];
      if (!managers.length) managers = [...members.values()].filter((m) => m.roles.includes('sales_director')).map((m) => m.id);
      const first = (await store.ownerQueue.list(1))[0];
      const firstKey = first ? (await store.leads.get(first.leadId))?.leadKey : undefined;
      for (const m of managers) {
        await deps.cards.notify(
          m,
          {
            zh: `有 ${count} 条线索在等待分配（最早 ${firstKey ?? ''} 于 ${since ? when(since) : ''} 到达）：${first?.why ?? ''}。销售现状：${state || '无'}。有人空出名额（线索关闭或退回、在销售团队中调高跟进上限）后将按到达顺序自动分配。`,
            en: `${count} leads are waiting for an owner (the first, ${firstKey ?? ''}, since ${since ? when(since) : ''}): every rep who could take them is full or away. They are offered in arrival order as soon as someone has room (a lead closed or returned, a higher 跟进上限).`,
          },
          `owner-queue-summary:${timer.id}:${m}`,
          now,
        );
      }
      log.warn({ waiting: count, managers: managers.length }, 'leads are waiting for an owner; managers told');
      return 'sent';
    });
  }

  return { drain, summary, waiting: async (): Promise<number> => (await store.ownerQueue.size()).count };
}

export type OwnerQueue = ReturnType<typeof createOwnerQueue>;
