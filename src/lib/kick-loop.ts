/**
 * A worker woken by kicks: `pass` runs until the work it sees is done; kicks that come while it runs
 * coalesce into one more pass (so none is lost, and none starts a second worker), and a timer kicks it
 * every `pollMs` for work that became due by time (retries). The one loop every background worker uses
 * (inbound queue, senders, timer sweep, jobs, reconciliation).
 */
export function createKickLoop(pass: () => Promise<void>, o: { pollMs: number; onError?: (e: unknown) => void }) {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  function kick(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    const loop = (async () => {
      do {
        again = false;
        await pass();
      } while (again);
    })();
    running = (o.onError ? loop.catch(o.onError) : loop).finally(() => {
      running = undefined;
      // A kick that came after the last pass but before this point would otherwise wait for the poll.
      if (again) void kick();
    });
    return running;
  }

  return {
    kick,
    /** `now: false`: the first pass comes at the first interval rather than at once. */
    start(opts: { now?: boolean } = {}): void {
      timer = setInterval(() => void kick(), o.pollMs);
      timer.unref();
      if (opts.now !== false) void kick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

export type KickLoop = ReturnType<typeof createKickLoop>;
