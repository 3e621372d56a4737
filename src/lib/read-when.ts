/**
 * A time as people write it on a command line or in a query: `30d` or `12h` before `now`, a date (midnight in Asia/Shanghai),
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
