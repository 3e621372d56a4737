import { describe, expect, it } from 'vitest';
import { dayOf, when, whenWithDay, whenWithYear } from '../../src/domain/text.js';

/**
 * One way to write a time wherever people read it (cards, 旅程备注, the report, the banner, the sandbox
 * page): Beijing time whatever the machine's zone, month-day and a 24-hour clock, the year where a
 * document outlives the week. 16:00 UTC is already the next day in Beijing.
 */
describe('times as people read them', () => {
  const late = new Date('2026-12-06T16:00:00Z'); // Monday 2026-12-07 00:00 in Beijing
  it('reads Beijing time, in every form', () => {
    expect(when(late)).toBe('12-07 00:00');
    expect(whenWithYear(late)).toBe('2026-12-07 00:00');
    expect(dayOf(late)).toBe('2026-12-07');
    expect(whenWithDay(late)).toBe('2026-12-07 周一 00:00');
    expect(whenWithDay(late, 'en')).toBe('2026-12-07 Mon 00:00');
    expect(when('2026-12-07T01:31:05Z')).toBe('12-07 09:31');
    expect(dayOf(Date.parse('2026-12-06T15:59:59Z'))).toBe('2026-12-06');
  });
});
