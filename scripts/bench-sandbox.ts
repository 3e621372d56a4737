/**
 * Sandbox benchmark: how fast the embedded Feishu emulator answers the real SDK, and how quickly a
 * record change reaches the app's webhook as a signed, encrypted event. Rate limits are switched off
 * so the figures are the emulator's own cost. Prints figures; asserts nothing.
 * Usage: npm run bench:sandbox [-- --records 10000 --updates 300]
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createFeishuEmulator } from '../src/sandbox/feishu/emulator.js';
import { getBitable } from '../src/sandbox/feishu/bitable/module.js';
import { ALL_MODULES } from '../src/sandbox/feishu/modules.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' }, updates: { type: 'string', default: '300' } } });
const RECORDS = Number(values.records);
const UPDATES = Number(values.updates);
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// the app's webhook: acknowledges at once and notes when each event arrived
const arrivals = new Map<string, number>();
const hook = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const now = performance.now();
    const cipher = new lark.AESCipher('bench-encrypt-key');
    const evt = JSON.parse(cipher.decrypt(JSON.parse(body).encrypt)) as { event: { action_list: Array<{ after_value: Array<{ field_value: string }> }> } };
    for (const a of evt.event.action_list) for (const v of a.after_value) arrivals.set(v.field_value, now);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/feishu/events`;

const emu = createFeishuEmulator({ modules: ALL_MODULES });
emu.kernel.rates.setEnabled(false);
const app = emu.kernel.apps.add({ encrypt_key: 'bench-encrypt-key', event_url: hookUrl });
const running = await emu.listen(0);
const base = getBitable(emu.kernel).createBase({
  name: 'bench',
  tables: [
    {
      name: '线索',
      key: 'leads',
      fields: [
        { field_name: '公司名称', type: 1 },
        { field_name: '评分', type: 2 },
        { field_name: '阶段', type: 3 },
      ],
    },
  ],
});
const table = base.tables[0]!.table_id;
const path = { app_token: base.app_token, table_id: table };
const client = new lark.Client({ appId: app.app_id, appSecret: app.app_secret, domain: running.url, loggerLevel: lark.LoggerLevel.error });

// 1. bulk import: batch_create in 500-row calls, one at a time (one writer per table)
let t = performance.now();
const ids: string[] = [];
for (let i = 0; i < RECORDS; i += 500) {
  const n = Math.min(500, RECORDS - i);
  const r = await client.bitable.v1.appTableRecord.batchCreate({ path, data: { records: Array.from({ length: n }, (_, k) => ({ fields: { 公司名称: `公司${i + k}`, 评分: (i + k) % 100, 阶段: 'MQL' } })) } });
  if (r.code !== 0) throw new Error(`batch_create failed: ${r.code} ${r.msg}`);
  ids.push(...r.data!.records!.map((x) => x.record_id!));
}
const importMs = performance.now() - t;

// 2. reconcile: page through everything with search, 500 per page
t = performance.now();
let seen = 0;
let pageToken: string | undefined;
do {
  const r = await client.bitable.v1.appTableRecord.search({
    path,
    params: { page_size: 500, ...(pageToken ? { page_token: pageToken } : {}) },
    data: { filter: { conjunction: 'and', conditions: [{ field_name: '阶段', operator: 'is', value: ['MQL'] }] } },
  });
  if (r.code !== 0) throw new Error(`search failed: ${r.code}`);
  seen += r.data!.items!.length;
  pageToken = r.data!.has_more ? r.data!.page_token : undefined;
} while (pageToken);
const searchMs = performance.now() - t;

// 3. single updates after subscribing: SDK latency, and update → signed event at the webhook
await client.drive.v1.file.subscribe({ path: { file_token: base.app_token }, params: { file_type: 'bitable' } });
const callMs: number[] = [];
const sentAt = new Map<string, number>();
for (let i = 0; i < UPDATES; i++) {
  const s = performance.now();
  sentAt.set(String(1000 + i), s);
  const r = await client.bitable.v1.appTableRecord.update({ path: { ...path, record_id: ids[i % ids.length]! }, data: { fields: { 评分: 1000 + i } } });
  if (r.code !== 0) throw new Error(`update failed: ${r.code}`);
  callMs.push(performance.now() - s);
}
const deadline = performance.now() + 10_000;
while (performance.now() < deadline && [...sentAt.keys()].some((k) => !arrivals.has(k))) await new Promise((r) => setTimeout(r, 20));
const eventMs = [...sentAt].filter(([k]) => arrivals.has(k)).map(([k, s]) => arrivals.get(k)! - s);

await running.close();
hook.close();
const mem = process.memoryUsage();
console.log(`bench:sandbox  records=${RECORDS} updates=${UPDATES}  (real SDK over HTTP on 127.0.0.1, rate limits off)`);
console.log(`  batch_create import      ${importMs.toFixed(0)} ms  (${((RECORDS / importMs) * 1000).toFixed(0)} records/s, 500 per call)`);
console.log(`  search all pages         ${searchMs.toFixed(0)} ms  (${seen} records, ${Math.ceil(seen / 500)} pages)`);
console.log(`  update call latency ms   p50 ${pct(callMs, 50).toFixed(2)}  p99 ${pct(callMs, 99).toFixed(2)}`);
console.log(`  update → event at hook   p50 ${pct(eventMs, 50).toFixed(2)} ms  p99 ${pct(eventMs, 99).toFixed(2)} ms  (${eventMs.length}/${UPDATES} delivered, signed + AES)`);
console.log(`  rss ${(mem.rss / 1048576).toFixed(0)} MiB, heap ${(mem.heapUsed / 1048576).toFixed(0)} MiB`);
process.exit(0);
