import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../lib/secret.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`, compared in constant time (both sides
 * hashed, so their lengths do not leak). Undefined when no token is configured: the caller decides what
 * an unconfigured route answers.
 */
export function bearerMatcher(token: Secret | undefined): ((authorization: string | undefined) => boolean) | undefined {
  if (!token) return undefined;
  const expected = digest(token.reveal());
  return (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };
}
