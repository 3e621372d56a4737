import { readWhen } from '../lib/read-when.js';

export const DEFAULT_REPORT_DAYS = 90;

/** [since, until) from what was given: until defaults to now, since to 90 days before until. */
export function readPeriod(o: { since?: string | null; until?: string | null }, now: Date): { since: Date; until: Date } | { error: { zh: string; en: string } } {
  const until = readWhen(o.until, now, now);
  const since = until && readWhen(o.since, until, new Date(until.getTime() - DEFAULT_REPORT_DAYS * 86_400_000));
  if (!since || !until) return { error: { zh: '看不懂 since / until：用 90d、2026-09-01 或 ISO 时间', en: 'Cannot read since / until: use 90d, 2026-09-01 or an ISO time' } };
  if (since >= until) return { error: { zh: 'since 须早于 until', en: 'since must come before until' } };
  return { since, until };
}
