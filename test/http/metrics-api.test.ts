import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMetricsRoutes } from '../../src/http/metrics-routes.js';
import { type AppEnv, requestLog } from '../../src/http/request-log.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadMetricsConfig } from '../../src/rules/metrics-config.js';
import type { Report } from '../../src/usecases/report.js';
import { cardWorld, T0 } from '../support/card-world.js';
import { DAY, fillJourneys } from '../support/report-world.js';

/**
 * GET /api/metrics (issue 11 item 2): the report as JSON, one part of it, or the HTML report, only with
 * the token; a period that cannot be read is a 400 saying why; without a token configured, off.
 */
const TOKEN = 'metrics-token-0123456789abcdefghijklmnopqrstuv';

async function world(token: string | null = TOKEN) {
  const w = await cardWorld();
  await fillJourneys(w);
  w.clock.set(T0 + 30 * DAY);
  const app = new Hono<AppEnv>();
  app.use('*', requestLog(testLogger()));
  app.route('/', createMetricsRoutes({ store: w.store, journey: w.journey, config: loadMetricsConfig(loadBaseTemplate()), clock: w.clock, token: token ? new Secret(token) : undefined }));
  const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => app.request(path, { headers });
  return { w, get };
}

describe('GET /api/metrics', () => {
  it('answers the report, one part of it, or the HTML report, for the period asked', async () => {
    const { get } = await world();
    const all = await get('/api/metrics');
    expect(all.status).toBe(200);
    const report = (await all.json()) as Report;
    // the default period is the last 90 days: every lead of the fixture
    expect(report.leads).toBe(4);
    expect(report.funnel.map((s) => s.reached)).toEqual([4, 3, 3, 2, 2]);
    expect(report.mlg.period).toEqual({ won: 2, marketing: 1, index: 0.5 });

    const velocity = await get('/api/metrics/velocity?since=40d');
    expect(velocity.status).toBe(200);
    const v = (await velocity.json()) as { velocity: Report['velocity']; since: string };
    expect(v.velocity.overall.find((r) => r.stage === 'opportunity')).toMatchObject({ count: 2, meanDays: 7.5 });
    expect(Object.keys(v)).toEqual(['since', 'until', 'velocity']);

    // a period before any lead came in
    const empty = (await (await get(`/api/metrics/funnel?since=2020-01-01&until=2020-02-01`)).json()) as { funnel: Report['funnel'] };
    expect(empty.funnel[0]!.reached).toBe(0);

    const html = await get('/api/metrics/report.html?lang=en');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('Lead Journey report');
  });

  it('needs the token (401 with WWW-Authenticate), reads the period or says why not (400), knows its parts (404)', async () => {
    const { get } = await world();
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }] as Array<Record<string, string>>) {
      for (const path of ['/api/metrics', '/api/metrics/funnel', '/api/metrics/report.html']) {
        const r = await get(path, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      }
    }
    const en = await get('/api/metrics', { 'accept-language': 'en' });
    expect(((await en.json()) as { message: string }).message).toBe('Missing or wrong token: send Authorization: Bearer <METRICS_API_TOKEN>');
    const bad = await get('/api/metrics?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad_period', message: '看不懂 since / until：用 90d、2026-09-01 或 ISO 时间' });
    const backwards = await get('/api/metrics?since=2026-12-01&until=2026-11-01');
    expect(((await backwards.json()) as { message: string }).message).toBe('since 须早于 until');
    const unknown = await get('/api/metrics/profits');
    expect(unknown.status).toBe(404);
  });

  it('is off without METRICS_API_TOKEN: 503 saying how to turn it on', async () => {
    const { get } = await world(null);
    const r = await get('/api/metrics');
    expect(r.status).toBe(503);
    expect(((await r.json()) as { message: string }).message).toContain('METRICS_API_TOKEN');
  });
});
