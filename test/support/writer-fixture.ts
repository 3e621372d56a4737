import { createBitableApi, type BitableApi } from '../../src/bitable/api.js';
import { bitableCellEncoder } from '../../src/bitable/field-map.js';
import { provision } from '../../src/bitable/provision.js';
import { createBitableWriter, type WriterDeps, type WriterOptions } from '../../src/bitable/writer.js';
import { createRateGate } from '../../src/bitable/rate-gate.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { bitableTarget } from '../../src/store/bitable-outbox-repo.js';
import { openDb } from '../../src/store/db.js';
import { createStore, type Store } from '../../src/store/store.js';
import { TEST_STORE, type TestStore, testStore } from './test-store.js';
import { startEmulator, type StartedEmulator } from './feishu-emulator.js';
import { tempDbPath } from './temp-db.js';
import { captureLog } from './log-capture.js';

/**
 * A sandbox with the product's Base provisioned through the product's own code, a fresh SQLite store,
 * and a factory for the Bitable writer, all talking to the emulator through the real SDK over HTTP.
 */
export interface WriterFixture {
  emu: StartedEmulator;
  api: BitableApi;
  appToken: string;
  leadsTableId: string;
  target: string;
  store: TestStore;
  dbPath: string;
  /** every log line the writers wrote (JSON objects) */
  logs: Array<{ level: string; msg: string; [k: string]: unknown }>;
  /** `lease`: as an instance among several sharing the store (its leases, its holder name) */
  writer(options?: Partial<WriterOptions>, timeoutMs?: number, lease?: WriterDeps['lease']): ReturnType<typeof createBitableWriter>;
  /** the leads table's rows as the emulator holds them: 线索编号 → count */
  leadKeysInBitable(): Map<string, number>;
  close(): Promise<void>;
}

export const FAST_BACKOFF = { baseMs: 20, capMs: 400 };

export async function startWriterFixture(o: { rates?: boolean } = {}): Promise<WriterFixture> {
  // The store first: opening PGlite takes seconds, and an HTTP connection left idle that long by
  // provisioning is closed by the server (the next call would meet ECONNRESET and be retried).
  const db = tempDbPath();
  // the SQLite file is what writer-crash's child process opens; on PostgreSQL the test file's database
  const store: TestStore = TEST_STORE === 'sqlite' ? createStore(openDb(db.path)) : await testStore();
  const emu = await startEmulator({ modules: [bitableModule, eventsModule] });
  emu.emu.kernel.rates.setEnabled(o.rates ?? true);
  const creds = { domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) };
  const api = createBitableApi(createFeishuClient(creds));
  const template = loadBaseTemplate();
  const res = await provision(api, template);
  const appToken = res.appToken!;
  const leadsTableId = res.tables.get('线索')!;
  const logs: WriterFixture['logs'] = [];
  const log = createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        logs.push(JSON.parse(line));
        captureLog('writer-fixture', line);
      },
    },
  });
  return {
    emu,
    api,
    appToken,
    leadsTableId,
    target: bitableTarget(appToken, leadsTableId),
    store,
    dbPath: db.path,
    logs,
    writer(options = {}, timeoutMs = 10_000, lease = undefined) {
      const wapi = createBitableApi(createFeishuClient({ ...creds, timeoutMs }));
      return createBitableWriter({
        store,
        api: wapi,
        gate: createRateGate({ perSecond: 45, perMinute: 900 }),
        clock: systemClock,
        log,
        options: { backoff: FAST_BACKOFF, pollMs: 50, ...options },
        encode: bitableCellEncoder(template),
        ...(lease ? { lease } : {}),
      });
    },
    leadKeysInBitable() {
      const table = getBitable(emu.emu.kernel).state.table(appToken, leadsTableId);
      const keyField = table.fields.find((f) => f.field_name === '线索编号')!.field_id;
      const out = new Map<string, number>();
      for (const r of table.records.values()) {
        const k = String(r.cells.get(keyField) ?? '');
        out.set(k, (out.get(k) ?? 0) + 1);
      }
      return out;
    },
    async close() {
      await store.close();
      await emu.stop();
      db.remove();
    },
  };
}

/** Queue `n` new leads (lead row + create row in one transaction, as a use case would). */
export async function queueLeads(store: Store, target: string, n: number, opts: { from?: number; prefix?: string; fields?: (i: number) => Record<string, unknown> } = {}): Promise<string[]> {
  const keys: string[] = [];
  const now = new Date();
  await store.transaction(async () => {
    for (let i = opts.from ?? 1; i < (opts.from ?? 1) + n; i++) {
      const key = `${opts.prefix ?? 'L'}-${String(i).padStart(5, '0')}`;
      keys.push(key);
      if (await store.leads.getByKey(key)) continue;
      await store.leads.insert({ leadKey: key, journeyId: 'default', facts: {}, now });
      await store.tableWrites.enqueueCreate(target, { leadKey: key, fields: { 公司名称: `公司 ${i}`, 线索编号: key, 阶段: '线索', ...opts.fields?.(i) } }, `create:${key}`, now);
    }
  });
  return keys;
}
