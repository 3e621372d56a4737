/**
 * Keys that say two ways of writing a contact are the same (dedupe, 撞单). Pure.
 *
 * - Phones to E.164: a Chinese mobile written 13912345678, +86 139 1234 5678, 0086-139-1234-5678 or
 *   8613912345678 is +8613912345678; a Chinese landline 021-6123 4567 (area code with its trunk 0) is
 *   +862161234567; a number written with + or 00 and a country code keeps it. An extension (转 / ext / #)
 *   is not part of the number. Anything else (too short, too long, letters) has no key.
 * - E-mail: trimmed, lower case (the local part of real mailboxes is case-insensitive in practice).
 * - Companies: domain/routing.ts#companyKey (without 有限公司 / 集团 / region brackets).
 * See docs/intake.md#dedupe-and-merge.
 */
export function e164(phone: unknown): string | undefined {
  if (typeof phone !== 'string' && typeof phone !== 'number') return undefined;
  let s = String(phone).normalize('NFKC').trim();
  s = s.split(/转|分机|ext\.?|x(?=\d)|#/i)[0]!.trim(); // the extension is not the number
  if (/[^\d\s+\-().]/.test(s)) return undefined;
  let d = s.replace(/\D/g, '');
  let plus = s.startsWith('+');
  if (!plus && d.startsWith('00')) {
    d = d.slice(2); // 00 is how + is dialled from China
    plus = true;
  }
  if (!plus && /^861[3-9]\d{9}$/.test(d)) d = d.slice(2);
  if (!plus) {
    if (/^1[3-9]\d{9}$/.test(d)) return `+86${d}`;
    if (/^0[1-9]\d{8,10}$/.test(d)) return `+86${d.slice(1)}`; // a landline with its area code
    return undefined;
  }
  if (d.startsWith('86')) {
    const national = d.slice(2).replace(/^0/, ''); // +86 (0)21 …: the trunk 0 is not dialled from abroad
    return /^(1[3-9]\d{9}|[1-9]\d{8,10})$/.test(national) ? `+86${national}` : undefined;
  }
  return /^[1-9]\d{7,14}$/.test(d) ? `+${d}` : undefined;
}

export function emailKey(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const s = email.normalize('NFKC').trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? s : undefined;
}

/**
 * A phone as the server writes it (a submitted lead's 电话): a Chinese mobile as its 11 digits, as
 * people read them; any other number in E.164. Digits and a leading + only, which is also what a
 * Bitable phone cell accepts (docs/platform/feishu.md §2.3). Undefined: not a phone number.
 */
export function canonicalPhone(phone: unknown): string | undefined {
  const key = e164(phone);
  return key && /^\+861[3-9]\d{9}$/.test(key) ? key.slice(3) : key;
}
