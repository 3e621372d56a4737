/** The clock is a port: production uses the system clock, tests move a manual one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  set(to: Date | string | number): void;
  advance(ms: number): void;
}

export function createManualClock(start: Date | string | number): ManualClock {
  let t = new Date(start).getTime();
  if (Number.isNaN(t)) throw new Error(`createManualClock: invalid start ${String(start)}`);
  return {
    now: () => new Date(t),
    set: (to) => {
      const next = new Date(to).getTime();
      if (Number.isNaN(next)) throw new Error(`ManualClock.set: invalid time ${String(to)}`);
      t = next;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
