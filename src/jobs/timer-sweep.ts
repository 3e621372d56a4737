import type { Clock } from '../lib/clock.js';
import { createKickLoop } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';

/**
 * Fires durable timers (SQLite) when they come due: every `pollMs`, the due timers go to the handler
 * of their kind, which marks the timer fired (compare-and-set) in the same transaction as its effect,
 * so a timer fires once across restarts and overlapping sweeps. A handler that throws leaves its timer
 * pending for the next sweep (logged). Timers of a kind nobody handles are left alone.
 */
export type TimerHandler = (t: Timer, now: Date) => Promise<unknown>;

export function createTimerSweep(deps: { store: Store; clock: Clock; log: Logger; handlers: Record<string, TimerHandler>; pollMs?: number; batch?: number }) {
  const log = deps.log.child({ component: 'timers' });
  const stats = { fired: 0, failed: 0 };
  const kinds = Object.keys(deps.handlers);

  async function pass(): Promise<void> {
    const failedThisPass = new Set<number>();
    for (;;) {
      const now = deps.clock.now();
      const due = deps.store.timers.dueOfKinds(now, kinds, deps.batch ?? 100).filter((t) => !failedThisPass.has(t.id));
      if (!due.length) return;
      for (const t of due) {
        try {
          await deps.handlers[t.kind]!(t, now);
          stats.fired++;
        } catch (e) {
          failedThisPass.add(t.id);
          stats.failed++;
          log.error({ timer: t.id, kind: t.kind, err: e instanceof Error ? e.message : String(e) }, 'timer handler failed; will retry');
        }
      }
    }
  }

  const loop = createKickLoop(pass, { pollMs: deps.pollMs ?? 15_000, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'timer sweep failed') });
  return { stats, kick: loop.kick, start: loop.start, stop: loop.stop };
}
