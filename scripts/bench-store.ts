/**
 * Store benchmark, SQLite and PostgreSQL side by side: lead decisions per second with the production
 * durability settings (SQLite: WAL, synchronous=FULL; PostgreSQL: fsync and synchronous_commit on),
 * history reads and outbox claims. PostgreSQL is the server BENCH_POSTGRES_URL names, else a throwaway
 * cluster from Debian's binaries when installed (else only SQLite runs). Prints figures; asserts nothing.
 * Usage: npm run bench:store [-- --decisions 3000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/store/db.js';
import { createPostgresStore, createStore, type Store } from '../src/store/store.js';
import { createDatabase, type PostgresServer, startPostgres } from '../test/support/postgres-server.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '3000' } } });
const N = Number(values.decisions);

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function workload(store: Store) {
  // 1. one decision = one transaction: inbox id, lead row, history entry, stage CAS, outbox row
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
  return {
    'decision commits/s': (N / secs).toFixed(0),
    'decision p50 ms': pct(lat, 50).toFixed(3),
    'decision p99 ms': pct(lat, 99).toFixed(3),
    'history read µs/lead': readUs.toFixed(1),
    'outbox claim rows/s': `${((claimed / claimMs) * 1000).toFixed(0)} (${claimed})`,
  };
}

const results: Array<[string, Record<string, string>]> = [];
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-'));
try {
  const sqlite = createStore(openDb(join(dir, 'bench.db')));
  results.push([`SQLite (WAL, synchronous=FULL, ${tmpdir()})`, await workload(sqlite)]);
  await sqlite.close();

  let server: PostgresServer | undefined;
  let url = process.env.BENCH_POSTGRES_URL;
  if (!url) {
    server = await startPostgres({ durable: true });
    url = server?.url;
  }
  if (url) {
    try {
      const postgres = await createPostgresStore(await createDatabase(url, 'lj_bench'));
      results.push([`PostgreSQL (${server ? 'local throwaway cluster, fsync on' : 'BENCH_POSTGRES_URL'}, loopback)`, await workload(postgres)]);
      await postgres.close();
    } finally {
      server?.stop();
    }
  } else results.push(['PostgreSQL: skipped (no BENCH_POSTGRES_URL, no server binaries)', {}]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`bench:store  decisions=${N}`);
const metrics = [...new Set(results.flatMap(([, r]) => Object.keys(r)))];
const width = Math.max(...metrics.map((m) => m.length)) + 2;
for (const [i, [label]] of results.entries()) console.log(`  ${i + 1}. ${label}`);
console.log(`  ${''.padEnd(width)}${results.map((_, i) => `${i + 1}.`.padStart(18)).join('')}`);
for (const m of metrics) console.log(`  ${m.padEnd(width)}${results.map(([, r]) => (r[m] ?? '-').padStart(18)).join('')}`);
