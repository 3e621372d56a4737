import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { Timer } from '../store/timers-repo.js';

/**
 * Fires durable timers (SQLite) when they come due: every `pollMs`, the due timers go to the handler
 * of their kind, which marks the timer fired (compare-and-set) in the same transaction as its effect,
 * so a timer fires once across restarts and overlapping sweeps. Timers of a kind nobody handles are
 * left alone.
 *
 * Handlers are synchronous and run in batches (`batch` timers, oldest due first) inside one
 * transaction, each in its own savepoint: a batch costs one commit (one fsync) instead of one per
 * timer, and a handler that throws undoes only its own effect and leaves its timer pending for the
 * next sweep (logged). What a handler needs from outside the database (the team roster) is read once
 * per pass by `context`, before the first batch. `onFired` runs after each batch that fired something
 * (to wake the workers that send what the handlers queued). With `lease`, one instance sweeps at a time.
 */
export type TimerHandler<C> = (t: Timer, now: Date, ctx: C) => unknown;

export function createTimerSweep<C = undefined>(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  handlers: Record<string, TimerHandler<C>>;
  context?: () => Promise<C>;
  onFired?: () => void;
  /** each timer fired, after its commit: how late it fired (metrics) */
  onEach?: (t: Timer, now: Date) => void;
  pollMs?: number;
  batch?: number;
  lease?: LoopLease;
}) {
  const log = deps.log.child({ component: 'timers' });
  const stats = { fired: 0, failed: 0 };
  const kinds = Object.keys(deps.handlers);
  const { store } = deps;

  async function pass(): Promise<void> {
    const failedThisPass = new Set<number>();
    let ctx: C | undefined;
    let loaded = false;
    for (;;) {
      const now = deps.clock.now();
      const due = (await store.timers.dueOfKinds(now, kinds, deps.batch ?? 200)).filter((t) => !failedThisPass.has(t.id));
      if (!due.length) return;
      if (!loaded) {
        ctx = deps.context ? await deps.context() : undefined;
        loaded = true;
      }
      // What happened is counted after the commit: PostgreSQL may run the transaction again.
      const { fired, done, failed } = await store.transaction(async () => {
        const out = { fired: 0, done: [] as Timer[], failed: [] as Array<{ t: Timer; err: unknown }> };
        for (const t of due) {
          try {
            await store.transaction(() => deps.handlers[t.kind]!(t, now, ctx as C));
            out.fired++;
            out.done.push(t);
          } catch (err) {
            out.failed.push({ t, err });
          }
        }
        return out;
      });
      for (const { t, err } of failed) {
        failedThisPass.add(t.id);
        stats.failed++;
        log.error({ timer: t.id, kind: t.kind, err: err instanceof Error ? err.message : String(err) }, 'timer handler failed; will retry');
      }
      stats.fired += fired;
      for (const t of done) deps.onEach?.(t, now);
      if (fired) deps.onFired?.();
      // let requests in between batches
      await new Promise((r) => setImmediate(r));
    }
  }

  const loop = createKickLoop(pass, { pollMs: deps.pollMs ?? 15_000, lease: deps.lease, onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'timer sweep failed') });
  return { stats, kick: loop.kick, start: loop.start, stop: loop.stop };
}
