import { findStage, findTransition, type Journey, type StageKind } from '../domain/journey.js';
import { entryLabel } from '../domain/transitions.js';
import type { Text } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote } from './journey-notes.js';
import type { Members } from './lead-cards.js';
import type { LeadPool } from './lead-pool.js';
import { writeStageMove } from './lead-row.js';
import { PROTECT_RECYCLE, PROTECT_WARN } from './protection-kinds.js';
import { SLA_ACCEPT, SLA_FOLLOW_UP } from './sla-ladder.js';

/**
 * A lead nobody follows any more goes back to the pool (a recycle when its 保护期 ran out, a leaver's
 * lead with nobody named to take it): the owner cleared with their SLAs and protection, the pool stage
 * through the stage machine (or, already there or with no way there, where it is), always a 阶段历史
 * row saying why, the row's owner fields cleared, and a pool card as 群内推送 says. The caller has ended
 * the assignment. Runs inside the caller's transaction; returns the lead as it is now.
 */
export interface BackToPoolDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  /** the pool, for the card (late-bound: the pool is built after its users) */
  pool?: () => LeadPool | undefined;
  historyTableId: () => string | undefined;
}

export interface BackToPool {
  lead: LeadRow;
  /** the stage to go to (undefined: the first pool-like stage the journey allows from here) */
  to: string | undefined;
  /** the system actor recorded on the move */
  actor: string;
  /** for 阶段历史 and the move's reason, e.g. 保护期到期回收：15 天未跟进 */
  reason: string;
  /** for 旅程备注 */
  note: string;
  /** for the pool card: why it is in the pool */
  why: Text;
  /** this event, once: the keys of the writes and the card */
  key: string;
  members: Members;
  now: Date;
}

export function createBackToPool(deps: BackToPoolDeps) {
  const { store, journey } = deps;
  const changeStage = createChangeStage(deps);
  const label = (id: string) => findStage(journey, id)?.label.zh ?? id;
  const NURTURE: StageKind = 'nurture';

  return async function backToPool(o: BackToPool): Promise<LeadRow> {
    const { lead, now } = o;
    await store.leads.setOwner(lead.id, null, now);
    const { owner: _owner, ...facts } = lead.facts;
    await store.leads.setFacts(lead.id, facts, now);
    for (const kind of [SLA_ACCEPT, SLA_FOLLOW_UP, PROTECT_WARN, PROTECT_RECYCLE]) await store.timers.cancelForLead(lead.id, kind);
    const fields = { 跟进人: null, SLA截止: null, 保护期至: null, 保护剩余天数: null, 旅程备注: journeyNote(now, [o.note]) };
    const fresh = (await store.leads.get(lead.id))!;
    const from = fresh.stage!;
    const to = o.to ?? journey.transitions.find((t) => t.from === from && findStage(journey, t.to)?.kind === NURTURE)?.to;
    let moved = fresh;
    if (to && to !== from && findTransition(journey, from, to)) {
      const r = await changeStage({ leadId: lead.id, to, actor: { id: o.actor, roles: [] }, reason: o.reason });
      if (r.ok && r.value.outcome.status === 'applied') {
        moved = r.value.lead;
        await writeStageMove(store, {
          lead: moved,
          move: { from: label(from), to: label(to), label: r.value.outcome.label, reason: o.reason },
          actorId: undefined,
          historyTableId: deps.historyTableId(),
          writeStage: true,
          extra: fields,
          now,
          key: o.key,
        });
      }
    }
    if (moved === fresh) {
      // back in the pool where it is (a lead claimed from the pool goes back to it): the history still says so
      const last = (await store.transitions.listForLead(lead.id)).at(-1);
      const entry = last ? entryLabel(journey, last.to, last.entryIndex) : '';
      await writeStageMove(store, {
        lead: fresh,
        move: { from: label(from), to: label(from), label: entry, reason: o.reason },
        actorId: undefined,
        historyTableId: deps.historyTableId(),
        writeStage: false,
        extra: fields,
        now,
        key: o.key,
        historyKey: `hist:${lead.id}:${o.key}`,
      });
    }
    await deps.pool?.()?.entered(moved, { returned: true, why: o.why, key: o.key }, o.members, now);
    return moved;
  };
}

export type BackToPoolFn = ReturnType<typeof createBackToPool>;
