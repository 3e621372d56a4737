import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Handover } from '../usecases/handover.js';
import type { Members } from '../usecases/lead-cards.js';

/**
 * 离职交接 as soon as someone is marked as leaving: kicked when 销售团队 changes, and every `pollMs`
 * (a change another instance read, a lead given to a leaver meanwhile).
 */
export function createHandoverJob(deps: { handover: Handover; members: () => Promise<Members>; clock: Clock; log: Logger; pollMs: number; onMoved?: () => void; lease?: LoopLease }) {
  const log = deps.log.child({ component: 'handover' });
  const loop = createKickLoop(
    async () => {
      const members = await deps.members();
      if (![...members.values()].some((m) => m.leaving)) return;
      if (await deps.handover.run(members, deps.clock.now())) deps.onMoved?.();
    },
    { pollMs: deps.pollMs, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, '离职交接 failed; trying again at the next interval') },
  );
  return { kick: loop.kick, start: loop.start, stop: loop.stop };
}
