/**
 * A phone number as a card shows it: enough to recognise, not enough to call (reliability.md: full
 * phone numbers never leave the table). 13800138000 → 138****8000; +86 138 0013 8000 → +86 138****8000.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const digits = phone.replace(/[^\d+]/g, '');
  const m = /^(\+\d{1,3})?(\d+)$/.exec(digits);
  if (!m) return '****';
  const [, cc, rest] = m as unknown as [string, string | undefined, string];
  if (rest.length < 7) return `${cc ? `${cc} ` : ''}${'*'.repeat(rest.length)}`;
  const head = rest.length >= 11 ? 3 : 2;
  return `${cc ? `${cc} ` : ''}${rest.slice(0, head)}${'*'.repeat(rest.length - head - 4)}${rest.slice(-4)}`;
}
