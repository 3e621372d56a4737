import { FeishuApiError } from '../kernel/errors.js';

/**
 * "The same table does not accept concurrent calls to any write API" (docs/platform/feishu.md#27-write-lock-and-consistency): a write that
 * arrives while another write to the same table is in flight gets 1254291 instead of queueing. Each
 * write holds its table for `latencyMs` of real time so overlap is observable; with 0 the mutation is
 * synchronous and no overlap can happen.
 */
export class TableWriteLocks {
  private readonly busy = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();

  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  /**
   * `wait`: a person's edit in the Feishu UI is not an API call and never gets 1254291; the sandbox's
   * act-as writes queue behind the API write in flight instead (in arrival order).
   */
  async run<T>(key: string, latencyMs: number, fn: () => T, o: { wait?: boolean } = {}): Promise<T> {
    while (this.busy.has(key)) {
      if (!o.wait) throw new FeishuApiError(1254291, 'Write conflict', undefined, 'LockNotObtainedError: another write to this table is in progress');
      await new Promise<void>((resolve) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]));
    }
    this.busy.add(key);
    try {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      return fn();
    } finally {
      this.busy.delete(key);
      const next = this.waiters.get(key);
      const first = next?.shift();
      if (next && !next.length) this.waiters.delete(key);
      first?.();
    }
  }
}

/**
 * "Data not ready, please try again later" (§2.7, HTTP 400): for `windowMs` of emulator time after a
 * write, API calls on the table are refused. Writes may skip it with ignore_consistency_check=true.
 */
export function assertReady(lastWriteAt: number | undefined, now: number, windowMs: number): void {
  if (windowMs > 0 && lastWriteAt !== undefined && now - lastWriteAt < windowMs) {
    throw new FeishuApiError(1254607, 'Data not ready, please try again later');
  }
}
