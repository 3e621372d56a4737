import { createHmac } from 'node:crypto';

/**
 * Requests signed the Standard Webhooks way (standardwebhooks.com; docs/intake.md, docs/webhooks.md):
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")>` — computed here
 * with node:crypto, independently of the `standardwebhooks` package the product and the demo CRM use —
 * and the forged, tampered and stale variants every route taking such requests must refuse
 * (docs/reliability.md#12-the-forged-request-matrix).
 */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function swSignature(secret: string, id: string, ts: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
}

export function swSigned(body: string, o: { secret: string; at: number; id: string; extra?: Record<string, string> }): SignedRequest {
  const ts = String(Math.floor(o.at / 1000));
  return { body, headers: { 'content-type': 'application/json', 'webhook-id': o.id, 'webhook-timestamp': ts, 'webhook-signature': swSignature(o.secret, o.id, ts, body), ...o.extra } };
}

const without = (r: SignedRequest, h: string): SignedRequest => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== h)) });
const withHeader = (r: SignedRequest, h: string, v: string): SignedRequest => ({ ...r, headers: { ...r.headers, [h]: v } });

/**
 * The refusal table for Standard Webhooks (numbered as the Feishu one in test/support/feishu-signed.ts
 * where a case is the same attack); `now` is the receiver's clock, `body` a valid body for the route.
 * Every case must be refused (4xx) and change nothing.
 */
export function swRefusalCases(o: { secret: string; now: () => number; body: () => string; extra?: Record<string, string> }): Array<[string, () => SignedRequest]> {
  let n = 0;
  const id = () => `msg_refused_${++n}`;
  const good = (at = o.now()) => swSigned(o.body(), { secret: o.secret, at, id: id(), ...(o.extra ? { extra: o.extra } : {}) });
  const resign = (r: SignedRequest, secret = o.secret) => withHeader(r, 'webhook-signature', swSignature(secret, r.headers['webhook-id']!, r.headers['webhook-timestamp']!, r.body));
  return [
    ['1 webhook-signature missing', () => without(good(), 'webhook-signature')],
    ['2 webhook-timestamp missing', () => without(good(), 'webhook-timestamp')],
    ['3 webhook-id missing', () => without(good(), 'webhook-id')],
    ['4 signature not base64', () => withHeader(good(), 'webhook-signature', `v1,${'%'.repeat(44)}`)],
    [
      '5 signature truncated',
      () => {
        const r = good();
        return withHeader(r, 'webhook-signature', r.headers['webhook-signature']!.slice(0, 30));
      },
    ],
    ['7 a valid signature made with another secret', () => resign(good(), `whsec_${Buffer.from('another-secret-another-secret-32').toString('base64')}`)],
    [
      '8 one body byte flipped',
      () => {
        const r = good();
        const i = Math.floor(r.body.length / 2);
        return { ...r, body: r.body.slice(0, i) + (r.body[i] === 'A' ? 'B' : 'A') + r.body.slice(i + 1) };
      },
    ],
    ['9 body re-serialised with whitespace', () => ({ ...good(), body: JSON.stringify(JSON.parse(good().body), null, 1) })],
    ['10 webhook-id altered, signature kept', () => withHeader(good(), 'webhook-id', 'msg_other')],
    [
      '11 timestamp altered, signature kept',
      () => {
        const r = good();
        return withHeader(r, 'webhook-timestamp', String(Number(r.headers['webhook-timestamp']) + 1));
      },
    ],
    // whole seconds on both sides: a second may tick between signing and checking, so one past the
    // five minutes on the future side is two
    ['12 timestamp 301 s old', () => good(o.now() - 301_000)],
    ['13 timestamp 302 s in the future', () => good(o.now() + 302_000)],
    ['14a timestamp not numeric', () => resign(withHeader(good(), 'webhook-timestamp', 'yesterday'))],
    ['14b timestamp in milliseconds', () => resign(withHeader(good(), 'webhook-timestamp', String(o.now())))],
    [
      '19 a signature of another scheme (v1a, asymmetric)',
      () => {
        const r = good();
        return withHeader(r, 'webhook-signature', r.headers['webhook-signature']!.replace(/^v1,/, 'v1a,'));
      },
    ],
    [
      '20 an HMAC over the body alone',
      () => {
        const r = good();
        const key = Buffer.from(o.secret.replace(/^whsec_/, ''), 'base64');
        return withHeader(r, 'webhook-signature', `v1,${createHmac('sha256', key).update(r.body).digest('base64')}`);
      },
    ],
  ];
}
