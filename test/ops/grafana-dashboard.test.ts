import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrometheus } from '../../src/ops/prometheus.js';

/** docs/grafana/lead-journey.json queries only series the server exports (a renamed metric breaks this test). */
describe('the sample Grafana dashboard', () => {
  it('every metric its queries name is one /metrics serves', async () => {
    const dash = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/grafana/lead-journey.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const zero = async () => ({ pending: 0, in_flight: 0, dead: 0, failed: 0 });
    const p = createPrometheus({ queues: { inbound: zero, tableWrites: zero, messages: zero, writerLagSeconds: async () => 0 } });
    const served = new Set((await p.registry.getMetricsAsJSON()).map((m) => m.name));
    const used = dash.panels.flatMap((panel) => panel.targets.flatMap((t) => [...t.expr.matchAll(/\blj_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    expect(used.length).toBeGreaterThan(10);
    expect([...new Set(used)].filter((name) => !served.has(name))).toEqual([]);
  });
});
