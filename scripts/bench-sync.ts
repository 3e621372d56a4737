/**
 * npm run bench:sync [-- --leads 10000 --latency 300 --naive-sample 100 --store sqlite|postgres]
 *
 * The Bitable writer against the embedded emulator with the documented rate limits on and a fixed
 * per-call latency on every record write: queue N new leads, write them all, and print calls by
 * endpoint, wall time, the floor (write calls × latency) and the ratio to a writer that makes one call
 * per record (measured on a sample, extrapolated). The store is SQLite in memory, or with `--store
 * postgres` a database on BENCH_POSTGRES_URL or on a local throwaway cluster (fsync on). Prints
 * figures; asserts nothing.
 */
import { parseArgs } from 'node:util';
import { createBitableApi } from '../src/bitable/api.js';
import { provision } from '../src/bitable/provision.js';
import { createBitableWriter } from '../src/bitable/writer.js';
import { createRateGate } from '../src/bitable/rate-gate.js';
import { createFeishuClient } from '../src/feishu/sdk-client.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { Secret } from '../src/lib/secret.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { createFeishuEmulator } from '../src/sandbox/feishu/emulator.js';
import { getBitable } from '../src/sandbox/feishu/bitable/module.js';
import { ALL_MODULES } from '../src/sandbox/feishu/modules.js';
import { bitableTarget } from '../src/store/bitable-outbox-repo.js';
import { openDb } from '../src/store/db.js';
import { createPostgresStore, createStore } from '../src/store/store.js';
import { createDatabase, type PostgresServer, startPostgres } from '../test/support/postgres-server.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '10000' }, latency: { type: 'string', default: '300' }, 'naive-sample': { type: 'string', default: '100' }, store: { type: 'string', default: 'sqlite' } } });
const N = Number(values.leads);
const LATENCY = Number(values.latency);
const SAMPLE = Number(values['naive-sample']);

const emu = createFeishuEmulator({ modules: ALL_MODULES });
const app = emu.kernel.apps.add({ name: 'bench' });
const running = await emu.listen(0);
const api = createBitableApi(createFeishuClient({ domain: running.url, appId: app.app_id, appSecret: new Secret(app.app_secret) }));
const prov = await provision(api, loadBaseTemplate());
const appToken = prov.appToken!;
const tableId = prov.tables.get('线索')!;
const target = bitableTarget(appToken, tableId);
for (const route of ['bitable.record.batch_create', 'bitable.record.batch_update', 'bitable.record.create', 'bitable.record.update']) {
  await fetch(`${running.url}/__control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route, kind: 'delay', ms: LATENCY }) });
}

const onPostgres = values.store === 'postgres';
const server: PostgresServer | undefined = onPostgres && !process.env.BENCH_POSTGRES_URL ? await startPostgres({ durable: true }) : undefined;
const pgUrl = process.env.BENCH_POSTGRES_URL ?? server?.url;
if (onPostgres && !pgUrl) throw new Error('--store postgres needs BENCH_POSTGRES_URL or PostgreSQL server binaries (apt-get install postgresql)');
const store = onPostgres ? await createPostgresStore(await createDatabase(pgUrl!, 'lj_bench_sync')) : createStore(openDb(':memory:'));
const engine = onPostgres ? `PostgreSQL (${server ? 'local throwaway cluster, fsync on' : 'BENCH_POSTGRES_URL'}, loopback)` : 'SQLite (in memory)';
const now = new Date();
const tq = performance.now();
await store.transaction(async () => {
  for (let i = 1; i <= N; i++) {
    const key = `B-${String(i).padStart(6, '0')}`;
    await store.leads.insert({ leadKey: key, journeyId: 'default', facts: {}, now });
    await store.tableWrites.enqueueCreate(target, { leadKey: key, fields: { 公司名称: `基准公司 ${i}`, 线索编号: key, 阶段: '线索', 来源渠道: '官网咨询' } }, `c:${key}`, now);
  }
});
const queueMs = performance.now() - tq;
emu.kernel.calls.clear();
const writer = createBitableWriter({ store, api, gate: createRateGate({ perSecond: 45, perMinute: 900 }), clock: systemClock, log: createLogger({ level: 'warn' }) });
const t0 = performance.now();
const stats = await writer.drain();
const wall = performance.now() - t0;
const calls = Object.fromEntries([...emu.kernel.calls].sort());
const writeCalls = stats.calls.batch_create + stats.calls.batch_update;
const floor = writeCalls * LATENCY;
const rows = getBitable(emu.kernel).state.table(appToken, tableId).records.size;

// One call per record, one in flight per table (the lock, docs/platform/feishu.md §2.7), same latency: measured on a sample.
const naiveTable = (await api.createTable(appToken, { name: '逐条写入对照', fields: [{ field_name: '公司名称', type: 1 }] })).tableId;
const gate = createRateGate({ perSecond: 45, perMinute: 900 });
const tn = performance.now();
for (let i = 0; i < SAMPLE; i++) {
  await gate.acquire();
  await getBitableCreate(i);
}
const naivePerRecord = (performance.now() - tn) / SAMPLE;
async function getBitableCreate(i: number) {
  const client = createFeishuClient({ domain: running.url, appId: app.app_id, appSecret: new Secret(app.app_secret) });
  await client.bitable.v1.appTableRecord.create({ path: { app_token: appToken, table_id: naiveTable }, data: { fields: { 公司名称: `逐条 ${i}` } } });
}
const naiveWall = naivePerRecord * N;
// Feishu's write budget alone (1,000/min) puts a floor under the naive writer too.
const naiveBudget = (N / 1000) * 60_000;

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`bench:sync — ${N} new leads → the 线索 table of a sandbox Base (rate limits on, ${LATENCY} ms per record-write call)`);
console.log(`  store: ${engine}\n  queued (lead + outbox row, one transaction): ${queueMs.toFixed(0)} ms`);
console.log(`  calls by endpoint: ${JSON.stringify(calls)}`);
console.log(`  write calls: ${writeCalls} (batch_create ${stats.calls.batch_create}, batch_update ${stats.calls.batch_update}); rows in the Base: ${rows}; retries ${stats.retries}, rate-limited ${stats.rateLimited}, dead ${stats.dead}`);
console.log(`  wall time: ${s(wall)}; floor (write calls × latency): ${s(floor)}; wall / floor = ${(wall / floor).toFixed(3)} (target ≤ 1.2)`);
console.log(`  one call per record: ${naivePerRecord.toFixed(1)} ms a record on ${SAMPLE} → ${s(naiveWall)} for ${N} (and ≥ ${s(naiveBudget)} under the 1,000/min budget)`);
reportFigure({
  bench: 'sync',
  what: `${N.toLocaleString('en')}-lead sync to the Bitable (${LATENCY} ms a call)`,
  value: `${writeCalls} write calls (${(N / writeCalls).toFixed(0)} records each), ${s(wall)} = ${(wall / floor).toFixed(2)} × the floor; ${(Math.max(naiveWall, naiveBudget) / wall).toFixed(0)}× faster than a call per record`,
  target: 'wall ≤ 1.2 × floor',
  met: wall / floor <= 1.2 && stats.dead === 0,
});
console.log(`  batched writer is ${(Math.max(naiveWall, naiveBudget) / wall).toFixed(0)}× faster, with ${(N / writeCalls).toFixed(0)}× fewer calls`);
await running.close();
await store.close();
server?.stop();
