/**
 * npm run bench:webhook [-- --seconds 10 --connections auto|N --rates 200,1000]
 *
 * Starts the server the way `npm start` does (sandbox, a temporary database) and loads its two Feishu
 * routes over loopback with autocannon at fixed request rates:
 * - POST /feishu/events: signed, encrypted record-change events with unique ids (each is verified,
 *   deduplicated and stored before the 200);
 * - POST /feishu/card: signed, encrypted card.action.trigger callbacks on a real approval card that was
 *   already approved (each is verified, the card and lead looked up, the final card rendered and sent
 *   back with a "who acted first" toast: the full answer path, without changing anything);
 * - forged requests (bad signature) on both routes, counting database rows before and after.
 * Each route is warmed up for 3 s first (not measured). Prints ack latency p50/p99 per rate and route
 * as the load tool saw it (it shares the 2 cores with the server) and as the server's request log
 * measured it, errors, and refusals per second. Asserts nothing.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { signedRequest } from '../test/support/feishu-signed.js';
import { runMain } from '../test/support/run-main.js';
import { cellText, sandboxHarness } from '../test/support/sandbox-main.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: 'auto' }, rates: { type: 'string', default: '200,1000' } } });
const SECONDS = Number(values.seconds);
// auto: one connection per 50 requests a second (at least 4): autocannon paces each connection on its
// own timer, so 20 connections at 200/s arrive as bursts of 20 and the load tool measures its own queue.
const connectionsFor = (rate: number | undefined) => (values.connections === 'auto' ? Math.max(4, Math.ceil((rate ?? 1000) / 50)) : Number(values.connections));
const RATES = values.rates.split(',').map(Number);

const pct = (xs: number[], p: number) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-webhook-'));
const dbPath = join(dir, 'bench.db');
const m = await runMain({ DATABASE_PATH: dbPath, ...(process.env.SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVER_NODE_OPTIONS } : {}) });
const rows = () => {
  const d = new Database(dbPath, { readonly: true });
  try {
    return d.prepare('SELECT (SELECT COUNT(*) FROM inbound_events) + (SELECT COUNT(*) FROM inbox) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM cards) + (SELECT COUNT(*) FROM stage_transitions) AS n').get() as { n: number };
  } finally {
    d.close();
  }
};

try {
  const h = await sandboxHarness(m, dbPath);
  await h.until('demo keys', async () => (await h.rows()).every((r) => cellText(r.fields['线索编号']).startsWith('XS-')), 30_000);
  // A real approval card: 线索 → MQL → SQL asked in the grid, approved in the chat by 王敏.
  const r = await h.byCompany('南方医疗器械集团');
  await h.edit(r.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
  await h.until('MQL', async () => cellText((await h.byCompany('南方医疗器械集团')).fields['进入阶段次数']) === 'MQL-01');
  await h.edit(r.record_id, '张伟', { 阶段: 'SQL' });
  const state = await h.control<{ chats: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state');
  const chat = state.chats.find((c) => c.name === '线索作战群')!.chat_id;
  const approval = await h.until('approval card', async () =>
    (await h.control<Array<{ message_id: string; card: { header: { title: { content: string } } } }>>('GET', `/im/cards?chat_id=${chat}`)).find((c) => c.card.header.title.content.includes('待审批')),
  );
  await h.control('POST', '/cards/click', { message_id: approval.message_id, operator_open_id: h.users['王敏'], name: 'approve', form_value: { comment: '基准' } });

  const apps = await h.control<Array<{ app_id: string; encrypt_key: string; verification_token: string }>>('GET', '/apps');
  const demo = apps.find((a) => a.encrypt_key)!;
  let seq = 0;
  const eventBody = () => ({
    schema: '2.0',
    header: { event_id: `bench-${process.pid}-${++seq}`, event_type: 'drive.file.bitable_record_changed_v1', token: demo.verification_token, create_time: String(Date.now()), app_id: demo.app_id },
    event: { file_token: 'NotOurBase', table_id: 'tblX', action_list: [] },
  });
  const cardBody = () => ({
    schema: '2.0',
    header: { event_id: `bench-card-${process.pid}-${++seq}`, event_type: 'card.action.trigger', token: demo.verification_token, create_time: String(Date.now()), app_id: demo.app_id },
    event: { operator: { open_id: h.users['王敏'] }, token: `c-${seq}`, action: { tag: 'button', name: 'approve', form_value: { comment: '' } }, context: { open_message_id: approval.message_id, open_chat_id: chat } },
  });
  const sign = (payload: unknown, forged: boolean) => {
    const s = signedRequest(payload, { key: demo.encrypt_key, ts: Date.now(), nonce: randomBytes(8).toString('hex') });
    return forged ? { ...s, headers: { ...s.headers, 'x-lark-signature': '0'.repeat(64) } } : s;
  };
  const warnings = new Map<string, number>();
  const warnCount = (lines: Array<Record<string, unknown>>) => {
    for (const l of lines) if (l.level === 'warn' || l.level === 'error') warnings.set(String(l.msg), (warnings.get(String(l.msg)) ?? 0) + 1);
  };
  // Requests are signed before the run starts, so the load tool spends its time sending, not encrypting.
  const load = (path: string, body: () => unknown, o: { rate?: number; forged?: boolean; seconds?: number }) => {
    const seconds = o.seconds ?? SECONDS;
    const ready = Array.from({ length: Math.ceil((o.rate ?? 5000) * seconds * 1.2) }, () => sign(body(), o.forged === true));
    let next = 0;
    return autocannon({
      url: `${m.url}${path}`,
      method: 'POST',
      connections: connectionsFor(o.rate),
      duration: seconds,
      ...(o.rate ? { overallRate: o.rate } : {}),
      requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...(ready[next++] ?? sign(body(), o.forged === true)) }) }],
    });
  };

  // Warm-up (not measured): the first requests on each path pay for JIT compilation and lazy loading.
  for (const [path, body] of [
    ['/feishu/events', eventBody],
    ['/feishu/card', cardBody],
  ] as const)
    await load(path, body, { rate: 200, seconds: 3 });
  // Each run starts with the events of the previous one processed (a run measures its route alone).
  const settled = () => h.until('queued events worked off', async () => ((await (await fetch(`${m.url}/healthz`)).json()) as { inbound: { pending: number } }).inbound.pending === 0, 120_000);
  await settled();

  console.log(
    `bench:webhook — the server as npm start runs it (sandbox, one log line per request), loopback, ${SECONDS} s per run, connections ${values.connections === 'auto' ? 'rate/50 (≥ 4); forged runs unpaced with 20' : values.connections}, ${new Date().toISOString()}`,
  );
  for (const [name, path, body] of [
    ['events', '/feishu/events', eventBody],
    ['card callbacks', '/feishu/card', cardBody],
  ] as const) {
    for (const rate of RATES) {
      const from = 0;
      await settled();
      warnCount(m.logs.splice(0));
      const res = await load(path, body, { rate });
      await new Promise((r) => setTimeout(r, 300)); // the last log lines arrive
      const server = m.logs
        .slice(from)
        .filter((l) => l.msg === 'request' && l.path === path)
        .map((l) => Number(l.ms));
      warnCount(m.logs.splice(0)); // keep the load tool's heap small: its GC pauses would show up as latency
      const ok = res['2xx'];
      const failures = res.errors + res.timeouts + res.non2xx;
      const events = path === '/feishu/events';
      reportFigure({
        bench: 'webhook',
        what: `${events ? 'event' : 'card callback'} ack at ${rate}/s (signed, encrypted)`,
        value: `p50 ${res.latency.p50} ms · p99 ${res.latency.p99} ms · ${failures} errors`,
        ...(rate <= 200 ? { target: 'p99 ≤ 50 ms', met: res.latency.p99 <= 50 && failures === 0 } : { target: '0 errors', met: failures === 0 }),
      });
      console.log(
        `  ${name.padEnd(14)} at ${String(rate).padStart(5)}/s (${connectionsFor(rate)} conn): ${res.requests.average.toFixed(0)} req/s answered, ack p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, max ${res.latency.max} ms (in the server: p50 ${pct(server, 50)} ms, p99 ${pct(server, 99)} ms); ${ok} × 2xx, ${res.non2xx} other, ${res.errors} errors, ${res.timeouts} timeouts`,
      );
    }
  }
  for (const [name, path, body] of [
    ['events', '/feishu/events', eventBody],
    ['card callbacks', '/feishu/card', cardBody],
  ] as const) {
    const before = rows().n;
    warnCount(m.logs.splice(0));
    const res = await load(path, body, { forged: true });
    const after = rows().n;
    reportFigure({ bench: 'webhook', what: `forged ${name} refused`, value: `${res.requests.average.toFixed(0)} /s, ${after - before} rows stored`, target: 'all refused, nothing stored', met: res['2xx'] === 0 && after === before });
    console.log(`  forged ${name.padEnd(14)}: ${res.requests.average.toFixed(0)} refused/s (${res.non2xx} refused, ${res['2xx']} accepted), p99 ${res.latency.p99} ms; database rows before ${before}, after ${after}`);
  }
  warnCount(m.logs.splice(0));
  console.log(`  server warnings: ${JSON.stringify(Object.fromEntries(warnings))}`);
} finally {
  await m.stop();
  rmSync(dir, { recursive: true, force: true });
}
