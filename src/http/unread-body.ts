import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './request-log.js';

/**
 * What is left of a request body once the answer is ready (a refusal before reading it: too large,
 * no credential, rate-limited, not found). HTTP/1.1 keeps the connection open, and the client's next
 * request follows the rest of this body on the same socket; left unread, the server closes the socket
 * under that next request. So the rest is read and thrown away, at most DRAIN_MAX_BYTES within
 * DRAIN_MAX_MS, and the answer keeps the connection; past either bound the answer says
 * `Connection: close`, so no client reuses the socket (docs/reliability.md#13-http-hygiene).
 * Only under a Node server (`c.env.incoming`); app.request() in tests has no socket.
 */
export const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
export const DRAIN_MAX_MS = 2000;

export function settleUnreadBody(o: { maxBytes?: number; maxMs?: number } = {}): MiddlewareHandler<AppEnv> {
  const maxBytes = o.maxBytes ?? DRAIN_MAX_BYTES;
  const maxMs = o.maxMs ?? DRAIN_MAX_MS;
  return async function settleUnreadBodyMiddleware(c, next) {
    const original = c.req.raw;
    await next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || incoming.readableEnded || incoming.destroyed) return;
    const declared = Number(c.req.header('content-length'));
    const drained = !(declared > maxBytes) && (await discard(original.body, maxBytes, maxMs));
    if (!drained) c.header('Connection', 'close');
  };
}

/** Read a stream to its end and drop what it holds; false when it is locked or a bound is passed first. */
async function discard(body: ReadableStream<Uint8Array> | null, maxBytes: number, maxMs: number): Promise<boolean> {
  if (!body || body.locked) return !body;
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), maxMs);
  });
  let read = 0;
  try {
    for (;;) {
      const got = await Promise.race([reader.read(), late]);
      if (got === 'late') return false;
      if (got.done) return true;
      read += got.value.byteLength;
      if (read > maxBytes) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
