import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { testLogger } from '../support/log-capture.js';
import { serveOnLoopback } from '../support/loopback-server.js';
import { Secret } from '../../src/lib/secret.js';
import { createPrometheus } from '../../src/ops/prometheus.js';
import { metricValue, parsePrometheus } from '../support/prometheus-text.js';

/** GET /metrics: who may scrape it (a token, else this machine only), and what the counters say. */
const TOKEN = 'p'.repeat(40);
const queues = { inbound: async () => ({ pending: 3, failed: 1 }), tableWrites: async () => ({ pending: 7, in_flight: 2, dead: 4 }), messages: async () => ({ pending: 0, in_flight: 0, dead: 5 }), writerLagSeconds: async () => 12.5 };

function appWith(token?: string) {
  const p = createPrometheus({ queues, version: '9.9.9' });
  const app = createApp({
    ping: async () => ({ ok: true }) as never,
    log: testLogger(),
    mode: 'feishu',
    version: 't',
    startedAt: new Date(),
    telemetry: p.telemetry,
    prometheus: { scrape: p.scrape, token: token ? new Secret(token) : undefined },
  });
  return { app, p };
}

describe('GET /metrics', () => {
  it('with PROMETHEUS_TOKEN: 401 without it or with another, 200 with it', async () => {
    const { app } = appWith(TOKEN);
    const none = await app.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${'q'.repeat(40)}` } })).status).toBe(401);
    const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const s = parsePrometheus(await ok.text());
    expect(metricValue(s, 'lj_outbox', { queue: 'bitable', state: 'pending' })).toBe(7);
    expect(metricValue(s, 'lj_dead_letters')).toBe(4 + 5 + 1);
    expect(metricValue(s, 'lj_inbound_queue', { state: 'pending' })).toBe(3);
    expect(metricValue(s, 'lj_bitable_writer_lag_seconds')).toBe(12.5);
    expect(metricValue(s, 'lj_build_info', { version: '9.9.9' })).toBe(1);
    // the refusals before were counted with their reason
    expect(metricValue(s, 'lj_requests_refused_total', { route: '/metrics', reason: 'unauthorized' })).toBe(2);
  });

  it('without a token: this machine is answered, another address is refused (403)', async () => {
    const { app } = appWith();
    expect((await app.request('/metrics')).status).toBe(403); // no socket: not known to be local
    const server = await serveOnLoopback(app.fetch);
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('lj_process_resident_memory_bytes');
    } finally {
      await server.close();
    }
  });

  it('a request from another address (as the socket says) is refused without a token', async () => {
    const { app } = appWith();
    const res = await app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '10.1.2.3' } } } as never);
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('forbidden');
    const local = await app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '::ffff:127.0.0.1' } } } as never);
    expect(local.status).toBe(200);
  });

  it('telemetry calls become the documented series', async () => {
    const { p } = appWith();
    p.telemetry.platformCall('feishu', '/open-apis/im/v1/messages', '230002');
    p.telemetry.tableWrite('create', 500);
    p.telemetry.tableWrite('create', 3);
    p.telemetry.cardAction('accept', 'success');
    p.telemetry.timerFired('sla.approval', 42, 'manager');
    p.telemetry.timerFired('nurture.stage', -5);
    p.telemetry.eventReceived('long-connection', false);
    const s = parsePrometheus((await p.scrape()).body);
    expect(metricValue(s, 'lj_platform_calls_total', { platform: 'feishu', api: '/open-apis/im/v1/messages', code: '230002' })).toBe(1);
    expect(metricValue(s, 'lj_bitable_write_batch_records_sum', { op: 'create' })).toBe(503);
    expect(metricValue(s, 'lj_bitable_write_batch_records_bucket', { op: 'create', le: '5' })).toBe(1);
    expect(metricValue(s, 'lj_card_actions_total', { kind: 'accept', result: 'success' })).toBe(1);
    expect(metricValue(s, 'lj_sla_steps_total', { sla: 'approval', step: 'manager' })).toBe(1);
    expect(metricValue(s, 'lj_sla_steps_total')).toBe(1); // a nurture timer is not an SLA step
    expect(metricValue(s, 'lj_timer_lag_seconds_sum')).toBe(42); // early (clock skew) counts as 0
    expect(metricValue(s, 'lj_events_received_total', { transport: 'long-connection', fresh: 'false' })).toBe(1);
  });
});
