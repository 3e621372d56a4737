import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { createFeishuCardRoutes, type FeishuCardDeps } from './http/feishu-card.js';
import { createFeishuEventRoutes, type FeishuEventsDeps } from './http/feishu-events.js';
import { createHealthRoutes, type HealthDeps } from './http/health-routes.js';
import { createIntakeRoutes, type IntakeRouteDeps } from './http/intake-routes.js';
import { createMetricsRoutes, type MetricsRouteDeps } from './http/metrics-routes.js';
import { createPrometheusRoute, type PrometheusRouteDeps } from './http/prometheus-route.js';
import { requestLog, type AppEnv } from './http/request-log.js';
import { settleUnreadBody } from './http/unread-body.js';
import type { Logger } from './lib/logger.js';
import type { Telemetry } from './lib/telemetry.js';
import { storageFailureOf } from './store/storage-failure.js';

export interface AppDeps extends HealthDeps {
  log: Logger;
  newRequestId?: () => string;
  /** the Feishu event route; absent in tests that only need health */
  feishuEvents?: FeishuEventsDeps;
  /** the card callback route; absent in tests that only need events */
  feishuCard?: FeishuCardDeps;
  /** POST /api/leads (web forms, other systems); absent in tests that do not need it */
  intake?: IntakeRouteDeps;
  /** GET /api/metrics (the numbers); absent in tests that do not need it */
  metrics?: MetricsRouteDeps;
  /** GET /metrics (Prometheus); absent in tests that do not need it */
  prometheus?: PrometheusRouteDeps;
  /** each request counted by route, status and refusal reason */
  telemetry?: Telemetry;
  /** true once the server is shutting down: answers then close their connection (no keep-alive) */
  draining?: () => boolean;
}

/**
 * The whole HTTP surface as a Hono app. It never listens: main.ts serves it, tests call app.request().
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestLog(deps.log, deps.newRequestId, deps.telemetry));
  app.use('*', settleUnreadBody());
  if (deps.draining) {
    const draining = deps.draining;
    app.use('*', async (c, next) => {
      await next();
      if (draining()) c.header('Connection', 'close');
    });
  }
  app.route('/', createHealthRoutes(deps));
  if (deps.feishuEvents) app.route('/', createFeishuEventRoutes(deps.feishuEvents));
  if (deps.feishuCard) app.route('/', createFeishuCardRoutes(deps.feishuCard));
  if (deps.intake) app.route('/', createIntakeRoutes(deps.intake));
  if (deps.metrics) app.route('/', createMetricsRoutes(deps.metrics));
  if (deps.prometheus) app.route('/', createPrometheusRoute(deps.prometheus));
  app.notFound((c) => c.json({ error: 'not_found', message: `没有这个地址 / No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse();
    const requestId = c.get('requestId');
    const storage = storageFailureOf(e);
    if (storage) {
      // nothing of the request was kept: the sender tries again later (Feishu retries what was not 200)
      (c.get('log') ?? deps.log).error({ storage: storage.kind, code: storage.code, err: e }, `database cannot write: ${storage.message.en}`);
      c.set('logFields', { ...c.get('logFields'), refused: `storage_${storage.kind}` });
      c.header('Retry-After', '30');
      return c.json({ error: 'storage_unavailable', storage: storage.kind, message: `${storage.message.zh} / ${storage.message.en}`, requestId }, 503);
    }
    (c.get('log') ?? deps.log).error({ err: e }, 'unhandled error');
    return c.json({ error: 'internal_error', message: `服务器内部错误，请求编号 ${requestId} / Internal error, request id ${requestId}`, requestId }, 500);
  });
  return app;
}
