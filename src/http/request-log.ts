import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../lib/logger.js';
import type { Telemetry } from '../lib/telemetry.js';

export type AppEnv = { Variables: { requestId: string; log: Logger; logFields: Record<string, unknown> } };

/**
 * One JSON log line per request with its id. The id comes from `X-Request-Id` when a proxy set a sane
 * one, else a new UUID, and is echoed back so a person can quote it. Only the path is logged: query
 * strings can carry tokens. A route adds what the line should say about its work with
 * `c.set('logFields', {...})` (an event id, a toast), so a request costs one line, not two.
 */
/** The route pattern a request matched (`/api/metrics/:section`), or `other` (nothing but middleware: a 404). */
function routeOf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const r = routePath(c, -1);
  return !r || r === '*' || r.endsWith('/*') ? 'other' : r;
}

export function requestLog(log: Logger, newId: () => string = () => crypto.randomUUID(), telemetry?: Telemetry): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const given = c.req.header('x-request-id');
    const requestId = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : newId();
    const child = log.child({ reqId: requestId });
    c.set('requestId', requestId);
    c.set('log', child);
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const fields = c.get('logFields');
      child.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 10_000) / 10, ...fields }, 'request');
      telemetry?.httpRequest({ route: routeOf(c), method: c.req.method, status: c.res.status, seconds, refused: typeof fields?.refused === 'string' ? fields.refused : undefined });
    }
  };
}
