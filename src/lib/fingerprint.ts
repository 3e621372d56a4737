import { createHash } from 'node:crypto';
import { stableJson } from './stable-json.js';

/**
 * A value's fingerprint as a whole number below 2^48 (fits a numeric cursor): equal values give equal
 * numbers, so a job can keep "what it last planned for" in the store and tell a change across restarts.
 */
export function fingerprint(value: unknown): number {
  return Number.parseInt(createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 12), 16);
}
