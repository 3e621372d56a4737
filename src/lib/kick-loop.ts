/**
 * A worker woken by kicks: `pass` runs until the work it sees is done; kicks that come while it runs
 * coalesce into one more pass (so none is lost, and none starts a second worker), and a timer kicks it
 * every `pollMs` for work that became due by time (retries). The one loop every background worker uses
 * (inbound queue, senders, timer sweep, jobs, reconciliation).
 *
 * With `lease` (several instances on one database), a pass runs only while this instance holds the
 * lease; a pass skipped because another instance holds it is tried again after `leaseRetryMs` (the
 * holder may have read its work before the kick's work arrived), until one runs or the loop stops.
 */
export interface LoopLease {
  run(fn: () => Promise<void>): Promise<{ ran: boolean }>;
}

/** What a pass may ask: the loop is stopping (a long pass returns between batches, so a stop is prompt). */
export interface PassControl {
  readonly stopping: boolean;
}

export function createKickLoop(pass: (ctl: PassControl) => Promise<void>, o: { pollMs: number; onError?: (e: unknown) => void; lease?: LoopLease | undefined; leaseRetryMs?: number }) {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const lease = o.lease;
  const ctl: PassControl = {
    get stopping() {
      return stopped;
    },
  };
  const once = lease
    ? async () => {
        if ((await lease.run(() => pass(ctl))).ran || stopped || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          void kick();
        }, o.leaseRetryMs ?? Math.min(o.pollMs, 1000));
        retry.unref();
      }
    : () => pass(ctl);

  function kick(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    const loop = (async () => {
      do {
        again = false;
        await once();
      } while (again && !stopped);
    })();
    running = (o.onError ? loop.catch(o.onError) : loop).finally(() => {
      running = undefined;
      // A kick that came after the last pass but before this point would otherwise wait for the poll.
      if (again && !stopped) void kick();
    });
    return running;
  }

  return {
    kick,
    /** `now: false`: the first pass comes at the first interval rather than at once. */
    start(opts: { now?: boolean } = {}): void {
      stopped = false;
      timer = setInterval(() => void kick(), o.pollMs);
      timer.unref();
      if (opts.now !== false) void kick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      if (retry) clearTimeout(retry);
      retry = undefined;
      await running;
    },
  };
}

export type KickLoop = ReturnType<typeof createKickLoop>;
