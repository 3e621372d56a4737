import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addWorkingDays, addWorkingHours, isWorkingDay, workingMsBetween } from '../../src/domain/work-calendar.js';
import { loadWorkCalendar } from '../../src/rules/work-calendar.js';

/**
 * The working calendar on the official 2026 schedule (shipped by chinese-days) and the default hours
 * 09:00–12:00 and 13:30–18:00 Beijing time. Times below are Beijing time (+08:00).
 */
const { calendar: cal, coveredYears } = loadWorkCalendar();
const bj = (s: string) => new Date(`${s}+08:00`);
const iso = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

describe('working days (2026 official schedule)', () => {
  it.each([
    ['2026-12-02', true, 'an ordinary Wednesday'],
    ['2026-12-05', false, 'an ordinary Saturday'],
    ['2026-10-01', false, '国庆节'],
    ['2026-10-07', false, '国庆节 last day'],
    ['2026-10-10', true, '调休 Saturday after 国庆'],
    ['2026-02-14', true, '调休 Saturday before 春节'],
    ['2026-02-17', false, '春节'],
    ['2026-02-28', true, '调休 Saturday after 春节'],
    ['2026-05-04', false, '劳动节 (a Monday)'],
    ['2026-05-09', true, '调休 Saturday after 劳动节'],
    ['2026-01-04', true, '调休 Sunday after 元旦'],
    ['2026-06-19', false, '端午节'],
    ['2026-09-25', false, '中秋节'],
    ['2026-09-20', true, '调休 Sunday before 中秋'],
  ])('%s is %s (%s)', (day, working) => {
    expect(isWorkingDay(cal, day)).toBe(working);
  });

  it('the shipped data covers the current year', () => {
    expect(coveredYears).toContain(2026);
  });
});

describe('adding working time', () => {
  it.each([
    // [from, working hours, due, why]
    ['2026-12-02T10:00', 4, '2026-12-02 15:30', 'across lunch (12:00–13:30 does not count)'],
    ['2026-12-02T08:00', 4, '2026-12-02 14:30', 'before opening: the clock starts at 09:00'],
    ['2026-12-02T12:30', 1, '2026-12-02 14:30', 'during lunch: starts at 13:30'],
    ['2026-12-04T16:00', 4, '2026-12-07 11:00', 'Friday 16:00–18:00, then Monday 09:00–11:00 (the weekend does not count)'],
    ['2026-12-04T20:00', 4, '2026-12-07 14:30', 'Friday evening → Monday 09:00–12:00 and 13:30–14:30'],
    ['2026-09-30T16:00', 4, '2026-10-08 11:00', 'across 国庆 (Oct 1–7 off; the 8th is a Thursday)'],
    ['2026-10-09T16:00', 4, '2026-10-10 11:00', 'Friday → the 调休 Saturday Oct 10'],
    ['2026-02-13T17:00', 2, '2026-02-14 10:00', 'Friday → the 调休 Saturday Feb 14'],
    ['2026-02-14T17:00', 2, '2026-02-24 10:00', '调休 Saturday → after the whole 春节 break (Feb 15–23)'],
    ['2026-12-02T17:59', 0, '2026-12-02 17:59', 'zero adds nothing'],
  ])('%s + %s working h → %s (%s)', (from, hours, due) => {
    expect(iso(addWorkingHours(cal, bj(from), hours))).toBe(due);
  });

  it('working days: 5 working days from a Wednesday morning end the next Wednesday morning', () => {
    expect(iso(addWorkingDays(cal, bj('2026-12-02T10:00'), 5))).toBe('2026-12-09 10:00');
    // from Tue Sep 29 16:00: Sep 30, Oct 8, Oct 9, the 调休 Saturday Oct 10, and Monday Oct 12 → 16:00
    expect(iso(addWorkingDays(cal, bj('2026-09-29T16:00'), 5))).toBe('2026-10-12 16:00');
  });

  it('working time between two instants is the inverse of adding it', () => {
    const starts = ['2026-12-04T16:00', '2026-09-30T11:00', '2026-02-13T09:30', '2026-05-08T17:45', '2026-12-05T03:00'];
    for (const s of starts) {
      for (const h of [0.5, 1, 4, 7.5, 20, 40]) {
        const from = bj(s);
        const due = addWorkingHours(cal, from, h);
        expect(workingMsBetween(cal, from, due)).toBe(h * 3_600_000);
      }
    }
  });

  it('a calendar with no working days is refused instead of looping', () => {
    expect(() => addWorkingHours({ ...cal, periods: [] }, bj('2026-12-02T10:00'), 1)).toThrow(/no working time/);
  });
});

describe('the team file', () => {
  const teamFile = (content: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'lj-cal-')), 'cal.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('bad rows are refused with the path and the problem', () => {
    const file = teamFile({ utcOffsetMinutes: 480, periods: [['13:30', '12:00']], extraHolidays: ['2026/12/31'], extraWorkdays: [] });
    expect(() => loadWorkCalendar(file)).toThrow(/periods[\s\S]*extraHolidays\.0: YYYY-MM-DD/);
  });

  it('extra days: a company day off and an extra working day override the official schedule', () => {
    const file = teamFile({ utcOffsetMinutes: 480, periods: [['09:00', '18:00']], extraHolidays: ['2026-12-31'], extraWorkdays: ['2026-10-03'] });
    const c = loadWorkCalendar(file).calendar;
    expect(isWorkingDay(c, '2026-12-31')).toBe(false);
    expect(isWorkingDay(c, '2026-10-03')).toBe(true);
    // 2027's schedule is not in the shipped data yet, so 元旦 (a Friday) still counts as a working day:
    // the server warns about the uncovered year, and a team can add the days here meanwhile
    expect(iso(addWorkingHours(c, bj('2026-12-30T17:00'), 2))).toBe('2027-01-01 10:00');
  });
});
