/**
 * A token bucket per key (an intake source): up to `perMinute` requests at once, refilled at
 * `perMinute` a minute. In memory, per process: with several instances each allows its share.
 */
export function createRateLimiter(clock: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Take one token: ok, or how many seconds until one is there. */
    take(key: string, perMinute: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const now = clock();
      const b = buckets.get(key) ?? { tokens: perMinute, at: now };
      b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) * perMinute) / 60_000);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - b.tokens) * 60) / perMinute)) };
    },
  };
}
