import { describe, expect, it } from 'vitest';
import { metricValue, parsePrometheus, type Sample } from '../support/prometheus-text.js';
import { cellText as text, type SandboxRun, sandboxForFile } from '../support/sandbox-main.js';

/**
 * Issue 22 item 3: GET /metrics scraped after a scripted journey on `npm start` (sandbox), each counter
 * compared with what happened — the events the database took in, the timers it fired, the write calls
 * and the one refused by an injected error code, the card clicks and how they were answered.
 */
interface CardInfo {
  message_id: string;
  card: { header: { title: { content: string } }; body: unknown };
}

const BATCH_UPDATE = '/open-apis/bitable/v1/apps/:id/tables/:id/records/batch_update';

describe('GET /metrics after a journey', () => {
  let run: SandboxRun;
  sandboxForFile((r) => {
    run = r;
  });

  const scrape = async (): Promise<Sample[]> => {
    const res = await fetch(`${run.m.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheus(await res.text());
  };
  /** what the database says happened, to compare the counters with */
  const facts = () => {
    const h = run.h;
    const events = h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM inbox WHERE source = 'feishu.event'")[0]!.n;
    const timers = Object.fromEntries(h.sql<{ kind: string; n: number }>("SELECT kind, COUNT(*) AS n FROM timers WHERE status = 'fired' GROUP BY kind").map((r) => [r.kind, r.n]));
    return { events, timers };
  };
  const settled = () =>
    run.h.until('the outboxes drained', async () => {
      const hz = (await (await fetch(`${run.m.url}/healthz`)).json()) as { outbox: { pending: number; inFlight: number }; messages: { pending: number; inFlight: number }; inbound: { pending: number } };
      return hz.outbox.pending + hz.outbox.inFlight + hz.messages.pending + hz.messages.inFlight + hz.inbound.pending === 0 && hz;
    });

  it('counts events, write calls and their error codes, card actions, SLA steps and timer lag as they happened', async () => {
    const { h, chat } = run;
    await settled();
    const before = await scrape();
    const was = facts();

    // one write refused with 1254291 (a write conflict: retried), then the journey
    await h.control('POST', '/faults', { route: 'bitable.record.batch_update', kind: 'error', code: 1254291, times: 1 });
    const row = await h.byCompany('南方医疗器械集团');
    await h.edit(row.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    await h.until('MQL', async () => text((await h.byCompany('南方医疗器械集团')).fields['进入阶段次数']) === 'MQL-01');
    await h.edit(row.record_id, '张伟', { 阶段: 'SQL' });
    const cards = () => h.control<CardInfo[]>('GET', `/im/cards?chat_id=${chat}`);
    const card = (title: string) => h.until(`card ${title}`, async () => (await cards()).find((c) => c.card.header.title.content.includes(title) && c.card.header.title.content.includes('南方医疗器械集团')));
    const approval = await card('待审批');
    const click = (id: string, as: string, sel: Record<string, unknown>) => h.control<{ toast?: { type?: string } }>('POST', '/cards/click', { message_id: id, operator_open_id: h.users[as], ...sel });
    expect((await click(approval.message_id, '李雷', { name: 'approve', form_value: { comment: '' } })).toast?.type).toBe('warning');
    expect((await click(approval.message_id, '王敏', { name: 'approve', form_value: { comment: '预算已确认' } })).toast?.type).toBe('success');
    await card('新线索待认领');
    // nobody accepts: past the accept SLA the reminder step fires
    const key = text((await h.byCompany('南方医疗器械集团')).fields['线索编号']);
    const [offer] = h.sql<{ accept_due_at: number }>("SELECT accept_due_at FROM assignments WHERE lead_id = ? AND status = 'offered'", h.lead(key).id);
    const now = (await h.control<{ now: number }>('GET', '/clock')).now;
    await h.control('POST', '/clock/advance', { ms: offer!.accept_due_at - now + 1_000 });
    await h.until('the reminder fired', async () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM timers WHERE kind = 'sla.accept' AND status = 'fired'")[0]!.n > (was.timers['sla.accept'] ?? 0));
    await settled();

    const after = await scrape();
    const is = facts();
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);

    // events: every verified event the database took in, once; the emulator sent no repeats
    const events = is.events - was.events;
    expect(events).toBeGreaterThanOrEqual(2);
    expect(delta('lj_events_received_total', { transport: 'webhook', fresh: 'true' })).toBe(events);
    expect(delta('lj_events_received_total', { fresh: 'false' })).toBe(0);
    expect(delta('lj_http_requests_total', { route: '/feishu/events', status: '200' })).toBe(events);
    // every answer timed, refusals too (a delivery signed before the clock moved is refused as stale, then sent again)
    expect(delta('lj_http_request_duration_seconds_count', { route: '/feishu/events' })).toBe(delta('lj_http_requests_total', { route: '/feishu/events' }));
    expect(delta('lj_http_requests_total', { route: '/feishu/events' }) - events).toBe(delta('lj_requests_refused_total', { route: '/feishu/events' }));

    // card actions by kind and answer
    expect(delta('lj_card_actions_total', { kind: 'approve', result: 'warning' })).toBe(1);
    expect(delta('lj_card_actions_total', { kind: 'approve', result: 'success' })).toBe(1);
    expect(delta('lj_card_actions_total')).toBe(2);

    // platform calls by code: the injected refusal once; every write call counted with its size
    expect(delta('lj_platform_calls_total', { platform: 'feishu', api: BATCH_UPDATE, code: '1254291' })).toBe(1);
    const updates = delta('lj_platform_calls_total', { platform: 'feishu', api: BATCH_UPDATE });
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(delta('lj_bitable_write_batch_records_count', { op: 'update' })).toBe(updates);
    expect(delta('lj_bitable_write_batch_records_sum', { op: 'update' })).toBeGreaterThanOrEqual(updates);
    expect(delta('lj_platform_calls_total', { platform: 'feishu', code: '0' })).toBeGreaterThan(0);

    // timers: each kind as many as the database marked fired; the SLA reminder among them
    const kinds = new Set([...Object.keys(is.timers), ...Object.keys(was.timers)]);
    let fired = 0;
    for (const kind of kinds) {
      const n = (is.timers[kind] ?? 0) - (was.timers[kind] ?? 0);
      fired += n;
      expect({ kind, n: delta('lj_timers_fired_total', { kind }) }).toEqual({ kind, n });
    }
    expect(delta('lj_sla_steps_total', { sla: 'accept', step: 'remind' })).toBe(1);
    expect(delta('lj_timer_lag_seconds_count')).toBe(fired);

    // queues read at the scrape: drained, nothing dead
    expect(metricValue(after, 'lj_outbox', { queue: 'bitable', state: 'pending' })).toBe(0);
    expect(metricValue(after, 'lj_dead_letters')).toBe(0);
    expect(metricValue(after, 'lj_inbound_queue', { state: 'pending' })).toBe(0);
    // process metrics
    expect(metricValue(after, 'lj_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(metricValue(after, 'lj_build_info')).toBe(1);
    expect(metricValue(after, 'lj_bitable_writer_lag_seconds')).toBe(0);
  });

  it('GET /readyz: ready, with the Feishu token fetched through the SDK', async () => {
    const res = await fetch(`${run.m.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, tokens: [{ name: 'feishu', ok: true }], writerLag: { ok: true } } });
  });

  it('/metrics itself is counted, and nothing in it names a person, a lead or a secret', async () => {
    const samples = parsePrometheus(await (await fetch(`${run.m.url}/metrics`)).text());
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => /ou_|oc_|om_|XS-\d|rec[A-Za-z0-9]{6}|\d{11}|@|t-[a-z0-9]{10}/.test(v))).toEqual([]);
    expect(metricValue(samples, 'lj_http_requests_total', { route: '/metrics' })).toBeGreaterThanOrEqual(1);
  });
});
