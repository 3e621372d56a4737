import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Members } from '../usecases/lead-cards.js';
import type { WeeklyDigest } from '../usecases/weekly-digest.js';

/** 线索周报: every `pollMs`, queue the weekly digest when its time has come (one instance at a time with `lease`). */
export function createDigestJob(deps: { digest: WeeklyDigest; members: () => Promise<Members>; clock: Clock; log: Logger; pollMs: number; onQueued?: () => void; lease?: LoopLease }) {
  const log = deps.log.child({ component: 'digest' });
  const loop = createKickLoop(
    async () => {
      if (await deps.digest.run(await deps.members(), deps.clock.now())) deps.onQueued?.();
    },
    { pollMs: deps.pollMs, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'weekly digest failed; trying again at the next interval') },
  );
  return { kick: loop.kick, start: loop.start, stop: loop.stop };
}
