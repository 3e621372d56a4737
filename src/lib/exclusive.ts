/**
 * One holder at a time, first come first served. `run(fn)` waits its turn, runs fn and lets the next
 * waiter in (handed over directly, so `held` stays true while anyone waits). `held` tells a caller
 * whether it may run synchronous work right now without waiting: nobody holds it and nobody waits.
 */
export function createExclusive() {
  const waiting: Array<() => void> = [];
  let held = false;

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else held = false;
  }

  return {
    get held(): boolean {
      return held;
    },
    async run<T>(fn: () => T | Promise<T>): Promise<T> {
      if (held) await new Promise<void>((r) => waiting.push(r));
      else held = true;
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

export type Exclusive = ReturnType<typeof createExclusive>;
