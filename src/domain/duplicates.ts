/**
 * 撞单 (the same customer entered twice): two leads are the same customer when their companies have the
 * same key (routing.ts#companyKey: without 有限公司 / 集团 / region brackets) or their phones the same
 * number. A phone's key is its digits as one would dial them inside China: +86 / 0086 / 86 dropped from
 * a mobile number, separators gone; too short to be a number: no key.
 */
export function phoneKey(phone: unknown): string | undefined {
  if (typeof phone !== 'string' && typeof phone !== 'number') return undefined;
  let d = String(phone).replace(/\D/g, '');
  if (/^(0086|86)1[3-9]\d{9}$/.test(d)) d = d.replace(/^(0086|86)/, '');
  return d.length >= 7 ? d : undefined;
}

export type Match = 'company' | 'phone';
