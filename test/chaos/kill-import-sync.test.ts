import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StartedEmulator } from '../support/feishu-emulator.js';
import { feishuAppWorld } from '../support/feishu-app-world.js';
import { writeLeadsCsv } from '../support/import-files.js';
import { ROOT, runMain, type RunningMain } from '../support/run-main.js';
import { waitUntil } from '../support/webhook-server.js';

const N = 4_000;

/**
 * Issue 22 item 8 — SIGKILL during an import and during a sync, repeated. `npm start` against a Feishu
 * app (the emulator in this process, so the Base outlives the server) takes `npm run import` of 4,000
 * rows; the server is killed twice while the import runs (the import fails with it and is run again,
 * as an operator would; Feishu answers 429 meanwhile, so the rows wait) and twice while the Bitable
 * writer is creating the rows (each batch_create held 1 s: a kill lands with a call on the wire that
 * Feishu completes anyway, and the next server must not create those rows again). In the end: exactly
 * 4,000 leads, 4,000 rows in the Base, each lead on its own row carrying its 线索编号, nothing left to
 * write and nothing given up.
 */
describe('SIGKILL during an import and during a sync, repeated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lj-chaos-kill-'));
  let emu: StartedEmulator;
  let server: RunningMain | undefined;
  let importer: ChildProcess | undefined;
  afterAll(async () => {
    importer?.kill('SIGKILL');
    await server?.stop('SIGKILL');
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends with exactly the imported leads, each on one row of the Base', async () => {
    const w = await feishuAppWorld(dir, 'chaos-kill');
    emu = w.emu;
    const { env, dbPath, rows, sql } = w;
    const csv = join(dir, 'leads.csv');
    writeLeadsCsv(csv, N);
    // while the import runs, Feishu answers every batch_create 429 (reset in 2 s): the rows wait
    await emu.control('POST', '/faults', { route: 'bitable.record.batch_create', kind: 'rate_limit', resetSeconds: 2 });

    const leads = () => sql<{ n: number }>("SELECT COUNT(*) AS n FROM leads WHERE facts_json LIKE '%导入公司%'")[0]!.n;
    const startImport = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', csv, '--server', server!.url], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: dbPath }, stdio: 'ignore' });
      importer = child;
      return new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    };
    const killServer = async () => {
      await server!.stop('SIGKILL');
      server = undefined;
    };
    const kills: string[] = [];
    const t0 = Date.now();
    const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what} leads=${leads()} rows=${rows()}`);

    // twice during the import: the import fails with the server and is run again on the next one
    for (const share of [0.25, 0.55]) {
      server = await runMain(env);
      const exited = startImport();
      await waitUntil(() => leads() >= N * share || undefined, 120_000, `${share * 100}% imported`);
      mark('kill import');
      kills.push(`import at ${leads()} leads, ${rows()} rows`);
      await killServer();
      importer!.kill('SIGKILL'); // it would wait for its server a while; the operator runs it again
      await exited;
    }
    server = await runMain(env);
    expect(await startImport(), 'the import run to its end').toBe(0);
    expect(leads()).toBe(N);
    mark('imported');
    expect(rows(), 'rows written while Feishu said 429').toBe(0);

    // twice during the sync: each batch_create now held 1 s, and the server killed once a batch is in
    await emu.control('DELETE', '/faults');
    await emu.control('POST', '/faults', { route: 'bitable.record.batch_create', kind: 'delay', ms: 1_000 });
    /** batch_create calls Feishu has taken (the delay rule sees each as it arrives) */
    const started = () => emu.emu.kernel.faults.list().find((f) => f.kind === 'delay')!.used;
    /** rows created by a call its server did not live to see answered */
    const landedAfterKill: number[] = [];
    for (const step of [1, 2]) {
      const before = started();
      await waitUntil(() => (started() > before ? true : undefined), 120_000, `sync step ${step}: a call on the wire`);
      await new Promise((r) => setTimeout(r, 200)); // inside the call's 1 s at Feishu
      mark('kill sync');
      const atKill = rows();
      kills.push(`sync at ${atKill} rows`);
      expect(atKill).toBeLessThan(N);
      await killServer();
      await new Promise((r) => setTimeout(r, 1_500)); // Feishu completes what it was given
      landedAfterKill.push(rows() - atKill);
      server = await runMain(env);
    }
    expect(Math.max(...landedAfterKill), 'no kill caught a write on the wire').toBeGreaterThan(0);

    const settled = () => {
      const w8 = w.writes();
      return rows() >= N && w8.waiting === 0 ? w8 : undefined;
    };
    const last = await waitUntil(settled, 180_000, 'every row written');
    mark('settled');
    expect(kills).toHaveLength(4);
    expect(last.dead, 'writes given up').toBe(0);

    // exactly the imported leads, each on its own row with its key, no row twice
    const ours = w.imported();
    expect(ours).toHaveLength(N);
    expect(new Set(ours.map((l) => l.phone_key)).size).toBe(N);
    expect(rows()).toBe(N);
    const keyOfRow = w.keysOfRows();
    expect(new Set(keyOfRow.values()).size, 'a 线索编号 on two rows').toBe(N);
    for (const l of ours) expect(keyOfRow.get(l.record_id ?? ''), `${l.lead_key}'s row`).toBe(l.lead_key);
    const check = sql<{ integrity_check: string }>('PRAGMA integrity_check')[0]!;
    expect(check.integrity_check).toBe('ok');
  }, 480_000);
});
