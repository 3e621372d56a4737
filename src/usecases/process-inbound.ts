import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';

/**
 * Works through verified events stored by the webhook, one at a time in arrival order, after the 200
 * went out. A handler that throws leaves the event pending for the next pass; after `maxAttempts` it is
 * marked failed (kept, with the error). Event types without a handler are marked done.
 */
export type InboundHandler = (envelope: unknown) => Promise<void>;

export function createInboundProcessor(deps: { store: Store; clock: Clock; log: Logger; handlers: Record<string, InboundHandler>; maxAttempts?: number; pollMs?: number }) {
  const log = deps.log.child({ component: 'inbound' });
  const max = deps.maxAttempts ?? 5;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const processed = { done: 0, failed: 0, retried: 0, ignored: 0 };

  async function pass(): Promise<void> {
    for (;;) {
      const batch = deps.store.inbound.pending(100);
      let progressed = false;
      for (const ev of batch) {
        const handler = deps.handlers[ev.eventType];
        try {
          if (handler) await handler(ev.payload);
          else processed.ignored++;
          deps.store.inbound.done(ev.eventId, deps.clock.now());
          processed.done++;
          progressed = true;
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          if (ev.attempts + 1 >= max) {
            deps.store.inbound.failed(ev.eventId, error, deps.clock.now());
            processed.failed++;
            progressed = true;
            log.error({ eventId: ev.eventId, eventType: ev.eventType, error }, 'inbound event failed for good');
          } else {
            deps.store.inbound.attemptFailed(ev.eventId, error);
            processed.retried++;
            log.warn({ eventId: ev.eventId, eventType: ev.eventType, attempt: ev.attempts + 1, error }, 'inbound event failed; will retry');
          }
        }
      }
      if (!progressed || batch.length < 100) return;
    }
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  }

  return {
    processed,
    /** Process what is pending now (coalesces concurrent calls); resolves when the queue is empty. */
    kick,
    /** Look again every pollMs (events that failed once are retried on the next look). */
    start(): void {
      timer = setInterval(() => void kick(), deps.pollMs ?? 5000);
      timer.unref();
      void kick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
