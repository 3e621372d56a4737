/** User-facing text in both languages the product speaks; zh-CN is the default. */
export interface Text {
  zh: string;
  en: string;
}

export type Locale = 'zh-CN' | 'en';

export function pick(t: Text, locale: Locale = 'zh-CN'): string {
  return locale === 'en' ? t.en : t.zh;
}

/*
 * Times read one way wherever people see them (cards, 旅程备注, the report, the sandbox page): Beijing
 * time, month-day and 24-hour clock; a document that outlives the week (the report) adds the year.
 */
const stamp = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const dated = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const dayOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
/** "11-24 14:30" in Beijing time, the way the team reads times (a queued card carries ISO strings or ms). */
export const when = (d: Date | number | string): string => stamp.format(new Date(d)).replace(/\//g, '-');
/** "2026-11-24 14:30" in Beijing time. */
export const whenWithYear = (d: Date | number | string): string => dated.format(new Date(d)).replace(/\//g, '-');
const weekday = { 'zh-CN': new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', weekday: 'short' }), en: new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', weekday: 'short' }) };
/** "2026-11-24 周二 14:30" / "2026-11-24 Tue 14:30" in Beijing time (as the sandbox clock reads, with the year). */
export const whenWithDay = (d: Date | number | string, locale: Locale = 'zh-CN'): string => {
  const [day, time] = whenWithYear(d).split(' ');
  return `${day} ${weekday[locale].format(new Date(d))} ${time}`;
};
/** "2026-11-24", the day in Beijing time. */
export const dayOf = (d: Date | number | string): string => dayOnly.format(new Date(d)).replace(/\//g, '-');
