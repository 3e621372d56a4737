import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';

/**
 * A tiny app server for end-to-end tests: records every raw request, checks the Feishu signature
 * (sha256(timestamp + nonce + encryptKey + raw body), feishu-api.md §3.4) and decrypts with the real
 * SDK. `/events` acks with {}; `/card` answers card callbacks with `answerCard(event)`.
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
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const h = req.headers;
      const expected = createHash('sha256')
        .update(`${String(h['x-lark-request-timestamp'] ?? '')}${String(h['x-lark-request-nonce'] ?? '')}${opts.encryptKey}${raw}`)
        .digest('hex');
      let envelope: ReceivedRequest['envelope'] = {};
      try {
        const body = JSON.parse(raw) as { encrypt?: string };
        envelope = typeof body.encrypt === 'string' ? JSON.parse(cipher.decrypt(body.encrypt)) : (body as ReceivedRequest['envelope']);
      } catch {
        /* recorded as is */
      }
      received.push({ path: req.url ?? '', headers: h, raw, signatureValid: h['x-lark-signature'] === expected, envelope });
      if (envelope.type === 'url_verification') return send(res, { challenge: envelope.challenge });
      if (req.url?.startsWith('/card')) return send(res, opts.answerCard(envelope));
      return send(res, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: import('node:http').ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body ?? {}));
}
