/**
 * npm run bench:webhook [-- --seconds 10 --connections 20 --rates 200,1000]
 *
 * Starts the server the way `npm start` does (sandbox, a temporary database) and loads its two Feishu
 * routes over loopback with autocannon at fixed request rates:
 * - POST /feishu/events: signed, encrypted record-change events with unique ids (each is verified,
 *   deduplicated and stored before the 200);
 * - POST /feishu/card: signed, encrypted card.action.trigger callbacks on a real approval card that was
 *   already approved (each is verified, the card and lead looked up, the final card rendered and sent
 *   back with a "who acted first" toast: the full answer path, without changing anything);
 * - forged requests (bad signature) on both routes, counting database rows before and after.
 * Prints ack latency p50/p99 per rate and route, errors, and refusals per second. Asserts nothing.
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

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' }, rates: { type: 'string', default: '200,1000' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const RATES = values.rates.split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'lj-bench-webhook-'));
const dbPath = join(dir, 'bench.db');
const m = await runMain({ DATABASE_PATH: dbPath });
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
  const approval = await h.until('approval card', async () => (await h.control<Array<{ message_id: string; card: { header: { title: { content: string } } } }>>('GET', `/im/cards?chat_id=${chat}`)).find((c) => c.card.header.title.content.includes('待审批')));
  await h.control('POST', '/cards/click', { message_id: approval.message_id, operator_open_id: h.users['王敏'], name: 'approve', form_value: { comment: '基准' } });

  const apps = await h.control<Array<{ app_id: string; encrypt_key: string; verification_token: string }>>('GET', '/apps');
  const demo = apps.find((a) => a.encrypt_key)!;
  let seq = 0;
  const eventBody = () => ({ schema: '2.0', header: { event_id: `bench-${process.pid}-${++seq}`, event_type: 'drive.file.bitable_record_changed_v1', token: demo.verification_token, create_time: String(Date.now()), app_id: demo.app_id }, event: { file_token: 'NotOurBase', table_id: 'tblX', action_list: [] } });
  const cardBody = () => ({
    schema: '2.0',
    header: { event_id: `bench-card-${process.pid}-${++seq}`, event_type: 'card.action.trigger', token: demo.verification_token, create_time: String(Date.now()), app_id: demo.app_id },
    event: { operator: { open_id: h.users['王敏'] }, token: `c-${seq}`, action: { tag: 'button', name: 'approve', form_value: { comment: '' } }, context: { open_message_id: approval.message_id, open_chat_id: chat } },
  });
  const sign = (payload: unknown, forged: boolean) => {
    const s = signedRequest(payload, { key: demo.encrypt_key, ts: Date.now(), nonce: randomBytes(8).toString('hex') });
    return forged ? { ...s, headers: { ...s.headers, 'x-lark-signature': '0'.repeat(64) } } : s;
  };
  const load = (path: string, body: () => unknown, o: { rate?: number; forged?: boolean }) =>
    autocannon({
      url: `${m.url}${path}`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      ...(o.rate ? { overallRate: o.rate } : {}),
      requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...sign(body(), o.forged === true) }) }],
    });

  console.log(`bench:webhook — the server as npm start runs it (sandbox, one log line per request), loopback, ${SECONDS} s per run, ${CONNECTIONS} connections, ${new Date().toISOString()}`);
  for (const [name, path, body] of [['events', '/feishu/events', eventBody], ['card callbacks', '/feishu/card', cardBody]] as const) {
    for (const rate of RATES) {
      const res = await load(path, body, { rate });
      const ok = res['2xx'];
      console.log(
        `  ${name.padEnd(14)} at ${String(rate).padStart(5)}/s: ${res.requests.average.toFixed(0)} req/s answered, ack p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, max ${res.latency.max} ms; ${ok} × 2xx, ${res.non2xx} other, ${res.errors} errors, ${res.timeouts} timeouts`,
      );
    }
  }
  for (const [name, path, body] of [['events', '/feishu/events', eventBody], ['card callbacks', '/feishu/card', cardBody]] as const) {
    const before = rows().n;
    const res = await load(path, body, { forged: true });
    const after = rows().n;
    console.log(`  forged ${name.padEnd(14)}: ${res.requests.average.toFixed(0)} refused/s (${res.non2xx} refused, ${res['2xx']} accepted), p99 ${res.latency.p99} ms; database rows before ${before}, after ${after}`);
  }
  const warnings = new Map<string, number>();
  for (const l of m.logs) if (l.level === 'warn' || l.level === 'error' || (typeof l.level === 'number' && l.level >= 40)) warnings.set(String(l.msg), (warnings.get(String(l.msg)) ?? 0) + 1);
  console.log(`  server warnings: ${JSON.stringify(Object.fromEntries(warnings))}`);
} finally {
  await m.stop();
  rmSync(dir, { recursive: true, force: true });
}
