import { describe, expect, it } from 'vitest';
import { createRateGate } from '../../src/bitable/rate-gate.js';

/** The app-wide write budget, on a fake clock: never more than perSecond in any second or perMinute in any minute. */
describe('write rate gate', () => {
  function fakeTime() {
    let t = 1_000_000;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    };
  }

  it('spaces 120 calls at 50/s and 100/min: no window ever holds more', async () => {
    const time = fakeTime();
    const gate = createRateGate({ perSecond: 50, perMinute: 100, ...time });
    const at: number[] = [];
    for (let i = 0; i < 120; i++) {
      await gate.acquire();
      at.push(time.now());
    }
    for (const [i, t] of at.entries()) {
      expect(at.filter((x) => x > t - 1000 && x <= t).length, `second ending at call ${i}`).toBeLessThanOrEqual(50);
      expect(at.filter((x) => x > t - 60_000 && x <= t).length, `minute ending at call ${i}`).toBeLessThanOrEqual(100);
    }
    expect(at[100]! - at[0]!).toBeGreaterThanOrEqual(60_000); // the 101st waited for the minute to roll
    expect(at[49]! - at[0]!).toBe(0);
    expect(at[50]! - at[0]!).toBe(1000);
  });

  it('a pause (a 429 reset) holds every caller until it ends', async () => {
    const time = fakeTime();
    const gate = createRateGate({ perSecond: 50, perMinute: 1000, ...time });
    await gate.acquire();
    const start = time.now();
    gate.pauseUntil(start + 3000);
    await Promise.all([gate.acquire(), gate.acquire()]);
    expect(time.now()).toBe(start + 3000);
  });
});
