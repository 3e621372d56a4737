import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Credentials of intake sources (POST /api/leads). A source has an id (10 lowercase letters and
 * digits) and either
 * - an API key `lj_<id>_<43 random base64url characters>`: shown once when made, kept only as its
 *   SHA-256 (the key has 256 random bits, so a plain hash cannot be reversed or guessed), or
 * - a signing secret `whsec_…` (Standard Webhooks) derived from SOURCE_SIGNING_KEY and the source's id
 *   and key version: nothing secret is stored, and a database backup gives no way to post.
 */
const ID_CHARS = 'abcdefghijkmnpqrstuvwxyz23456789';

export function newSourceId(): string {
  return [...randomBytes(10)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

export function newApiKey(sourceId: string): string {
  return `lj_${sourceId}_${randomBytes(32).toString('base64url')}`;
}

const KEY = /^lj_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

/** The source id a key names, or undefined when it is not shaped as a key. */
export function sourceIdOfKey(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time: does `key` hash to `hash`? */
export function keyMatches(key: string, hash: string | null): boolean {
  if (!hash) return false;
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A signing source's Standard Webhooks secret: derived, so the same master key and id give it again. */
export function signingSecret(masterKey: string, sourceId: string): string {
  return `whsec_${createHmac('sha256', masterKey).update(`lead-journey intake source ${sourceId}`).digest('base64')}`;
}
