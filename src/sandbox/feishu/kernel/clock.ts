/**
 * The emulator's own clock. Virtual time = real time + an offset that `advance()` moves, or, when
 * frozen, a fixed point that only `advance()` moves. Timers scheduled on it fire either when real time
 * reaches them (scaled by `timeScale`, so a documented 6 h retry can take 21.6 ms in a test) or when
 * `advance()` jumps past them, whichever comes first. Each timer fires exactly once.
 */
export interface EmuClockOptions {
  /** Multiplies every scheduled delay. 1 = real platform timings; 0.001 = a 15 s retry after 15 ms. */
  timeScale?: number;
  /** Start frozen at this ms timestamp: time moves only through advance(). Good for rate-limit tests. */
  frozenAt?: number;
  /** Start at this ms timestamp and run in real time from there (try the calendar on a chosen day). */
  startAt?: number;
}

export interface EmuTimer {
  cancel(): void;
}

export interface EmuClock {
  now(): number;
  readonly timeScale: number;
  /** Run fn after delayMs of *platform* time (scaled by timeScale). */
  schedule(delayMs: number, fn: () => void): EmuTimer;
  /** Move virtual time forward, firing every timer that falls due, in due order. */
  advance(ms: number): void;
  setTimeScale(scale: number): void;
  pendingTimers(): number;
  dispose(): void;
}

interface Pending {
  id: number;
  due: number;
  fn: () => void;
  handle: ReturnType<typeof setTimeout> | undefined;
}

export function createEmuClock(opts: EmuClockOptions = {}): EmuClock {
  let timeScale = opts.timeScale ?? 1;
  let offset = opts.frozenAt === undefined && opts.startAt !== undefined ? opts.startAt - Date.now() : 0;
  const frozen = opts.frozenAt !== undefined;
  const frozenBase = opts.frozenAt ?? 0;
  const pending = new Map<number, Pending>();
  let seq = 0;

  const now = () => (frozen ? frozenBase + offset : Date.now() + offset);

  const fire = (p: Pending) => {
    if (!pending.delete(p.id)) return;
    if (p.handle) clearTimeout(p.handle);
    p.fn();
  };

  return {
    now,
    get timeScale() {
      return timeScale;
    },
    schedule(delayMs, fn) {
      const scaled = Math.max(0, delayMs * timeScale);
      const p: Pending = { id: ++seq, due: now() + scaled, fn, handle: undefined };
      pending.set(p.id, p);
      if (!frozen) {
        p.handle = setTimeout(() => fire(p), scaled);
        p.handle.unref?.();
      }
      return {
        cancel: () => {
          if (p.handle) clearTimeout(p.handle);
          pending.delete(p.id);
        },
      };
    },
    advance(ms) {
      if (ms < 0) throw new Error('EmuClock.advance: ms must be >= 0');
      const target = now() + ms;
      // Fire due timers in order; a fired timer may schedule new ones, which are honoured too.
      for (;;) {
        const next = [...pending.values()].filter((p) => p.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
        if (!next) break;
        offset += Math.max(0, next.due - now());
        fire(next);
      }
      offset += Math.max(0, target - now());
    },
    setTimeScale(scale) {
      if (!(scale > 0)) throw new Error('EmuClock.setTimeScale: scale must be > 0');
      timeScale = scale;
    },
    pendingTimers: () => pending.size,
    dispose() {
      for (const p of pending.values()) if (p.handle) clearTimeout(p.handle);
      pending.clear();
    },
  };
}
