import type { Logger } from '../lib/logger.js';

/** What a held connection needs of a lease (jobs/lease.ts): run while held, and whether it still is. */
export interface ConnectionLease {
  name: string;
  run<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  held(): boolean;
}

/** A platform connection as the holder opens and closes it (the Feishu long connection, DingTalk's Stream). */
export interface Connection {
  start(): void;
  stop(): void;
}

/**
 * A platform connection that only one instance keeps open (docs/architecture.md#several-instances):
 * each platform pushes an event or a click to *one* of an app's connections, at random, so every
 * instance holding one would split the work and the sandbox's "who is connected" with it. The instance
 * that holds the lease named for the connection opens it and keeps it while the lease is renewed; the
 * others try for the lease every `retryMs` and one of them opens it when the holder stops (at once:
 * the lease is let go) or dies (once its lease runs out, FAILOVER_SECONDS). An instance that finds its
 * lease taken over closes its connection within `checkMs`.
 */
export function createHeldConnection(deps: { lease: ConnectionLease; connection: Connection; log: Logger; retryMs: number; checkMs?: number }) {
  const log = deps.log.child({ component: 'held-connection', lease: deps.lease.name });
  const checkMs = deps.checkMs ?? 500;
  let stopped = true;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let open = false;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function hold(): Promise<void> {
    deps.connection.start();
    open = true;
    log.info({}, 'this instance holds the connection');
    try {
      while (!stopped && deps.lease.held()) await pause(checkMs);
    } finally {
      open = false;
      deps.connection.stop();
      if (!stopped) log.warn({}, 'the connection’s lease was taken over: closed here, another instance holds it');
    }
  }

  return {
    /** Whether this instance has the connection open now. */
    isOpen: (): boolean => open,
    start(): void {
      if (!stopped) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          try {
            await deps.lease.run(hold);
          } catch (e) {
            log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not take the connection’s lease; trying again');
          }
          if (!stopped) await pause(deps.retryMs);
        }
      })();
    },
    /** Close the connection (if held) and let the lease go, so another instance opens it at once. */
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}
