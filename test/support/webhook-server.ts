import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the app's webhook saw it: raw bytes (for signatures) and lower-case headers. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** real ms (Date.now) on arrival */
  receivedAt: number;
}

export interface WebhookReply {
  status?: number;
  /** string is sent as is; anything else as JSON */
  body?: unknown;
  /** real ms to wait before answering ("too slow") */
  delayMs?: number;
  headers?: Record<string, string>;
}

export type Responder = (req: RecordedRequest, index: number) => WebhookReply | Promise<WebhookReply>;

export interface TestWebhook {
  url: string;
  requests: RecordedRequest[];
  /** change how later requests are answered (default: 200 `{}`) */
  respond(fn: Responder): void;
  /** resolve once `n` requests have arrived (real time, polling) */
  waitFor(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1 standing in for the app's event / card callback endpoint. */
export async function startWebhook(responder: Responder = () => ({})): Promise<TestWebhook> {
  let respond = responder;
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      const index = requests.push(rec) - 1;
      // A throwing responder (e.g. a failed expect inside it) answers 500 instead of leaving the request hanging.
      void Promise.resolve()
        .then(() => respond(rec, index))
        .catch((e: unknown): WebhookReply => ({ status: 500, body: `responder failed: ${e instanceof Error ? e.message : String(e)}` }))
        .then(async (reply) => {
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if (res.destroyed) return;
          const body = reply.body === undefined ? '{}' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          res.end(body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    respond: (fn) => {
      respond = fn;
    },
    async waitFor(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > until) throw new Error(`webhook: expected ${n} requests, got ${requests.length} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Poll `fn` (sync or async) until it returns a truthy value (real time). */
export async function waitUntil<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
