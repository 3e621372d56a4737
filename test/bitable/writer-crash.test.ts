import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { ROOT } from '../support/run-main.js';
import { startWriterFixture, type WriterFixture } from '../support/writer-fixture.js';

const N = 10_000;

/** Start the writer process; SIGKILL it after `killAfterMs` (if given); resolve with how it ended. */
function runChild(fx: WriterFixture, killAfterMs?: number): Promise<{ signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bitable/fixtures/sync-child.ts', fx.dbPath, fx.emu.url, fx.emu.app.app_id, fx.emu.app.app_secret, fx.appToken, fx.leadsTableId, String(N)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Count from the moment the leads are queued: the kill lands in the middle of the writing.
      if (killAfterMs !== undefined && out.includes('queued') && !(child as { armed?: boolean }).armed) {
        (child as { armed?: boolean }).armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, out, err }));
  });
}

describe('Bitable writer crash safety', () => {
  let fx: WriterFixture;
  afterAll(async () => fx?.close());

  it('SIGKILLed at random points during a 10,000-lead sync and restarted 5 times: exactly 10,000 rows, no duplicates, SQLite and Bitable agree', async () => {
    fx = await startWriterFixture();
    // A realistic per-call latency (400 ms, so the 20 calls take 8 s): each run below lives at most
    // 1.2 s after queueing, i.e. makes at most 3 calls' progress, so all 5 kills land mid-sync.
    await fx.emu.control('POST', '/faults', { route: 'bitable.record.batch_create', kind: 'delay', ms: 400 });
    await fx.store.close(); // the child processes own the database while they run
    const kills: number[] = [];
    let killed = 0;
    for (let i = 0; i < 5; i++) {
      const at = 100 + Math.floor(Math.random() * 1100);
      kills.push(at);
      const r = await runChild(fx, at);
      if (r.signal === 'SIGKILL') killed++;
    }
    const last = await runChild(fx);
    expect(last.out, last.err).toContain('drained');
    expect(killed, `kill points ${kills.join(', ')} ms`).toBe(5);

    const inBitable = fx.leadKeysInBitable();
    const dupes = [...inBitable].filter(([, n]) => n > 1);
    expect(dupes, `kill points ${kills.join(', ')} ms`).toEqual([]);
    expect(inBitable.size).toBe(N);

    const { openDb } = await import('../../src/store/db.js');
    const { createStore } = await import('../../src/store/store.js');
    const store = createStore(openDb(fx.dbPath));
    try {
      expect(await store.leads.count()).toBe(N);
      expect(await store.tableWrites.counts()).toEqual({ pending: 0, in_flight: 0, done: N, dead: 0 });
      const table = getBitable(fx.emu.emu.kernel).state.table(fx.appToken, fx.leadsTableId);
      const keyField = table.fields.find((f) => f.field_name === '线索编号')!.field_id;
      const rows = store.db.prepare('SELECT lead_key, record_id FROM leads').all() as Array<{ lead_key: string; record_id: string | null }>;
      for (const r of rows) expect(r.record_id && table.records.get(r.record_id)?.cells.get(keyField), r.lead_key).toBe(r.lead_key);
    } finally {
      store.db.close();
      fx.store = createStore(openDb(fx.dbPath)); // for close()
    }
  }, 180_000);
});
