/**
 * The Chinese working calendar SLAs run on (docs/domain.md#slas-and-escalation: "accept within 4 working hours; first feedback
 * within 5 working days"). Pure: the days are data (public holidays, and the make-up workdays 调休 that
 * turn a weekend day into a working day), the working hours are data, and every function takes the
 * times it works on. China keeps one offset all year (UTC+8, no daylight saving), so local dates are a
 * fixed shift of UTC.
 */
export interface WorkCalendar {
  /** 'YYYY-MM-DD' days off that would otherwise be working days (法定节假日) */
  holidays: ReadonlySet<string>;
  /** 'YYYY-MM-DD' weekend days that are working days (调休上班) */
  workdays: ReadonlySet<string>;
  /** working periods of a working day, minutes after local midnight, in order (e.g. 09:00–12:00, 13:30–18:00) */
  periods: ReadonlyArray<readonly [number, number]>;
  /** minutes east of UTC (480 for China) */
  utcOffsetMinutes: number;
}

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The local calendar day of an instant, as 'YYYY-MM-DD', with the ms of local midnight. */
function localDay(cal: WorkCalendar, t: number): { key: string; midnight: number } {
  const shifted = t + cal.utcOffsetMinutes * MIN;
  const midnightShifted = Math.floor(shifted / DAY) * DAY;
  return { key: new Date(midnightShifted).toISOString().slice(0, 10), midnight: midnightShifted - cal.utcOffsetMinutes * MIN };
}

/** Local midnight of the day that contains `at` (daily counts: 今天已领取 …). */
export function localMidnight(cal: WorkCalendar, at: Date): Date {
  return new Date(localDay(cal, at.getTime()).midnight);
}

/** Is this local day ('YYYY-MM-DD') a working day? 调休 beats the weekend; a holiday beats a weekday. */
export function isWorkingDay(cal: WorkCalendar, day: string): boolean {
  if (cal.workdays.has(day)) return true;
  if (cal.holidays.has(day)) return false;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The working periods of the local day that contains `t`, as absolute [start, end) ms (none on a day off). */
function periodsOf(cal: WorkCalendar, t: number): Array<[number, number]> {
  const d = localDay(cal, t);
  if (!isWorkingDay(cal, d.key)) return [];
  return cal.periods.map(([a, b]) => [d.midnight + a * MIN, d.midnight + b * MIN]);
}

/** How many working ms lie between two instants (0 when `to` is not after `from`). */
export function workingMsBetween(cal: WorkCalendar, from: Date, to: Date): number {
  let total = 0;
  for (let day = localDay(cal, from.getTime()).midnight; day < to.getTime(); day += DAY) {
    for (const [a, b] of periodsOf(cal, day + 12 * 60 * MIN)) total += Math.max(0, Math.min(b, to.getTime()) - Math.max(a, from.getTime()));
  }
  return total;
}

/**
 * The instant `ms` of working time after `from`: time outside the working periods does not count, so
 * 4 working hours from Friday 16:00 end on Monday 11:00 (or later across a holiday), and a 调休
 * Saturday counts like a weekday. Looks at most `maxDays` ahead (a calendar with no working days at all
 * is a configuration error, not an endless loop).
 */
export function addWorkingTime(cal: WorkCalendar, from: Date, ms: number, maxDays = 3660): Date {
  let left = ms;
  let t = from.getTime();
  const start = localDay(cal, t).midnight;
  for (let day = start; day < start + maxDays * DAY; day += DAY) {
    for (const [a, b] of periodsOf(cal, day + 12 * 60 * MIN)) {
      if (b <= t) continue;
      const begin = Math.max(a, t);
      if (begin + left <= b) return new Date(begin + left);
      left -= b - begin;
      t = b;
    }
  }
  throw new Error(`no working time within ${maxDays} days of ${from.toISOString()}: check the working calendar`);
}

export const addWorkingHours = (cal: WorkCalendar, from: Date, hours: number): Date => addWorkingTime(cal, from, hours * 60 * MIN);

/** Working days as a team counts them: n full working days of working time (a day = the sum of its periods). */
export function addWorkingDays(cal: WorkCalendar, from: Date, days: number): Date {
  const perDay = cal.periods.reduce((s, [a, b]) => s + (b - a), 0) * MIN;
  return addWorkingTime(cal, from, days * perDay);
}

/**
 * The first working moment on or after the day `at` falls on (team time): a reminder due "in 300 days"
 * comes at the start of that day's work, or of the next working day when that day is a weekend or a
 * holiday.
 */
export function workingStartOn(cal: WorkCalendar, at: Date): Date {
  return addWorkingTime(cal, new Date(localDay(cal, at.getTime()).midnight), 0);
}

/**
 * Within a working period at `at`, its ends included: a deadline counted in working hours (18:00 at the
 * end of the day) falls in working time.
 */
export const isWorkingTime = (cal: WorkCalendar, at: Date): boolean => periodsOf(cal, at.getTime()).some(([a, b]) => a <= at.getTime() && at.getTime() <= b);
