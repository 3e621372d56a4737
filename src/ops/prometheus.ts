import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Telemetry } from '../lib/telemetry.js';

/**
 * The server's metrics in Prometheus's text format (docs/operations.md#metrics), through `prom-client`
 * with a registry of its own (not the library's global one, so tests can build several). Counters and
 * histograms are fed by the Telemetry calls; the queue depths are read from the database when scraped,
 * so every instance on one PostgreSQL reports the same shared queues.
 */
export interface QueueCounts {
  /** verified events waiting to be processed, and those given up on */
  inbound: () => Promise<{ pending: number; failed: number }>;
  /** the Bitable outbox */
  tableWrites: () => Promise<{ pending: number; in_flight: number; dead: number }>;
  /** cards and messages waiting to be sent */
  messages: () => Promise<{ pending: number; in_flight: number; dead: number }>;
  /** seconds the oldest waiting Bitable write has waited (0: none waiting) */
  writerLagSeconds: () => Promise<number>;
}

export interface Prometheus {
  telemetry: Telemetry;
  registry: Registry;
  /** the text a scrape gets */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createPrometheus(o: { queues: QueueCounts; version?: string }): Prometheus {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lj_' });
  const registers = [registry];

  new Gauge({ name: 'lj_build_info', help: 'The running version (always 1)', labelNames: ['version'], registers }).set({ version: o.version ?? 'unknown' }, 1);
  const http = new Counter({ name: 'lj_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
  const httpSeconds = new Histogram({
    name: 'lj_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern (a Feishu event must be answered within 3 s)',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers,
  });
  const refused = new Counter({ name: 'lj_requests_refused_total', help: 'Requests refused, by route pattern and reason (bad_signature, stale_timestamp, too_large, unauthorized …)', labelNames: ['route', 'reason'], registers });
  const events = new Counter({ name: 'lj_events_received_total', help: 'Verified platform events taken in, by transport; fresh="false" for repeats of events already stored', labelNames: ['transport', 'fresh'], registers });
  const calls = new Counter({ name: 'lj_platform_calls_total', help: "Calls to a platform's API, by platform, API path (ids taken out) and outcome code ('0' ok)", labelNames: ['platform', 'api', 'code'], registers });
  const writes = new Histogram({ name: 'lj_bitable_write_batch_records', help: 'Records carried by one Bitable write call (at most 500)', labelNames: ['op'], buckets: [1, 2, 5, 10, 50, 100, 250, 500], registers });
  const cards = new Counter({ name: 'lj_card_actions_total', help: 'Card buttons pressed, by action and how they were answered (success, info, warning, error)', labelNames: ['kind', 'result'], registers });
  const timers = new Counter({ name: 'lj_timers_fired_total', help: 'Durable timers fired, by kind', labelNames: ['kind'], registers });
  const sla = new Counter({ name: 'lj_sla_steps_total', help: 'SLA escalation steps fired, by SLA and step (remind, manager, reassign)', labelNames: ['sla', 'step'], registers });
  const lag = new Histogram({ name: 'lj_timer_lag_seconds', help: 'How late a timer fired after it came due (server clock)', buckets: [1, 5, 15, 30, 60, 300, 900, 3600], registers });

  const depth = (name: string, help: string, labelNames: string[], read: (g: Gauge) => Promise<void>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        await read(this);
      },
    });
  depth('lj_inbound_queue', 'Verified events waiting to be processed (pending) and given up on (failed)', ['state'], async (g) => {
    const c = await o.queues.inbound();
    g.set({ state: 'pending' }, c.pending);
    g.set({ state: 'failed' }, c.failed);
  });
  depth('lj_outbox', 'Queued platform writes by queue (bitable, messages) and state (pending, in_flight, dead)', ['queue', 'state'], async (g) => {
    const [t, m] = await Promise.all([o.queues.tableWrites(), o.queues.messages()]);
    for (const [queue, c] of [
      ['bitable', t],
      ['messages', m],
    ] as const) {
      g.set({ queue, state: 'pending' }, c.pending);
      g.set({ queue, state: 'in_flight' }, c.in_flight);
      g.set({ queue, state: 'dead' }, c.dead);
    }
  });
  depth('lj_bitable_writer_lag_seconds', 'How long the oldest Bitable write still waiting has waited (0: none)', [], async (g) => {
    g.set(await o.queues.writerLagSeconds());
  });
  depth('lj_dead_letters', 'Writes and messages given up on, waiting for a person (npm run outbox -- list)', ['queue'], async (g) => {
    const [t, m, i] = await Promise.all([o.queues.tableWrites(), o.queues.messages(), o.queues.inbound()]);
    g.set({ queue: 'bitable' }, t.dead);
    g.set({ queue: 'messages' }, m.dead);
    g.set({ queue: 'inbound' }, i.failed);
  });

  const telemetry: Telemetry = {
    httpRequest(r) {
      http.inc({ route: r.route, method: r.method, status: String(r.status) });
      httpSeconds.observe({ route: r.route }, r.seconds);
      if (r.refused) refused.inc({ route: r.route, reason: r.refused });
    },
    eventReceived: (transport, fresh) => events.inc({ transport, fresh: String(fresh) }),
    platformCall: (platform, api, code) => calls.inc({ platform, api, code }),
    tableWrite: (op, records) => writes.observe({ op }, records),
    cardAction: (kind, result) => cards.inc({ kind, result }),
    timerFired(kind, late, step) {
      timers.inc({ kind });
      lag.observe(Math.max(0, late));
      if (step && kind.startsWith('sla.')) sla.inc({ sla: kind.slice(4), step });
    },
  };
  return {
    telemetry,
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
