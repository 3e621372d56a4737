import type { EmuApp } from '../kernel/apps.js';
import { randomAlnum } from '../kernel/ids.js';
import { encodeBody, postWithDeadline, signedHeaders } from './signed-request.js';

/**
 * The challenge Feishu sends when a request URL is saved (docs/platform/feishu.md#32-url-verification-challenge):
 * `{challenge, token, type:"url_verification"}`, encrypted when an Encrypt Key is set, with no
 * signature check ("安全校验…不包括请求网址校验"). The app must answer `{"challenge":"<same>"}` within 1 s.
 */
export interface UrlVerificationResult {
  ok: boolean;
  url: string;
  challenge: string;
  /** the exact body sent */
  body: string;
  status: number | 'timeout' | 'error';
  elapsed_ms: number;
  response_body?: string;
  reason?: string;
}

export async function sendUrlVerification(app: EmuApp, url: string, timeoutMs: number, nowMs: number): Promise<UrlVerificationResult> {
  const challenge = randomAlnum(36).toLowerCase();
  const body = encodeBody(app, { challenge, token: app.verification_token, type: 'url_verification' });
  const res = await postWithDeadline(url, { headers: signedHeaders(app, body, nowMs, { sign: false }), body }, timeoutMs);
  const base = {
    url,
    challenge,
    body,
    status: res.status,
    elapsed_ms: res.elapsedMs,
    ...(res.responseBody !== undefined ? { response_body: res.responseBody } : {}),
  };
  if (res.status !== 200) return { ...base, ok: false, reason: res.error ?? `HTTP ${res.status}` };
  let echoed: unknown;
  try {
    echoed = (JSON.parse(res.responseBody ?? '') as { challenge?: unknown }).challenge;
  } catch {
    return { ...base, ok: false, reason: 'response is not JSON' };
  }
  if (echoed !== challenge) return { ...base, ok: false, reason: 'response does not echo the challenge' };
  return { ...base, ok: true };
}
