import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWorkingTime, workingMsBetween } from '../../src/domain/work-calendar.js';
import { loadWorkCalendar } from '../../src/rules/work-calendar.js';
import { sandboxStartAt } from '../../src/sandbox/start-time.js';

const cal = loadWorkCalendar().calendar;
const HOUR = 3_600_000;
const at = (s: string) => new Date(`${s}+08:00`);
const aWholeWorkingHourFrom = (t: Date) => isWorkingTime(cal, t) && workingMsBetween(cal, t, new Date(t.getTime() + HOUR)) >= HOUR;

describe('sandboxStartAt: the sandbox clock starts in working hours when SANDBOX_START_AT is empty', () => {
  it('keeps now when a working hour follows; otherwise the first moment one does', () => {
    expect(sandboxStartAt(cal, at('2026-12-07T10:00:00'))).toBeUndefined(); // Monday morning
    expect(sandboxStartAt(cal, at('2026-12-05T07:43:00'))).toEqual(at('2026-12-07T09:00:00')); // Saturday → Monday 09:00
    expect(sandboxStartAt(cal, at('2026-12-07T11:30:00'))).toEqual(at('2026-12-07T13:30:00')); // lunch comes within the hour
    expect(sandboxStartAt(cal, at('2026-12-04T17:30:00'))).toEqual(at('2026-12-07T09:00:00')); // Friday evening
    expect(sandboxStartAt(cal, at('2026-12-07T03:00:00'))).toEqual(at('2026-12-07T09:00:00')); // night
    // 国庆 2026: from the evening of 30 September to the first working day after the holiday
    const after = sandboxStartAt(cal, at('2026-09-30T18:30:00'))!;
    expect(after.getTime()).toBeGreaterThan(at('2026-10-07T23:59:00').getTime() - 24 * HOUR);
    expect(aWholeWorkingHourFrom(after)).toBe(true);
  });

  it('for any start: a whole working hour follows it, and no earlier 15-minute mark has one', () => {
    const from = at('2026-01-01T00:00:00').getTime();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 364 * 24 * 60 }), (minute) => {
        const now = new Date(from + minute * 60_000);
        const start = sandboxStartAt(cal, now) ?? now;
        expect(aWholeWorkingHourFrom(start)).toBe(true);
        for (let t = Math.ceil(now.getTime() / 900_000) * 900_000; t < start.getTime(); t += 900_000) expect(aWholeWorkingHourFrom(new Date(t))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
