/**
 * What no log line may hold (docs/reliability.md#log-hygiene): a secret or token, a full mainland mobile
 * number, an e-mail address. Masked forms (138****5678, z***@example.com) are what the product logs
 * instead. `secrets` are literal values tests registered (test/support/log-capture.ts).
 */
export interface Finding {
  what: string;
  line: string;
}

const SHAPES: Array<[string, RegExp]> = [
  ['a Feishu tenant access token', /\bt-[0-9a-f]{40}\b/],
  ['a Feishu user access token', /\bu-[0-9A-Za-z_-]{30,}\b/],
  ['an intake API key', /\blj_[a-z0-9]{10}_[A-Za-z0-9_-]{43}/],
  ['a Standard Webhooks secret', /whsec_[A-Za-z0-9+/]{24,}/],
  ['a Bearer credential', /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{16,}/i],
  // 11 digits starting 1[3-9], not part of a longer number or word (record ids, timestamps, hashes)
  ['a full mobile number', /(?<![0-9A-Za-z_])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z_])/],
  ['an e-mail address', /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-]@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/],
];

export function scanLogLines(lines: Iterable<string>, secrets: readonly string[]): Finding[] {
  const found: Finding[] = [];
  const known = [...new Set(secrets.filter((s) => s.length >= 8))];
  for (const line of lines) {
    for (const [what, re] of SHAPES) if (re.test(line)) found.push({ what, line });
    for (const s of known) if (line.includes(s)) found.push({ what: 'a secret a test registered', line });
  }
  return found;
}
