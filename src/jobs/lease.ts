import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';

/** This process among the instances sharing a database: host, pid and a random tail (pids repeat across restarts). */
export const instanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export type Lease = ReturnType<typeof createLease>;

/**
 * Work only one instance may do at a time (the reconciliation pass, the inbound queue, the timer sweep,
 * a table's Bitable writes; later a platform connection): `run(fn)` takes the lease named `name` and
 * runs fn, renewing the lease every third of `ttlMs` while fn runs, and lets it go after. While another
 * instance holds it, fn is not run (the caller tries again at its next turn); an instance that dies
 * holding it loses it when `ttlMs` runs out. `held()` says whether this instance still holds it (false
 * once a renewal found another holder): work that must not overlap checks it before each step.
 * One `run` at a time per lease object (each worker has its own).
 */
export function createLease(deps: { store: Pick<Store, 'leases'>; clock: Clock; log: Logger; name: string; holder: string; ttlMs?: number }) {
  const ttl = deps.ttlMs ?? 60_000;
  const { leases } = deps.store;
  const log = deps.log.child({ component: 'lease', lease: deps.name });
  let holding = false;

  return {
    name: deps.name,
    held: (): boolean => holding,
    async run<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
      if (!(await leases.acquire(deps.name, deps.holder, ttl, deps.clock.now()))) return { ran: false };
      holding = true;
      let renewing: Promise<unknown> = Promise.resolve();
      const renew = setInterval(() => {
        renewing = leases.acquire(deps.name, deps.holder, ttl, deps.clock.now()).then(
          (held) => {
            if (held || !holding) return;
            holding = false;
            log.warn({ holder: deps.holder }, 'lease lost while working: another instance may have taken the work over');
          },
          (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not renew the lease'),
        );
      }, ttl / 3);
      try {
        return { ran: true, value: await fn() };
      } finally {
        holding = false;
        clearInterval(renew);
        await renewing; // a renewal still in flight must not take the lease back after it is let go
        await leases.release(deps.name, deps.holder).catch(() => undefined);
      }
    },
  };
}
