import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import type { Secret } from '../lib/secret.js';
import { bearerMatcher } from './bearer.js';
import type { AppEnv } from './request-log.js';

/**
 * GET /metrics: the server's metrics in Prometheus's text format (docs/operations.md#metrics). With
 * PROMETHEUS_TOKEN set a scrape must send `Authorization: Bearer <token>` (compared in constant time);
 * without it only this machine is answered (a peer address of 127.0.0.1 or ::1), so a server that
 * listens on a public address does not hand its counts to anyone who asks.
 */
export interface PrometheusRouteDeps {
  scrape: () => Promise<{ contentType: string; body: string }>;
  token: Secret | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function createPrometheusRoute(deps: PrometheusRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const authorized = bearerMatcher(deps.token);
  app.get('/metrics', async (c) => {
    if (authorized) {
      if (!authorized(c.req.header('authorization'))) {
        c.set('logFields', { ...c.get('logFields'), refused: 'unauthorized' });
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return c.json({ error: 'unauthorized', message: '缺少或错误的令牌：请带上 Authorization: Bearer <PROMETHEUS_TOKEN> / Missing or wrong token: send Authorization: Bearer <PROMETHEUS_TOKEN>' }, 401);
      }
    } else {
      const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? '';
      if (!LOOPBACK.test(peer)) {
        c.set('logFields', { ...c.get('logFields'), refused: 'not_local' });
        return c.json({ error: 'forbidden', message: '/metrics 只回答本机的请求；从别处抓取请设置 PROMETHEUS_TOKEN / /metrics answers only this machine; set PROMETHEUS_TOKEN to scrape it from elsewhere' }, 403);
      }
    }
    const { contentType, body } = await deps.scrape();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
  return app;
}
