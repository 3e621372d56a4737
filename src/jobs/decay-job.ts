import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { Scoring } from '../usecases/score-lead.js';
import { replanOnChange } from './replan-on-change.js';

/**
 * Score decay for silence, every `pollMs`: the leads whose next tier is due (an indexed column, so a
 * pass over a large base touches only those) lose its points, each tier once per silence. The score
 * changes reach the Bitable through the outbox (`onDecayed` wakes the writer). When the decay tiers in
 * force differ from those the schedule was planned for (edited in the 评分规则 table, perhaps while the
 * server was down: a fingerprint kept in the store), a pass first re-plans every lead's next tier; with
 * `lease`, only the instance holding it does either.
 */
const TIERS = 'decay.tiers';

export function createDecayJob(deps: {
  store: Store;
  scoring: Scoring;
  /** the decay tiers in force (fingerprinted); undefined while not yet known (the Base not read yet) */
  tiers: () => unknown;
  clock: Clock;
  log: Logger;
  onDecayed: () => void;
  pollMs: number;
  lease?: LoopLease;
}) {
  const log = deps.log.child({ component: 'decay' });
  const loop = createKickLoop(
    async () => {
      const n = await replanOnChange(deps.store, deps.clock, TIERS, deps.tiers(), () => deps.scoring.rescheduleAll());
      if (n !== undefined) {
        log.info({ leads: n }, '沉默衰减规则已变更，已重新计算每条线索的下次衰减时间 / decay tiers changed: every lead re-planned');
      }
      const r = await deps.scoring.decayPass(deps.clock.now());
      if (r.leads) {
        log.info(r, 'silent leads decayed');
        deps.onDecayed();
      }
    },
    { pollMs: deps.pollMs, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'decay pass failed; trying again at the next interval') },
  );
  return { kick: loop.kick, start: loop.start, stop: loop.stop };
}
