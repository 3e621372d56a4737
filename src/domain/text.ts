/** User-facing text in both languages the product speaks; zh-CN is the default. */
export interface Text {
  zh: string;
  en: string;
}

export type Locale = 'zh-CN' | 'en';

export function pick(t: Text, locale: Locale = 'zh-CN'): string {
  return locale === 'en' ? t.en : t.zh;
}
