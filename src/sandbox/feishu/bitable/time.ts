/**
 * Calendar math in an IANA time zone, for day-granular date filters (docs/platform/feishu.md#24-search: "ExactDate is
 * truncated to 00:00 of that day in the Base's timezone"). Uses Intl only; weeks start on Monday, as
 * in the Feishu UI for CN tenants.
 */
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  y: number;
  m: number; // 1-12
  d: number;
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Asia/Shanghai → +8 h). */
function offsetAt(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

function localParts(ms: number, tz: string): LocalParts {
  const local = new Date(ms + offsetAt(ms, tz));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

/** The instant at which local date y-m-d begins in tz (month/day may overflow; Date.UTC normalises). */
function startOfLocalDate(y: number, m: number, d: number, tz: string): number {
  const wall = Date.UTC(y, m - 1, d);
  const guess = wall - offsetAt(wall, tz);
  return wall - offsetAt(guess, tz);
}

export function startOfDay(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return startOfLocalDate(p.y, p.m, p.d, tz);
}

export function addDays(dayStart: number, n: number, tz: string): number {
  const p = localParts(dayStart + DAY / 2, tz);
  return startOfLocalDate(p.y, p.m, p.d + n, tz);
}

/** [start, end) of the week (Monday-based) containing ms. */
export function weekRange(ms: number, tz: string): [number, number] {
  const p = localParts(ms, tz);
  const dow = new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay(); // 0 = Sunday
  const back = (dow + 6) % 7;
  return [startOfLocalDate(p.y, p.m, p.d - back, tz), startOfLocalDate(p.y, p.m, p.d - back + 7, tz)];
}

/** [start, end) of the calendar month containing ms. */
export function monthRange(ms: number, tz: string): [number, number] {
  const p = localParts(ms, tz);
  return [startOfLocalDate(p.y, p.m, 1, tz), startOfLocalDate(p.y, p.m + 1, 1, tz)];
}
