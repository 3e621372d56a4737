import type { EmuApp } from '../kernel/apps.js';
import { randomAlnum } from '../kernel/ids.js';
import { aesEncrypt, larkSignature } from './crypto.js';

/** What goes on the wire to an app's event or callback URL. */
export interface OutgoingRequest {
  headers: Record<string, string>;
  /** the exact bytes sent; signatures are over these */
  body: string;
}

/**
 * Serialise a payload the way Feishu posts it (docs/platform/feishu.md §3.3–3.4): `{"encrypt":…}` when the app has an
 * Encrypt Key, else the plain JSON. The body is compact `JSON.stringify`, so the SDK's habit of
 * re-serialising the parsed body before hashing (§5.3) still reproduces the same bytes.
 */
export function encodeBody(app: EmuApp, payload: unknown): string {
  const plain = JSON.stringify(payload);
  return app.encrypt_key ? JSON.stringify({ encrypt: aesEncrypt(plain, app.encrypt_key) }) : plain;
}

/**
 * Headers for one delivery attempt. The timestamp (seconds, emulator clock) and nonce are fresh per
 * attempt — Feishu signs each delivery when it sends it (docs/reliability.md#11-verifying-feishu-requests). The signature headers are
 * only meaningful with an Encrypt Key (§3.4), so they are sent only then.
 */
export function signedHeaders(app: EmuApp, body: string, nowMs: number, opts: { sign?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': randomAlnum(24),
  };
  if (opts.sign === false) return headers;
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = randomAlnum(16);
  headers['x-lark-request-timestamp'] = timestamp;
  headers['x-lark-request-nonce'] = nonce;
  if (app.encrypt_key) headers['x-lark-signature'] = larkSignature(timestamp, nonce, app.encrypt_key, body);
  return headers;
}

export interface PostResult {
  /** HTTP status, or why there was none */
  status: number | 'timeout' | 'error';
  /** real ms from send to answer (or to giving up) */
  elapsedMs: number;
  responseBody?: string;
  error?: string;
}

/**
 * POST within a deadline in *real* milliseconds. The ack deadline (3 s, §3.5) is a network timeout,
 * not a platform schedule, so it is not scaled by the emulator's timeScale.
 */
export async function postWithDeadline(url: string, req: OutgoingRequest, deadlineMs: number): Promise<PostResult> {
  const started = performance.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  try {
    const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body, signal: ac.signal, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, elapsedMs: Math.round(performance.now() - started), responseBody: text };
  } catch (e) {
    const elapsedMs = Math.round(performance.now() - started);
    if (ac.signal.aborted) return { status: 'timeout', elapsedMs, error: `no answer within ${deadlineMs} ms` };
    return { status: 'error', elapsedMs, error: e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e) };
  } finally {
    clearTimeout(timer);
  }
}
