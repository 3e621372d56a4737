import { createHash } from 'node:crypto';
import { aesEncrypt } from '../../src/sandbox/feishu/events/crypto.js';

/**
 * Requests as Feishu sends them to our routes (docs/platform/feishu.md §3.3–3.4): the envelope AES-encrypted
 * with the Encrypt Key, signed hex(SHA-256(timestamp + nonce + key + body)) — computed here
 * independently of the product's verifier — and the forged, tampered, stale and malformed variants
 * that every route taking Feishu's POSTs must refuse (docs/reliability.md#12-the-forged-request-matrix).
 */
export interface SignedReq {
  body: string;
  headers: Record<string, string>;
}

export const sign = (ts: string, nonce: string, body: string, key: string) =>
  createHash('sha256')
    .update(ts + nonce + key + body)
    .digest('hex');

export function signedRequest(payload: unknown, o: { key: string; ts: number; nonce?: string }): SignedReq {
  const body = JSON.stringify({ encrypt: aesEncrypt(JSON.stringify(payload), o.key) });
  const ts = String(Math.floor(o.ts / 1000));
  const nonce = o.nonce ?? 'n0nce';
  return { body, headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': sign(ts, nonce, body, o.key) } };
}

const without = (r: SignedReq, h: string): SignedReq => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== h)) });
const withHeader = (r: SignedReq, h: string, v: string): SignedReq => ({ ...r, headers: { ...r.headers, [h]: v } });

/**
 * Every request here must be refused with [status, reason] and change nothing. `envelope(token?)` builds
 * a valid payload for the route (with our token unless another is given).
 */
export function refusalCases(o: { key: string; token: string; now: number; envelope: (token?: string) => unknown }): Array<[string, () => SignedReq, number, string]> {
  const { key, token, now } = o;
  const good = () => signedRequest(o.envelope(), { key, ts: now });
  const signedPlain = (body: string): SignedReq => {
    const ts = String(now / 1000);
    return { body, headers: { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': sign(ts, 'n', body, key) } };
  };
  return [
    ['1 X-Lark-Signature missing', () => without(good(), 'x-lark-signature'), 401, 'missing_signature_headers'],
    ['2 X-Lark-Request-Timestamp missing', () => without(good(), 'x-lark-request-timestamp'), 401, 'missing_signature_headers'],
    ['3 X-Lark-Request-Nonce missing', () => without(good(), 'x-lark-request-nonce'), 401, 'missing_signature_headers'],
    ['4 signature not 64 hex characters', () => withHeader(good(), 'x-lark-signature', 'z'.repeat(64)), 401, 'bad_signature'],
    [
      '5 signature truncated',
      () => {
        const r = good();
        return withHeader(r, 'x-lark-signature', r.headers['x-lark-signature']!.slice(0, 40));
      },
      401,
      'bad_signature',
    ],
    [
      '7 a valid signature made with another Encrypt Key',
      () => {
        const r = good();
        return withHeader(r, 'x-lark-signature', sign(r.headers['x-lark-request-timestamp']!, r.headers['x-lark-request-nonce']!, r.body, 'another-key'));
      },
      401,
      'bad_signature',
    ],
    [
      '8 one body byte flipped',
      () => {
        const r = good();
        const i = r.body.length - 10;
        return { ...r, body: r.body.slice(0, i) + (r.body[i] === 'A' ? 'B' : 'A') + r.body.slice(i + 1) };
      },
      401,
      'bad_signature',
    ],
    [
      '9 body re-serialised with whitespace',
      () => {
        const r = good();
        return { ...r, body: JSON.stringify(JSON.parse(r.body), null, 1) };
      },
      401,
      'bad_signature',
    ],
    ['10 nonce altered', () => withHeader(good(), 'x-lark-request-nonce', 'other'), 401, 'bad_signature'],
    [
      '11 timestamp altered, signature kept',
      () => {
        const r = good();
        return withHeader(r, 'x-lark-request-timestamp', String(Number(r.headers['x-lark-request-timestamp']) + 1));
      },
      401,
      'bad_signature',
    ],
    ['12 timestamp 301 s old', () => signedRequest(o.envelope(), { key, ts: now - 301_000 }), 401, 'stale'],
    ['13 timestamp 301 s in the future', () => signedRequest(o.envelope(), { key, ts: now + 301_000 }), 401, 'stale'],
    ['14a timestamp not numeric', () => withHeader(good(), 'x-lark-request-timestamp', 'yesterday'), 401, 'bad_timestamp'],
    [
      '14b timestamp in milliseconds',
      () => {
        const r = good();
        const ts = String(now);
        return withHeader(withHeader(r, 'x-lark-request-timestamp', ts), 'x-lark-signature', sign(ts, r.headers['x-lark-request-nonce']!, r.body, key));
      },
      401,
      'bad_timestamp',
    ],
    ['15 a valid signature over a plaintext body', () => signedPlain(JSON.stringify(o.envelope())), 401, 'not_encrypted'],
    ['16 encrypt is not base64 (signed)', () => signedPlain(JSON.stringify({ encrypt: '%%%not-base64%%%' })), 400, 'undecryptable'],
    ['16b encrypted with another key (signed with ours)', () => signedPlain(JSON.stringify({ encrypt: aesEncrypt(JSON.stringify(o.envelope()), 'another-key') })), 400, 'undecryptable'],
    ['17 decrypts, but the token is not ours', () => signedRequest(o.envelope('someone-elses-token'), { key, ts: now }), 401, 'bad_token'],
    ['18 url_verification with a wrong token', () => ({ body: JSON.stringify({ encrypt: aesEncrypt(JSON.stringify({ type: 'url_verification', challenge: 'c', token: 'wrong' }), key) }), headers: {} }), 401, 'bad_token'],
    [
      '19 a legacy-card SHA-1 signature',
      () => {
        const r = good();
        return withHeader(
          r,
          'x-lark-signature',
          createHash('sha1')
            .update(r.headers['x-lark-request-timestamp']! + r.headers['x-lark-request-nonce']! + token + r.body)
            .digest('hex'),
        );
      },
      401,
      'bad_signature',
    ],
    ['malformed JSON', () => ({ body: '{"encrypt":', headers: good().headers }), 400, 'malformed_body'],
    ['a JSON array', () => ({ body: '[]', headers: good().headers }), 400, 'malformed_body'],
  ];
}

export { withHeader as withSignedHeader };
