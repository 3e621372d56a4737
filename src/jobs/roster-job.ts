import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Members } from '../usecases/lead-cards.js';

/**
 * A pass over the team's numbers every `pollMs`, with the roster for names and owners (one instance at a
 * time with `lease`): the weekly digest when it is due, 推进变慢 cards. `run` says how many messages it
 * queued; `onQueued` wakes the sender then.
 */
export function createRosterJob(deps: { name: string; run: (members: Members, now: Date) => Promise<number>; members: () => Promise<Members>; clock: Clock; log: Logger; pollMs: number; onQueued?: () => void; lease?: LoopLease }) {
  const log = deps.log.child({ component: deps.name });
  const loop = createKickLoop(
    async () => {
      if (await deps.run(await deps.members(), deps.clock.now())) deps.onQueued?.();
    },
    { pollMs: deps.pollMs, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, `${deps.name} failed; trying again at the next interval`) },
  );
  return { kick: loop.kick, start: loop.start, stop: loop.stop };
}
