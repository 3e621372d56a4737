import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBitableApi } from '../../src/bitable/api.js';
import { provision } from '../../src/bitable/provision.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { Secret } from '../../src/lib/secret.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { fieldByName } from '../../src/sandbox/feishu/bitable/state.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { startEmulator } from './feishu-emulator.js';
import { cellText } from './sandbox-main.js';

/**
 * A Feishu app in the test's own process (the emulator: Bitable, events, IM) with a provisioned Base and
 * a 线索作战群, and the environment that points `npm start` at it with a SQLite file in `dir`: the Base
 * outlives any server the test kills. `sql` reads the server's database (read-only); `rows` and
 * `keysOfRows` read the Base as Feishu holds it.
 */
export async function feishuAppWorld(dir: string, name: string) {
  const emu = await startEmulator({ modules: [bitableModule, eventsModule, imModule] });
  const api = createBitableApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) }));
  const base = await provision(api, loadBaseTemplate());
  const appToken = base.appToken!;
  const tableId = base.tables.get('线索')!;
  const people = emu.emu.kernel.directory;
  const chatId = people.addChat({ name: '线索作战群', members: [people.addUser({ name: '李雷' }).open_id], bots: [emu.app.app_id] }).chat_id;
  const dbPath = join(dir, `${name}.db`);
  const env = {
    FEISHU_DOMAIN: emu.url,
    FEISHU_APP_ID: emu.app.app_id,
    FEISHU_APP_SECRET: emu.app.app_secret,
    FEISHU_ENCRYPT_KEY: `${name}-encrypt-key`,
    FEISHU_VERIFICATION_TOKEN: `${name}-verification-token`,
    FEISHU_BITABLE_APP_TOKEN: appToken,
    FEISHU_CHAT_ID: chatId,
    DATABASE_PATH: dbPath,
    RECONCILE_INTERVAL_SECONDS: '5',
    // a killed server's leases (the table's writer, a batch on the wire) are taken over after 3 s
    FAILOVER_SECONDS: '3',
  };
  const table = () => getBitable(emu.emu.kernel).state.table(appToken, tableId);
  const sql = <T>(q: string) => {
    const d = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return d.prepare(q).all() as T[];
    } finally {
      d.close();
    }
  };
  return {
    emu,
    env,
    dbPath,
    chatId,
    table,
    sql,
    rows: () => table().records.size,
    /** each row's 线索编号, by record id */
    keysOfRows: () => {
      const keyField = fieldByName(table(), '线索编号')!.field_id;
      return new Map([...table().records.values()].map((r) => [r.record_id, cellText(r.cells.get(keyField))]));
    },
    /** Bitable writes still to go, and given up */
    writes: () => sql<{ waiting: number; dead: number }>("SELECT COALESCE(SUM(status IN ('pending', 'in_flight')), 0) AS waiting, COALESCE(SUM(status = 'dead'), 0) AS dead FROM outbox WHERE kind LIKE 'bitable.%'")[0]!,
    /** the imported leads (`npm run import` of test/support/import-files.ts rows) */
    imported: () => sql<{ lead_key: string; record_id: string | null; phone_key: string }>("SELECT lead_key, record_id, phone_key FROM leads WHERE facts_json LIKE '%导入公司%'"),
  };
}
