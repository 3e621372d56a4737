import type { TransitionRecord } from '../domain/transitions.js';
import type { Store } from '../store/store.js';
import type { DemoLead } from './demo-history.js';

/**
 * Writes made-up history (demo-history.ts) into a store as if the server had lived through it: each lead
 * with its 线索编号 and Bitable row, every stage entry with its time, the offers to reps with what they
 * did, and the SLA steps that fired. No timers, cards or outbox rows: what happened is over. Stage
 * entries go in as multi-row inserts (the benchmark writes a million of them).
 */
export async function storeDemoHistory(
  store: Store,
  journeyId: string,
  leads: readonly DemoLead[],
  o: { keyOf: (i: number) => string; rowOf?: (i: number) => { baseToken: string; tableId: string; recordId: string }; onProgress?: (done: number) => void },
): Promise<number[]> {
  const ids: number[] = [];
  const CHUNK = 1_000;
  for (let start = 0; start < leads.length; start += CHUNK) {
    await store.transaction(async () => {
      const rows: Array<TransitionRecord & { leadId: number }> = [];
      for (let i = start; i < Math.min(leads.length, start + CHUNK); i++) {
        const l = leads[i]!;
        const last = l.transitions.at(-1)!;
        const row = o.rowOf?.(i);
        const lead = await store.leads.insert({ leadKey: o.keyOf(i), journeyId, facts: { ...l.facts, ...(l.owner ? { owner: l.owner } : {}) }, ...(l.owner ? { ownerId: l.owner } : {}), ...(row ?? {}), now: l.createdAt });
        await store.leads.setStage(lead.id, lead.version, l.stage, last.at);
        ids.push(lead.id);
        for (const t of l.transitions) rows.push({ leadId: lead.id, from: t.from, to: t.to, at: t.at, actorId: t.actor, reason: t.reason, approvalId: null, entryIndex: t.entry, kind: t.kind });
        for (const a of l.assignments) {
          const offered = await store.assignments.offer({ leadId: lead.id, ownerId: a.ownerId, source: 'routing:demo', acceptDueAt: a.acceptDueAt, now: a.offeredAt });
          if (a.acceptedAt) await store.assignments.accept(offered.id, a.ownerId, a.followUpDueAt, a.acceptedAt);
          if (a.returnedAt) await store.assignments.markReturned(offered.id, a.returnReason ?? '', null, a.returnedAt);
          if (a.withdrawnAt) await store.assignments.withdraw(offered.id, a.withdrawnAt);
          if (a.lateAccept) await store.escalations.record({ leadId: lead.id, assignmentId: offered.id, sla: 'accept', step: 'remind', toId: a.ownerId, at: a.acceptDueAt });
          if (a.lateFollowUp && a.followUpDueAt) await store.escalations.record({ leadId: lead.id, assignmentId: offered.id, sla: 'follow_up', step: 'remind', toId: a.ownerId, at: a.followUpDueAt });
        }
      }
      await store.transitions.appendMany(rows);
    });
    o.onProgress?.(Math.min(leads.length, start + CHUNK));
  }
  return ids;
}
