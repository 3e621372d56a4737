/**
 * HTML escaping for everything the sandbox UI renders from untrusted data (cell values, card text,
 * names). Every string that reaches markup goes through `esc`; attribute values are always quoted.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch);
}

/** ` name="value"` with the value escaped, or '' when the value is absent. */
export function attr(name: string, value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (value === true) return ` ${name}`;
  return ` ${name}="${esc(value)}"`;
}

/** Only http(s) and mailto links are rendered as links; anything else (javascript:, data:) is dropped. */
export function safeUrl(u: unknown): string | undefined {
  if (typeof u !== 'string') return undefined;
  const s = u.trim();
  return /^(https?:\/\/|mailto:)/i.test(s) ? s : undefined;
}
