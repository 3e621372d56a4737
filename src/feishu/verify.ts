import * as lark from '@larksuiteoapi/node-sdk';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';

/**
 * Verification of everything Feishu POSTs to us (events and card callbacks), closing the gaps of the
 * SDK's own dispatcher (docs/reliability.md#11-verifying-feishu-requests): the signature is checked over the raw bytes, compared in
 * constant time, inside a two-sided replay window on the injected clock, and nothing is accepted without
 * an Encrypt Key and a Verification Token (fail closed). The only unsigned request accepted is the
 * url_verification challenge, which must decrypt with our key and carry our token (docs/platform/feishu.md §3.2–3.4).
 */
export interface VerifierConfig {
  encryptKey: Secret | undefined;
  verificationToken: Secret | undefined;
  clock: Clock;
  /** replay window, seconds either side of now (docs/reliability.md#11-verifying-feishu-requests: ±300 s) */
  windowSeconds?: number;
}

export interface FeishuEnvelope {
  schema?: string;
  type?: string;
  token?: string;
  challenge?: string;
  uuid?: string;
  header?: { event_id?: string; event_type?: string; token?: string; create_time?: string; app_id?: string; tenant_key?: string };
  event?: Record<string, unknown>;
}

export type RejectReason = 'not_configured' | 'malformed_body' | 'not_encrypted' | 'undecryptable' | 'missing_signature_headers' | 'bad_timestamp' | 'stale' | 'bad_signature' | 'bad_token';

export type Verified = { ok: true; kind: 'challenge'; challenge: string } | { ok: true; kind: 'event'; envelope: FeishuEnvelope; eventId: string; eventType: string } | { ok: false; status: 400 | 401 | 503; reason: RejectReason };

const HEX64 = /^[0-9a-fA-F]{64}$/;
const SECONDS = /^\d{1,12}$/;

/** hex(SHA-256(timestamp + nonce + encryptKey + rawBody)): plain SHA-256, not HMAC (§3.4). */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, raw: Uint8Array | string): string {
  return createHash('sha256').update(`${timestamp}${nonce}${encryptKey}`, 'utf8').update(raw).digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function createFeishuVerifier(cfg: VerifierConfig) {
  const window = cfg.windowSeconds ?? 300;
  const reject = (status: 400 | 401 | 503, reason: RejectReason): Verified => ({ ok: false, status, reason });

  /** `raw` is the body exactly as received; `header(name)` reads a request header (case-insensitive). */
  return function verify(raw: Uint8Array, header: (name: string) => string | undefined): Verified {
    const encryptKey = cfg.encryptKey?.reveal();
    const token = cfg.verificationToken?.reveal();
    if (!encryptKey || !token) return reject(503, 'not_configured');

    let outer: unknown;
    try {
      outer = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      return reject(400, 'malformed_body');
    }
    if (typeof outer !== 'object' || outer === null || Array.isArray(outer)) return reject(400, 'malformed_body');
    const encrypted = (outer as { encrypt?: unknown }).encrypt;
    // With an Encrypt Key, Feishu always sends {"encrypt": …}; a plaintext body is not from Feishu.
    if (typeof encrypted !== 'string') return reject(401, 'not_encrypted');

    const decrypt = (): FeishuEnvelope | undefined => {
      try {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted) || encrypted.length % 4 !== 0) return undefined;
        const e = JSON.parse(new lark.AESCipher(encryptKey).decrypt(encrypted)) as unknown;
        return typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as FeishuEnvelope) : undefined;
      } catch {
        return undefined;
      }
    };
    const tokenOk = (e: FeishuEnvelope) => {
      const t = e.header?.token ?? e.token;
      return typeof t === 'string' && sameSecret(t, token);
    };

    const timestamp = header('x-lark-request-timestamp');
    const nonce = header('x-lark-request-nonce');
    const signature = header('x-lark-signature');
    if (!timestamp || !nonce || !signature) {
      // Only the url_verification challenge comes unsigned (§3.2); decrypting with our key and carrying
      // our token is its proof. Anything else without the three headers is refused.
      const e = decrypt();
      if (e?.type === 'url_verification' && typeof e.challenge === 'string') return tokenOk(e) ? { ok: true, kind: 'challenge', challenge: e.challenge } : reject(401, 'bad_token');
      return reject(401, 'missing_signature_headers');
    }
    // The signature is checked over the raw bytes before anything in the body is trusted.
    if (!SECONDS.test(timestamp)) return reject(401, 'bad_timestamp');
    const skew = Math.abs(Math.floor(cfg.clock.now().getTime() / 1000) - Number(timestamp));
    if (skew > window) return reject(401, 'stale');
    // Lower and upper case hex are the same digest; anything that is not 64 hex digits is refused.
    if (!HEX64.test(signature)) return reject(401, 'bad_signature');
    const expected = Buffer.from(feishuSignature(timestamp, nonce, encryptKey, raw), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return reject(401, 'bad_signature');

    const envelope = decrypt();
    if (!envelope) return reject(400, 'undecryptable');
    if (!tokenOk(envelope)) return reject(401, 'bad_token');
    if (envelope.type === 'url_verification' && typeof envelope.challenge === 'string') return { ok: true, kind: 'challenge', challenge: envelope.challenge };
    const eventId = envelope.header?.event_id ?? envelope.uuid;
    const eventType = envelope.header?.event_type ?? (envelope.event as { type?: string } | undefined)?.type;
    if (typeof eventId !== 'string' || !eventId || typeof eventType !== 'string') return reject(400, 'malformed_body');
    return { ok: true, kind: 'event', envelope, eventId, eventType };
  };
}

export type FeishuVerifier = ReturnType<typeof createFeishuVerifier>;
