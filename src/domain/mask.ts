/**
 * A phone number as a card shows it: enough to recognise, not enough to call (docs/reliability.md#4-privacy-and-secrets: full
 * phone numbers never leave the table). 13800138000 → 138****8000; +86 138 0013 8000 → +86 138****8000.
 * The country code is read from a short list (the ones a Chinese team meets); any other leading "+"
 * keeps only the last four digits.
 */
const COUNTRY_CODES = ['+86', '+852', '+853', '+886', '+1', '+44', '+65', '+81', '+82'];

export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  let digits = phone.replace(/[^\d+]/g, '').replace(/^00/, '+');
  if (!/^\+?\d+$/.test(digits)) return '****';
  let cc = '';
  if (digits.startsWith('+')) {
    cc = COUNTRY_CODES.filter((c) => digits.startsWith(c)).sort((a, b) => b.length - a.length)[0] ?? '';
    if (!cc) return `+${'*'.repeat(Math.max(digits.length - 5, 1))}${digits.slice(-4)}`;
    digits = digits.slice(cc.length);
  }
  const prefix = cc ? `${cc} ` : '';
  if (digits.length < 7) return `${prefix}${'*'.repeat(digits.length)}`;
  const head = digits.length >= 11 ? 3 : 2;
  return `${prefix}${digits.slice(0, head)}${'*'.repeat(digits.length - head - 4)}${digits.slice(-4)}`;
}
