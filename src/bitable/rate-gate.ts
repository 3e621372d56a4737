/**
 * A per-app call budget (docs/platform/feishu.md#0-responses-and-rate-limits: limits are per API × app; hitting the per-second or the
 * per-minute one throttles). Writes (50/s, 1,000/min) and reads (20/s) each have one: every call waits
 * here first, so the app stays under the limit instead of collecting 429s; a 429's reset pauses all of
 * them. Real time: it paces real HTTP calls.
 */
export interface RateGate {
  acquire(): Promise<void>;
  /** hold every write until `untilMs` (epoch ms), e.g. after a 429 with x-ogw-ratelimit-reset */
  pauseUntil(untilMs: number): void;
}

export function createRateGate(o: { perSecond: number; perMinute: number; now?: () => number; sleep?: (ms: number) => Promise<void> }): RateGate {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const sent: number[] = []; // start times of calls in the last minute
  let pausedUntil = 0;
  let queue: Promise<void> = Promise.resolve();

  async function take(): Promise<void> {
    for (;;) {
      const t = now();
      while (sent.length && sent[0]! <= t - 60_000) sent.shift();
      let wait = Math.max(0, pausedUntil - t);
      const lastSecond = sent.filter((x) => x > t - 1000);
      if (lastSecond.length >= o.perSecond) wait = Math.max(wait, lastSecond[lastSecond.length - o.perSecond]! + 1000 - t);
      if (sent.length >= o.perMinute) wait = Math.max(wait, sent[sent.length - o.perMinute]! + 60_000 - t);
      if (wait <= 0) {
        sent.push(t);
        return;
      }
      await sleep(wait);
    }
  }

  return {
    // Callers queue, so the order of acquisition is the order of asking.
    acquire() {
      const next = queue.then(take);
      queue = next.catch(() => undefined);
      return next;
    },
    pauseUntil(untilMs) {
      pausedUntil = Math.max(pausedUntil, untilMs);
    },
  };
}
