/** User-facing text in both languages the product speaks; zh-CN is the default. */
export interface Text {
  zh: string;
  en: string;
}

export type Locale = 'zh-CN' | 'en';

export function pick(t: Text, locale: Locale = 'zh-CN'): string {
  return locale === 'en' ? t.en : t.zh;
}

const stamp = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
/** "11-24 14:30" in Beijing time, the way the team reads times (a queued card carries ISO strings or ms). */
export const when = (d: Date | number | string): string => stamp.format(new Date(d)).replace(/\//g, '-');
