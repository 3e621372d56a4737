/**
 * npm run bench:server [-- --leads 100000 --settle 20]
 *
 * The server as it runs against a real Feishu app (not the sandbox: no emulator in its process), on a
 * database of `--leads` made-up leads with about ten stage entries each, whose rows are in the Base
 * (an emulator in this process plays Feishu, over loopback). Measured: how long a cold start takes (the
 * process spawned → the HTTP server answering), and its resident memory when it listens, at its peak and
 * after `--settle` seconds of running — the start's background work included: the whole Base read back
 * (reconciliation at start), the rule tables read, every lead's nurture and decay planned, 保护期
 * refreshed. The first start on a new store also adds contact keys to every lead once (an upgrade
 * step): timed apart; the cold start is the second. An empty database and Base, for comparison.
 * Each the way it is run in production (`npm run build`, then `npm run start:prod`: node on dist/) and
 * the way `npm start` runs it (tsx compiling TypeScript as it loads).
 * Targets: cold start ≤ 2 s and RSS ≤ 250 MB with 100,000 leads. Prints figures; asserts nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { createBitableApi } from '../src/bitable/api.js';
import { provision } from '../src/bitable/provision.js';
import { createFeishuClient } from '../src/feishu/sdk-client.js';
import { Secret } from '../src/lib/secret.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { loadJourney } from '../src/rules/load-journey.js';
import { demoHistory } from '../src/sandbox/demo-history.js';
import { bitableModule, getBitable } from '../src/sandbox/feishu/bitable/module.js';
import { fieldByName, type RecordRow } from '../src/sandbox/feishu/bitable/state.js';
import { createFeishuEmulator } from '../src/sandbox/feishu/emulator.js';
import { eventsModule } from '../src/sandbox/feishu/events/module.js';
import { imModule } from '../src/sandbox/feishu/im/module.js';
import { storeDemoHistory } from '../src/sandbox/store-demo-history.js';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '100000' }, settle: { type: 'string', default: '20' } } });
const LEADS = Number(values.leads);
const SETTLE_MS = Number(values.settle) * 1000;
const ROOT = resolve(import.meta.dirname, '..');
const STOP_BOUND_MS = 15_000;
const mb = (b: number) => `${(b / 1_048_576).toFixed(0)} MB`;
const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

interface Run {
  /** how long each part of the stop took (the server's 'stopped' log line) */
  stopParts: Record<string, number>;
  startMs: number;
  atListen: number;
  peak: number;
  end: number;
  stopMs: number;
}

/** Spawn the server on `db`, time it to "listening", sample its RSS while it settles, stop it. */
/** `npm run start:prod` (the build in dist/) or `npm start` (tsx) */
const COMMANDS = { built: ['--enable-source-maps', 'dist/src/main.js'], tsx: ['--import', 'tsx', 'src/main.ts'] } as const;

function run(db: string, feishu: Record<string, string>, how: keyof typeof COMMANDS): Promise<Run> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...COMMANDS[how]], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: db, LOG_LEVEL: 'info', ...feishu },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let startMs = 0;
    let atListen = 0;
    let peak = 0;
    let last = 0;
    let err = '';
    const sampler = setInterval(() => {
      try {
        last = rssOf(child.pid!);
        peak = Math.max(peak, last);
      } catch {
        // exited
      }
    }, 100);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!startMs && err.includes('服务 Server:')) {
        startMs = performance.now() - t0;
        atListen = rssOf(child.pid!);
        setTimeout(() => {
          const s0 = performance.now();
          child.once('exit', () => {
            clearInterval(sampler);
            res({ startMs, atListen, peak, end: last, stopMs: performance.now() - s0, stopParts });
          });
          child.kill('SIGTERM');
        }, SETTLE_MS);
      }
    });
    let out = '';
    let stopParts: Record<string, number> = {};
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        if (l.includes('"msg":"stopped"')) stopParts = (JSON.parse(l) as { ms: Record<string, number> }).ms;
        if (l.includes('shutdown did not finish')) stopParts = { [`${String((JSON.parse(l) as { waitingFor?: string }).waitingFor)} (not finished)`]: STOP_BOUND_MS };
      }
    });
    child.once('exit', (code) => {
      if (!startMs) {
        clearInterval(sampler);
        rej(new Error(`the server exited (${code}) before it listened:\n${err.slice(-2000)}`));
      }
    });
  });
}

const DAY = 86_400_000;
const NOW = new Date();
const journey = loadJourney('default');
const template = loadBaseTemplate();
const emulator = createFeishuEmulator({ modules: [bitableModule, eventsModule, imModule] });
const app = emulator.kernel.apps.add();
const running = await emulator.listen(0);
const api = createBitableApi(createFeishuClient({ domain: running.url, appId: app.app_id, appSecret: new Secret(app.app_secret) }));

/** A Base with `n` lead rows in it (put straight into the emulator), and a database holding those leads. */
async function world(dir: string, name: string, n: number) {
  const base = await provision(api, template);
  const appToken = base.appToken!;
  const tableId = base.tables.get('线索')!;
  const table = getBitable(emulator.kernel).state.table(appToken, tableId);
  const id = (field: string) => fieldByName(table, field)!.field_id;
  const [company, contact, phone, key, stage] = ['公司名称', '联系人', '电话', '线索编号', '阶段'].map(id) as [string, string, string, string, string];
  const leads = demoHistory({ seed: 7, count: n, from: new Date(NOW.getTime() - 365 * DAY), to: NOW, reps: Array.from({ length: 20 }, (_, i) => `ou_rep${i}`), sdr: 'ou_sdr', cycles: 7 });
  const op = { kind: 'app' as const, appId: app.app_id, openId: 'ou_app' };
  const recordIds = leads.map((l, i) => {
    const recordId = `recBench${String(i).padStart(8, '0')}`;
    const label = journey.stages.find((st) => st.id === l.stage)?.label.zh ?? '线索';
    const row: RecordRow = {
      record_id: recordId,
      cells: new Map<string, string>([
        [company, l.facts.company],
        [contact, l.facts.contact_name],
        [phone, l.facts.phone],
        [key, `XS-${String(i + 1).padStart(6, '0')}`],
        [stage, label],
      ]),
      created_time: l.createdAt.getTime(),
      created_by: op,
      last_modified_time: l.createdAt.getTime(),
      last_modified_by: op,
      seq: ++table.nextSeq,
    };
    table.records.set(recordId, row);
    return recordId;
  });
  const db = join(dir, `${name}.db`);
  const store = createStore(openDb(db));
  const bar = new SingleBar({ format: `  ${name}: writing the store [{bar}] {value}/{total} leads`, hideCursor: true, noTTYOutput: true, notTTYSchedule: 5_000 });
  bar.start(n, 0);
  await storeDemoHistory(store, journey.id, leads, { keyOf: (i) => `XS-${String(i + 1).padStart(6, '0')}`, rowOf: (i) => ({ baseToken: appToken, tableId, recordId: recordIds[i]! }), onProgress: (d) => bar.update(d) });
  bar.stop();
  await store.close();
  const feishu = {
    FEISHU_DOMAIN: running.url,
    FEISHU_APP_ID: app.app_id,
    FEISHU_APP_SECRET: app.app_secret,
    FEISHU_ENCRYPT_KEY: 'bench-server-encrypt-key',
    FEISHU_VERIFICATION_TOKEN: 'bench-server-verification-token',
    FEISHU_BITABLE_APP_TOKEN: appToken,
  };
  return { db, feishu };
}

const dir = mkdtempSync(join(tmpdir(), 'lj-bench-server-'));
try {
  process.stdout.write(`bench:server  making a Base and a store of ${LEADS.toLocaleString('en')} leads…\n`);
  const small = await world(dir, 'empty', 0);
  const large = await world(dir, 'leads', LEADS);
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT, stdio: 'ignore' });
  const rows: Array<[string, Run]> = [];
  const measure = async (label: string, w: { db: string; feishu: Record<string, string> }, how: keyof typeof COMMANDS) => {
    const r = await run(w.db, w.feishu, how);
    rows.push([label, r]);
    return r;
  };
  const n = LEADS.toLocaleString('en');
  // the first start on the store adds the contact keys once; every start after it is a cold start
  await measure(`npm start (tsx), ${n} leads, first start`, large, 'tsx');
  const tsxEmpty = await measure('npm start (tsx), empty', small, 'tsx');
  const tsxCold = await measure(`npm start (tsx), ${n} leads`, large, 'tsx');
  const empty = await measure('start:prod (built), empty', small, 'built');
  const cold = await measure(`start:prod (built), ${n} leads`, large, 'built');
  const line = (label: string, r: Run) =>
    `  ${label.padEnd(44)} ${`${(r.startMs / 1000).toFixed(2)} s`.padStart(8)}   ${mb(r.atListen).padStart(7)}   ${mb(r.peak).padStart(7)}   ${mb(r.end).padStart(7)}   ${`${(r.stopMs / 1000).toFixed(2)} s`.padStart(7)}`;
  console.log(`bench:server — the server against a Feishu app (an emulator in another process, loopback), settle ${SETTLE_MS / 1000} s, ${new Date().toISOString()}`);
  console.log(`  ${''.padEnd(44)} ${'start'.padStart(8)}   ${'RSS@up'.padStart(7)}   ${'peak'.padStart(7)}   ${'settled'.padStart(7)}   ${'stop'.padStart(7)}`);
  for (const [label, r] of rows) {
    console.log(line(label, r));
    const slow = Object.entries(r.stopParts).filter(([, ms]) => ms >= 500);
    if (slow.length) console.log(`      the stop waited for: ${slow.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
  }
  console.log('  targets: cold start ≤ 2 s and RSS ≤ 250 MB with 100,000 leads (the production start: npm run build, npm run start:prod)');
  reportFigure({
    bench: 'server',
    what: `cold start with ${n} leads (start:prod)`,
    value: `${(cold.startMs / 1000).toFixed(2)} s (empty ${(empty.startMs / 1000).toFixed(2)} s; npm start ${(tsxCold.startMs / 1000).toFixed(2)} s)`,
    target: '≤ 2 s',
    met: cold.startMs <= 2000,
  });
  reportFigure({
    bench: 'server',
    what: `server RSS with ${n} leads, peak over ${SETTLE_MS / 1000} s (start:prod)`,
    value: `${mb(cold.peak)} (settled ${mb(cold.end)}; empty ${mb(empty.peak)}; npm start ${mb(tsxCold.peak)}, empty ${mb(tsxEmpty.peak)})`,
    target: '≤ 250 MB',
    met: cold.peak <= 250 * 1_048_576,
  });
} finally {
  await running.close();
  rmSync(dir, { recursive: true, force: true });
}
