import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { Nurture } from '../usecases/nurture.js';
import { replanOnChange } from './replan-on-change.js';

/**
 * Keeps each lead's nurture timers in step with what happened to it: every stage entry and every
 * activity recorded since the job's cursors (kept in SQLite, so a restart neither misses nor repeats
 * one) re-plans that lead's 培育步骤. Whatever wrote the entry or the activity (a grid edit, a card
 * click, a return, the score) needs to know nothing about nurture. When the 培育步骤 in force differ
 * from those the leads were last planned for (edited in the Base; a fingerprint kept in the store, so a
 * change made while the server was down counts too), a pass first re-plans every lead.
 */
const TRANSITIONS = 'nurture.transitions';
const ACTIVITIES = 'nurture.activities';
const STEPS = 'nurture.steps';

export function createNurtureJob(deps: {
  store: Store;
  nurture: Nurture;
  /** the 培育步骤 in force (fingerprinted); undefined while not yet known (the Base not read yet) */
  steps: () => unknown;
  clock: Clock;
  log: Logger;
  pollMs: number;
  batch?: number;
  lease?: LoopLease;
}) {
  const { store } = deps;
  const log = deps.log.child({ component: 'nurture' });
  const batch = deps.batch ?? 500;

  async function pass(): Promise<void> {
    const n = await replanOnChange(store, deps.clock, STEPS, deps.steps(), replanAll);
    if (n !== undefined) {
      log.info({ leads: n }, '培育步骤已变更，所有线索已按新步骤重新排期 / nurture steps changed: every lead re-planned');
    }
    for (;;) {
      const ts = await store.transitions.after((await store.cursors.get(TRANSITIONS)) ?? 0, batch);
      const as = await store.activities.after((await store.cursors.get(ACTIVITIES)) ?? 0, batch);
      if (!ts.length && !as.length) return;
      const now = deps.clock.now();
      const leads = new Set<number>([...ts.map((t) => t.leadId), ...as.flatMap((a) => (a.leadId === null ? [] : [a.leadId]))]);
      const sum = await store.transaction(async () => {
        let planned = 0;
        let cancelled = 0;
        for (const id of leads) {
          const lead = await store.leads.get(id);
          if (!lead) continue;
          const r = await deps.nurture.plan(lead, now);
          planned += r.planned;
          cancelled += r.cancelled;
        }
        if (ts.length) await store.cursors.set(TRANSITIONS, ts.at(-1)!.id, now);
        if (as.length) await store.cursors.set(ACTIVITIES, as.at(-1)!.id, now);
        return { leads: leads.size, planned, cancelled };
      });
      log.debug(sum, 'nurture re-planned');
    }
  }

  /** Re-plan every lead (after the 培育步骤 changed), in batches. */
  async function replanAll(): Promise<number> {
    let after = 0;
    let n = 0;
    for (;;) {
      const ids = await store.leads.idsAfter(after, batch);
      if (!ids.length) return n;
      const now = deps.clock.now();
      await store.transaction(async () => {
        for (const id of ids) {
          const lead = await store.leads.get(id);
          if (lead) await deps.nurture.plan(lead, now);
        }
      });
      n += ids.length;
      after = ids.at(-1)!;
    }
  }

  const loop = createKickLoop(pass, {
    pollMs: deps.pollMs,
    lease: deps.lease,
    onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'nurture planning failed; trying again at the next interval'),
  });
  return { kick: loop.kick, start: loop.start, stop: loop.stop, replanAll };
}
