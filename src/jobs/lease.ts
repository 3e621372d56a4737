import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';

/** This process among the instances sharing a database: host, pid and a random tail (pids repeat across restarts). */
export const instanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * Work only one instance may do at a time (the reconciliation pass; later a table's writes, a platform
 * connection): `run(fn)` takes the lease named `name` and runs fn, renewing the lease every third of
 * `ttlMs` while fn runs, and lets it go after. While another instance holds it, fn is not run (the
 * caller tries again at its next turn); an instance that dies holding it loses it when `ttlMs` runs out.
 */
export function createLease(deps: { store: Pick<Store, 'leases'>; clock: Clock; log: Logger; name: string; holder: string; ttlMs?: number }) {
  const ttl = deps.ttlMs ?? 60_000;
  const { leases } = deps.store;
  const log = deps.log.child({ component: 'lease', lease: deps.name });

  return {
    async run<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
      if (!(await leases.acquire(deps.name, deps.holder, ttl, deps.clock.now()))) return { ran: false };
      const renew = setInterval(() => {
        leases.acquire(deps.name, deps.holder, ttl, deps.clock.now()).then(
          (held) => held || log.warn({ holder: deps.holder }, 'lease lost while working: another instance may start the same work'),
          (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not renew the lease'),
        );
      }, ttl / 3);
      try {
        return { ran: true, value: await fn() };
      } finally {
        clearInterval(renew);
        await leases.release(deps.name, deps.holder).catch(() => undefined);
      }
    },
  };
}
