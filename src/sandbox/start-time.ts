import { addWorkingTime, isWorkingTime, workingMsBetween, type WorkCalendar } from '../domain/work-calendar.js';

const HOUR = 3_600_000;

/**
 * Where the sandbox clock starts when SANDBOX_START_AT is empty: now, if the next hour is working time;
 * otherwise the first moment from which a whole working hour follows (Monday 09:00 on a Saturday
 * morning, 13:30 at 11:30). Routing rules that assign only in working hours, and SLAs counted in working
 * hours, then show what they do at once, whatever hour a newcomer runs `npm start`. `undefined`: now.
 */
export function sandboxStartAt(cal: WorkCalendar, now: Date): Date | undefined {
  let at = now;
  for (let i = 0; i < 400; i++) {
    if (isWorkingTime(cal, at) && workingMsBetween(cal, at, new Date(at.getTime() + HOUR)) >= HOUR) return at === now ? undefined : at;
    at = addWorkingTime(cal, isWorkingTime(cal, at) ? new Date(at.getTime() + HOUR) : at, 0);
  }
  return undefined;
}
