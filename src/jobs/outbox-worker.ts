import type { Clock } from '../lib/clock.js';
import { createKickLoop, type PassControl } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { OutboxItem } from '../store/outbox-repo.js';
import type { Store } from '../store/store.js';

/**
 * A sender over the message outbox (chat messages, webhooks): claims due rows of its kinds in batches
 * (leased, so a crash gives them back), works them in order per target (a group chat, a webhook URL),
 * and runs on the kick loop. `deliver` says whether a row is settled (sent, dead, given up) or waits for
 * a retry; after a retry the rest of that target's rows in this pass are given back untried, so they
 * follow it in the order they were decided.
 */
export function createOutboxWorker(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  /** for the log line when a pass fails */
  name: string;
  kindPrefix: string;
  batch: number;
  leaseMs: number;
  pollMs: number;
  deliver: (item: OutboxItem) => Promise<'settled' | 'retry'>;
  /** after each claimed batch, before the next claim (a sender that records its deliveries together) */
  afterBatch?: () => Promise<void>;
}) {
  const outbox = deps.store.messages;
  // a stop waits for the row in hand, not for the batch (a chat's rows go out at 4 a second: a batch of
  // 50 takes 12 s) or the backlog; the rest of the batch is given back for the next start or instance
  async function pass(ctl: PassControl): Promise<void> {
    while (!ctl.stopping) {
      const items = await outbox.claim(deps.clock.now(), deps.batch, deps.leaseMs, deps.kindPrefix);
      if (!items.length) return;
      const held = new Set<string>();
      try {
        for (const item of items) {
          if (held.has(item.target) || ctl.stopping) {
            await outbox.release(item.id, deps.clock.now());
            continue;
          }
          if ((await deps.deliver(item)) === 'retry') held.add(item.target);
        }
      } finally {
        await deps.afterBatch?.();
      }
    }
  }
  return createKickLoop(pass, { pollMs: deps.pollMs, onError: (e) => deps.log.error({ err: e instanceof Error ? e.message : String(e) }, `${deps.name} loop failed`) });
}
