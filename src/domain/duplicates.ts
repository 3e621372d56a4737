import { e164 } from './contact-keys.js';

/**
 * 撞单 (the same customer entered twice): two leads are the same customer when their companies have the
 * same key (routing.ts#companyKey: without 有限公司 / 集团 / region brackets) or their phones the same
 * number. A phone's key is its E.164 form (contact-keys.ts: +8613912345678 however it was written); a
 * number that has none (a local number without its area code) is keyed by its digits; too short to be
 * a number: no key.
 */
export function phoneKey(phone: unknown): string | undefined {
  const key = e164(phone);
  if (key) return key;
  if (typeof phone !== 'string' && typeof phone !== 'number') return undefined;
  const d = String(phone).replace(/\D/g, '');
  return d.length >= 7 && d.length <= 15 ? d : undefined;
}

export type Match = 'company' | 'phone';
