import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Scoring } from '../usecases/score-lead.js';

/**
 * Score decay for silence, every `pollMs`: the leads whose next tier is due (an indexed column, so a
 * pass over a large base touches only those) lose its points, each tier once per silence. The score
 * changes reach the Bitable through the outbox (`onDecayed` wakes the writer). The first pass first
 * re-plans every lead's next tier (the decay tiers may have changed since the last start); with
 * `lease`, only the instance holding it does either.
 */
export function createDecayJob(deps: { scoring: Scoring; clock: Clock; log: Logger; onDecayed: () => void; pollMs: number; lease?: LoopLease }) {
  const log = deps.log.child({ component: 'decay' });
  let planned = false;
  const loop = createKickLoop(
    async () => {
      if (!planned) {
        const n = await deps.scoring.rescheduleAll();
        planned = true;
        log.debug({ leads: n }, 'decay schedule re-planned');
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
