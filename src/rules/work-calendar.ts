import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import type { WorkCalendar } from '../domain/work-calendar.js';
import { TEMPLATES_DIR } from './load-journey.js';

/**
 * The working calendar as data: the official holidays and 调休 workdays from the `chinese-days`
 * package (its JSON, which follows the State Council's yearly notice), and the team's own hours and
 * extra days from bitable-templates/work-calendar.json. `coveredYears` says which years the official
 * data reaches, so the server can warn when the schedule for a year is not published yet (weekends
 * still count then; holidays are missing until the package or the team file adds them).
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));

export const workCalendarFileSchema = z
  .object({
    description: z.string().optional(),
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    periods: z
      .array(z.tuple([z.string().regex(HHMM, 'HH:MM'), z.string().regex(HHMM, 'HH:MM')]))
      .min(1)
      .refine((ps) => ps.every(([a, b], i) => minutes(a) < minutes(b) && (i === 0 || minutes(ps[i - 1]![1]) <= minutes(a))), 'periods must be in order, each ending after it starts, not overlapping'),
    extraHolidays: z.array(z.string().regex(DAY, 'YYYY-MM-DD')),
    extraWorkdays: z.array(z.string().regex(DAY, 'YYYY-MM-DD')),
  })
  .strict();

export interface LoadedWorkCalendar {
  calendar: WorkCalendar;
  /** years the official holiday data covers */
  coveredYears: number[];
}

/** The official schedule shipped with chinese-days: { holidays: {date: "Name,名称,days"}, workdays: {…} }. */
export function officialChineseDays(): { holidays: string[]; workdays: string[] } {
  const file = createRequire(import.meta.url).resolve('chinese-days/dist/chinese-days.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as { holidays?: Record<string, string>; workdays?: Record<string, string> };
  return { holidays: Object.keys(data.holidays ?? {}), workdays: Object.keys(data.workdays ?? {}) };
}

/**
 * The years that matter now (this one, and the next from November, when the State Council usually
 * publishes it) that the official data does not cover.
 */
export function uncoveredYears(covered: readonly number[], now: Date): number[] {
  const y = new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear();
  const month = new Date(now.getTime() + 8 * 3_600_000).getUTCMonth();
  return [y, ...(month >= 10 ? [y + 1] : [])].filter((x) => !covered.includes(x));
}

export function loadWorkCalendar(file = join(TEMPLATES_DIR, 'work-calendar.json'), official = officialChineseDays()): LoadedWorkCalendar {
  const parsed = workCalendarFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Working calendar ${file} is not usable:\n  - ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n  - ')}`);
  const f = parsed.data;
  const workdays = new Set([...official.workdays, ...f.extraWorkdays]);
  const holidays = new Set([...official.holidays, ...f.extraHolidays].filter((d) => !f.extraWorkdays.includes(d)));
  for (const d of f.extraHolidays) workdays.delete(d);
  const coveredYears = [...new Set(official.holidays.map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);
  return { calendar: { holidays, workdays, periods: f.periods.map(([a, b]) => [minutes(a), minutes(b)] as const), utcOffsetMinutes: f.utcOffsetMinutes }, coveredYears };
}
