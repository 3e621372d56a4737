import { type Context, Hono } from 'hono';
import type { Journey } from '../domain/journey.js';
import type { Text } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';
import { renderHtml } from '../report/html-report.js';
import { readPeriod } from '../report/period.js';
import type { MetricsConfig } from '../rules/metrics-config.js';
import type { Store } from '../store/store.js';
import { buildReport, type Report } from '../usecases/report.js';
import { bearerMatcher } from './bearer.js';
import type { AppEnv } from './request-log.js';

/**
 * The numbers over HTTP (docs/metrics.md#the-api), for dashboards and other systems:
 * - GET /api/metrics: the whole report as JSON;
 * - GET /api/metrics/{funnel|cohorts|velocity|mlg|channels|sla|returns|stuck}: one part of it;
 * - GET /api/metrics/report.html: the HTML report (?lang=en, or Accept-Language: en).
 * `?since=` and `?until=` take 90d, 2026-09-01 or an ISO time (default: the last 90 days). Every call
 * needs `Authorization: Bearer <METRICS_API_TOKEN>` (compared in constant time); without the token
 * configured the API is off (503). Reports are built one at a time: each reads every lead's history.
 */
export interface MetricsRouteDeps {
  store: Store;
  journey: Journey;
  config: MetricsConfig;
  clock: Clock;
  /** METRICS_API_TOKEN; undefined: the API answers 503 */
  token: Secret | undefined;
}

const SECTIONS = ['funnel', 'cohorts', 'velocity', 'mlg', 'channels', 'sla', 'returns', 'stuck'] as const satisfies ReadonlyArray<keyof Report>;

const langOf = (c: Context<AppEnv>): 'zh' | 'en' => (c.req.query('lang') === 'en' || /^\s*en\b/i.test(c.req.header('accept-language') ?? '') ? 'en' : 'zh');

export function createMetricsRoutes(deps: MetricsRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const authorized = bearerMatcher(deps.token);
  const refuse = (c: Context<AppEnv>, status: 400 | 401 | 404 | 503, error: string, message: Text) => {
    c.set('logFields', { ...c.get('logFields'), refused: error });
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="metrics"');
    return c.json({ error, message: message[langOf(c)] }, status);
  };
  let building: Promise<unknown> = Promise.resolve();
  /** one build at a time: a second caller waits for the first */
  const build = (since: Date, until: Date): Promise<Report> => {
    const next = building.then(() => buildReport({ store: deps.store, journey: deps.journey, config: deps.config }, { since, until }));
    building = next.catch(() => undefined);
    return next;
  };

  const NOT_ON: Text = { zh: '报表接口未开启：请在 .env 设置 METRICS_API_TOKEN', en: 'The metrics API is off: set METRICS_API_TOKEN in .env' };
  const WRONG: Text = { zh: '缺少或错误的令牌：请带上 Authorization: Bearer <METRICS_API_TOKEN>', en: 'Missing or wrong token: send Authorization: Bearer <METRICS_API_TOKEN>' };
  app.use('/api/metrics/*', async (c, next) => {
    if (!authorized) return refuse(c, 503, 'not_configured', NOT_ON);
    if (!authorized(c.req.header('authorization'))) return refuse(c, 401, 'unauthorized', WRONG);
    await next();
  });

  const period = (c: Context<AppEnv>) => readPeriod({ since: c.req.query('since'), until: c.req.query('until') }, deps.clock.now());

  app.get('/api/metrics', async (c) => {
    const p = period(c);
    if ('error' in p) return refuse(c, 400, 'bad_period', p.error);
    return c.json(await build(p.since, p.until));
  });
  app.get('/api/metrics/report.html', async (c) => {
    const p = period(c);
    if ('error' in p) return refuse(c, 400, 'bad_period', p.error);
    const html = renderHtml(await build(p.since, p.until), langOf(c) === 'en' ? 'en' : 'zh-CN');
    return c.body(html, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });
  app.get('/api/metrics/:section', async (c) => {
    const section = c.req.param('section') as (typeof SECTIONS)[number];
    if (!SECTIONS.includes(section)) return refuse(c, 404, 'not_found', { zh: `没有这部分：可选 ${SECTIONS.join('、')}`, en: `No such part: one of ${SECTIONS.join(', ')}` });
    const p = period(c);
    if ('error' in p) return refuse(c, 400, 'bad_period', p.error);
    const r = await build(p.since, p.until);
    return c.json({ since: r.since, until: r.until, [section]: r[section] });
  });
  return app;
}
