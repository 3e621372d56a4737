import type { Store } from './store.js';

/**
 * Small writes that arrive together commit together: each caller's work is queued and, once the
 * current burst of requests has been read (setImmediate), all of it runs in one transaction — one
 * fsync instead of one per request — and every caller's promise settles after that commit, so "stored
 * before the answer" still holds for each. A work item that throws rolls back only itself: the batch is
 * retried one by one so the others still commit. With one request at a time this is a plain transaction.
 */
export function createGroupCommit(store: Pick<Store, 'transaction'>, o: { maxBatch?: number } = {}) {
  const max = o.maxBatch ?? 256;
  type Job = { fn: () => unknown | Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  const queue: Job[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue.splice(0, max);
    if (queue.length) schedule();
    let results: unknown[];
    try {
      results = await store.transaction(async () => {
        const out: unknown[] = [];
        for (const j of batch) out.push(await j.fn());
        return out;
      });
    } catch {
      for (const j of batch) {
        try {
          j.resolve(await store.transaction(j.fn));
        } catch (e) {
          j.reject(e);
        }
      }
      return;
    }
    batch.forEach((j, i) => {
      j.resolve(results[i]);
    });
  }
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  }

  return function commit<T>(fn: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
