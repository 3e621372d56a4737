import type { Clock } from '../lib/clock.js';
import { createKickLoop, type LoopLease, type PassControl } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';

/**
 * Works through verified events stored by the webhook, one at a time in arrival order, after the 200
 * went out. A handler that throws leaves the event pending for the next pass; after `maxAttempts` it is
 * marked failed (kept, with the error). Event types without a handler are marked done. With `lease`
 * (several instances), one instance works the queue at a time, so arrival order holds across them.
 */
/** Handles the queued events of one type together (in arrival order); they succeed or fail together. */
export type InboundHandler = (envelopes: unknown[]) => Promise<void>;
const GROUP = 100;

export function createInboundProcessor(deps: { store: Store; clock: Clock; log: Logger; handlers: Record<string, InboundHandler>; maxAttempts?: number; pollMs?: number; lease?: LoopLease }) {
  const log = deps.log.child({ component: 'inbound' });
  const max = deps.maxAttempts ?? 5;
  const processed = { done: 0, failed: 0, retried: 0, ignored: 0 };

  // a stop waits for the group in hand (up to 100 events of a type), not for the queue
  async function pass(ctl: PassControl): Promise<void> {
    for (;;) {
      if (ctl.stopping) return;
      const batch = await deps.store.eventQueue.pending(GROUP * 5);
      let progressed = false;
      // Runs of the same type go to their handler together (arrival order is kept).
      for (let i = 0; i < batch.length && !ctl.stopping; ) {
        let j = i + 1;
        while (j < batch.length && j - i < GROUP && batch[j]!.eventType === batch[i]!.eventType) j++;
        const group = batch.slice(i, j);
        i = j;
        const handler = deps.handlers[group[0]!.eventType];
        try {
          if (handler) await handler(group.map((ev) => ev.payload));
          else processed.ignored += group.length;
          await deps.store.transaction(async () => {
            for (const ev of group) await deps.store.eventQueue.done(ev.eventId, deps.clock.now());
          });
          processed.done += group.length;
          progressed = true;
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          for (const ev of group) {
            if (ev.attempts + 1 >= max) {
              await deps.store.eventQueue.failed(ev.eventId, error, deps.clock.now());
              processed.failed++;
              progressed = true;
              log.error({ eventId: ev.eventId, eventType: ev.eventType, error }, 'inbound event failed for good');
            } else {
              await deps.store.eventQueue.attemptFailed(ev.eventId, error);
              processed.retried++;
              log.warn({ eventId: ev.eventId, eventType: ev.eventType, attempt: ev.attempts + 1, error }, 'inbound event failed; will retry');
            }
          }
        }
      }
      if (!progressed || batch.length < GROUP * 5) return;
    }
  }

  const loop = createKickLoop(pass, { pollMs: deps.pollMs ?? 5000, lease: deps.lease });

  return {
    processed,
    /** Process what is pending now (coalesces concurrent calls); resolves when the queue is empty. */
    kick: loop.kick,
    /** Look again every pollMs (events that failed once are retried on the next look). */
    start: loop.start,
    stop: loop.stop,
  };
}
