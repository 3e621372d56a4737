import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './request-log.js';

/**
 * A size limit that leaves the connection usable (docs/reliability.md#13-http-hygiene). A body declared
 * larger than `max` is refused before any of it is read; a body without a length (chunked) is read up
 * to `max` and refused past it. Either way the rest is left to `settleUnreadBody` (read and discarded
 * within a bound, else the answer closes the connection), so a keep-alive client's next request on the
 * same socket is answered. A body within the limit is read once and handed on in memory.
 */
export function limitBody(max: number, onTooLarge: (c: Context<AppEnv>) => Response | Promise<Response>): MiddlewareHandler<AppEnv> {
  return async function limitBodyMiddleware(c, next) {
    const original = c.req.raw;
    if (!original.body) return next();
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > max) return onTooLarge(c);
    const reader = original.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        reader.releaseLock();
        return onTooLarge(c);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(original, { body: Buffer.concat(chunks, total) });
    return next();
  };
}
