/**
 * A report's period as people write it: `30d` or `12h` before `now`, a date (midnight in Asia/Shanghai),
 * or an ISO time. Undefined when it cannot be read; `fallback` when not given.
 */
export function readWhen(v: string | undefined | null, now: Date, fallback: Date): Date | undefined {
  if (v === undefined || v === null || v.trim() === '') return fallback;
  const s = v.trim();
  const rel = /^(\d{1,5})\s*([hd])$/i.exec(s);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (rel[2]!.toLowerCase() === 'd' ? 86_400_000 : 3_600_000));
  const t = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00+08:00` : s);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

export const DEFAULT_REPORT_DAYS = 90;

/** [since, until) from what was given: until defaults to now, since to 90 days before until. */
export function readPeriod(o: { since?: string | null; until?: string | null }, now: Date): { since: Date; until: Date } | { error: { zh: string; en: string } } {
  const until = readWhen(o.until, now, now);
  const since = until && readWhen(o.since, until, new Date(until.getTime() - DEFAULT_REPORT_DAYS * 86_400_000));
  if (!since || !until) return { error: { zh: '看不懂 since / until：用 90d、2026-09-01 或 ISO 时间', en: 'Cannot read since / until: use 90d, 2026-09-01 or an ISO time' } };
  if (since >= until) return { error: { zh: 'since 须早于 until', en: 'since must come before until' } };
  return { since, until };
}
