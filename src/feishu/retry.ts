import { type FeishuCallError, fromThrown } from './errors.js';

/**
 * Exponential backoff with full jitter (docs/reliability.md#22-retries-backoff-and-error-classes): rand(0, min(cap, base·2^attempt)).
 * A rate-limit reply's reset wins over the computed delay, capped at `capMs`.
 */
export function backoffDelay(attempt: number, o: { baseMs: number; capMs: number; random?: () => number }, err?: Pick<FeishuCallError, 'action' | 'retryAfterMs'>): number {
  if (err?.action === 'rate_limited' && err.retryAfterMs !== undefined) return Math.min(o.capMs, Math.max(err.retryAfterMs, 0));
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor((o.random ?? Math.random)() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run `fn` again while it fails with a retryable FeishuCallError, up to `attempts` times in all. */
export async function withRetry<T>(fn: () => Promise<T>, o: { attempts?: number; baseMs?: number; capMs?: number; onRetry?: (e: FeishuCallError, delayMs: number) => void } = {}): Promise<T> {
  const attempts = o.attempts ?? 6;
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const err = fromThrown(e);
      if (err.action === 'permanent' || i + 1 >= attempts) throw err;
      const delay = backoffDelay(i, { baseMs: o.baseMs ?? 250, capMs: o.capMs ?? 10_000 }, err);
      o.onRetry?.(err, delay);
      await sleep(delay);
    }
  }
}
