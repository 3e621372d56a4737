import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import { startWebhook as startRecordingWebhook } from '../support/webhook-server.js';

/**
 * The app side for end-to-end tests, on top of the shared recording webhook: checks the Feishu
 * signature (sha256(timestamp + nonce + encryptKey + raw body), docs/platform/feishu.md#34-signature) and decrypts with
 * the real SDK. `…/events` acks with {}; `…/card` answers card callbacks with `answerCard(event)`.
 */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  signatureValid: boolean;
  /** the decrypted envelope */
  envelope: { schema?: string; header?: { event_type?: string; event_id?: string; token?: string }; event?: Record<string, unknown>; type?: string; challenge?: string };
}

export interface TestWebhook {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhook(opts: { encryptKey: string; answerCard: (envelope: ReceivedRequest['envelope']) => unknown }): Promise<TestWebhook> {
  const received: ReceivedRequest[] = [];
  const cipher = new lark.AESCipher(opts.encryptKey);
  const base = await startRecordingWebhook((req) => {
    const h = req.headers;
    const expected = createHash('sha256')
      .update(`${String(h['x-lark-request-timestamp'] ?? '')}${String(h['x-lark-request-nonce'] ?? '')}${opts.encryptKey}${req.raw}`)
      .digest('hex');
    let envelope: ReceivedRequest['envelope'] = {};
    try {
      const body = JSON.parse(req.raw) as { encrypt?: string };
      envelope = typeof body.encrypt === 'string' ? JSON.parse(cipher.decrypt(body.encrypt)) : (body as ReceivedRequest['envelope']);
    } catch {
      /* recorded as is */
    }
    const path = req.path.replace(/^\/hook/, '');
    received.push({ path, headers: h, raw: req.raw, signatureValid: h['x-lark-signature'] === expected, envelope });
    if (envelope.type === 'url_verification') return { body: { challenge: envelope.challenge } };
    if (path.startsWith('/card')) return { body: opts.answerCard(envelope) ?? {} };
    return {};
  });
  return { url: base.url, received, close: base.close };
}
