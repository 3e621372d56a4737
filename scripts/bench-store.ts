/**
 * Store benchmark: how many lead decisions per second SQLite commits with the production settings
 * (WAL, synchronous=FULL), and how fast history reads are. Prints figures; asserts nothing.
 * Usage: npm run bench:store [-- --decisions 3000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '3000' } } });
const N = Number(values.decisions);
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-'));
const store = createStore(openDb(join(dir, 'bench.db')));

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// 1. one decision = one IMMEDIATE transaction: lead row, history entry, stage CAS, outbox row, inbox id
const lat: number[] = [];
const t0 = performance.now();
for (let i = 1; i <= N; i++) {
  const s = performance.now();
  const now = new Date(1_770_000_000_000 + i);
  await store.transaction(async () => {
    await store.seenEvents.recordOnce(`evt-${i}`, 'feishu', now);
    const lead = await store.leads.insert({ leadKey: `k-${i}`, journeyId: 'default', facts: { company: `公司${i}`, phone: '13800000000', need: '数据采集' }, now });
    await store.transitions.append(lead.id, { from: null, to: 'lead', at: now, actorId: 'system', reason: null, approvalId: null, entryIndex: 1, kind: 'create' });
    await store.leads.setStage(lead.id, lead.version, 'lead', now);
    await store.messages.enqueue({ kind: 'im.send', target: `oc_chat${i}`, payload: { leadKey: `k-${i}` }, idempotencyKey: `o-${i}`, now });
  });
  lat.push(performance.now() - s);
}
const secs = (performance.now() - t0) / 1000;

// 2. history read for one lead, as every event handler does
const r0 = performance.now();
for (let i = 1; i <= N; i++) await store.transitions.listForLead(i);
const readUs = ((performance.now() - r0) * 1000) / N;

// 3. outbox claim throughput (lease 100 at a time)
const c0 = performance.now();
let claimed = 0;
for (;;) {
  const batch = await store.messages.claim(new Date(1_780_000_000_000), 100, 60_000);
  if (!batch.length) break;
  claimed += batch.length;
}
const claimMs = performance.now() - c0;

await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(`bench:store  decisions=${N}  (WAL, synchronous=FULL, on ${tmpdir()})`);
console.log(`  decision commits/s     ${(N / secs).toFixed(0)}`);
console.log(`  decision latency ms    p50 ${pct(lat, 50).toFixed(3)}  p99 ${pct(lat, 99).toFixed(3)}  max ${Math.max(...lat).toFixed(3)}`);
console.log(`  history read µs/lead   ${readUs.toFixed(1)}`);
console.log(`  outbox claim rows/s    ${((claimed / claimMs) * 1000).toFixed(0)} (${claimed} rows)`);
