import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Members } from '../usecases/lead-cards.js';
import type { OwnerQueue } from '../usecases/owner-queue.js';

/**
 * Offers the leads waiting for an owner as soon as someone has room: after every decision (a lead
 * closed or returned frees a place) and every `pollMs` (a 跟进上限 raised or a leave ended in 销售团队).
 */
export function createOwnerQueueJob(deps: { queue: OwnerQueue; members: () => Promise<Members>; clock: Clock; log: Logger; pollMs: number; onOffered?: () => void; lease?: LoopLease }) {
  const log = deps.log.child({ component: 'owner-queue' });
  const loop = createKickLoop(
    async () => {
      if (!(await deps.queue.waiting())) return;
      const n = await deps.queue.drain(await deps.members(), deps.clock.now());
      if (n) deps.onOffered?.();
    },
    { pollMs: deps.pollMs, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'offering waiting leads failed; trying again at the next interval') },
  );
  return { kick: loop.kick, start: loop.start, stop: loop.stop };
}
