import { afterAll, describe, expect, it } from 'vitest';
import { createBitableApi } from '../../src/bitable/api.js';
import { provision } from '../../src/bitable/provision.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { Secret } from '../../src/lib/secret.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { bitableModule } from '../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { getEvents } from '../../src/sandbox/feishu/events/service.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { longConnModule, longConnOf } from '../../src/sandbox/feishu/longconn/module.js';
import { dingTalkModule, dingTalkOf } from '../../src/sandbox/dingtalk/module.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/store.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { runMain, type RunningMain } from '../support/run-main.js';
import { postgresDatabase } from '../support/stores.js';
import { waitUntil } from '../support/webhook-server.js';

/**
 * Several instances on one PostgreSQL, each configured for Feishu's long connection
 * (docs/architecture.md#several-instances): Feishu pushes each event to one of an app's connections,
 * so only the holder of the `feishu-long-connection` lease opens one. When it dies (SIGKILL), another
 * instance opens it once the lease runs out, and events reach the survivor. DingTalk's Stream connection
 * (DINGTALK_* set) is held the same way, under its own lease.
 */
describe('two instances over the long connection (and DingTalk Stream): one socket each, taken over when its holder dies', () => {
  let emu: StartedEmulator;
  let db: Awaited<ReturnType<typeof postgresDatabase>>;
  let store: PostgresStore;
  const running: RunningMain[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => undefined);
    await store?.close();
    await emu?.stop();
    await db?.close();
  });

  it('one connection for the two; after the holder is killed the other connects and receives the events', async () => {
    db = await postgresDatabase();
    emu = await startEmulator({ modules: [bitableModule, eventsModule, imModule, longConnModule, dingTalkModule], app: { event_mode: 'long_connection', callback_mode: 'long_connection' } });
    // and a DingTalk app for the lead group: its Stream connection is held the same way
    const dt = dingTalkOf(emu.emu.kernel);
    const dtApp = dt.org.addApp();
    const dtGroup = dt.org.addGroup({ title: '线索作战群', members: [], robots: [dtApp.robotCode] });
    const gw = longConnOf(emu.emu.kernel);
    Object.assign(gw.settings, { pingIntervalS: 5, reconnectIntervalS: 1, reconnectNonceS: 0 });
    const api = createBitableApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) }));
    const base = await provision(api, loadBaseTemplate());
    store = await createPostgresStore(db.url);
    const env = {
      FEISHU_DOMAIN: emu.url,
      FEISHU_APP_ID: emu.app.app_id,
      FEISHU_APP_SECRET: emu.app.app_secret,
      FEISHU_TRANSPORT: 'long-connection',
      FEISHU_BITABLE_APP_TOKEN: base.appToken!,
      DINGTALK_API_BASE: emu.url,
      DINGTALK_CLIENT_ID: dtApp.appKey,
      DINGTALK_CLIENT_SECRET: dtApp.appSecret,
      DINGTALK_CARD_TEMPLATE_ID: 'lead.schema',
      DINGTALK_CHAT_ID: dtGroup.openConversationId,
      DATABASE_URL: db.url,
      FAILOVER_SECONDS: '3',
      LOG_LEVEL: 'info',
    };
    running.push(...(await Promise.all([runMain(env), runMain(env)])));
    // with a Feishu app configured, `npm start` is the real thing: no sandbox, no demo company
    for (const r of running) {
      expect(r.sandboxUrl).toBeUndefined();
      expect(r.logs.filter((l) => /sandbox/i.test(String(l.msg)))).toEqual([]);
    }
    const open = () => gw.list(emu.app.app_id).filter((c) => c.pings > 0);
    await waitUntil(() => open().length === 1 && dt.stream.list(dtApp.appKey).length === 1, 20_000);
    // both keep trying for the leases; only one of them ever connects to each platform
    await new Promise((r) => setTimeout(r, 3_000));
    expect(open()).toHaveLength(1);
    expect(gw.stats.handshakes).toBe(1);
    expect(dt.stream.list(dtApp.appKey)).toHaveLength(1);
    expect(dt.stream.stats.handshakes).toBe(1);

    const received = async (eventId: string) => (await store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM inbound_events WHERE event_id = ?', [eventId]))!.n;
    const first = getEvents(emu.emu.kernel).emit(emu.app.app_id, 'custom.failover_v1', { n: 1 });
    await waitUntil(async () => (await received(first.event_id)) === 1, 10_000);

    const holder = await store.leases.holder('feishu-long-connection', new Date());
    const victim = running.find((r) => holder?.includes(`:${r.child.pid}:`));
    expect(victim, `no instance holds the connection's lease (${holder})`).toBeDefined();
    const survivor = running.find((r) => r !== victim)!;
    const killedAt = Date.now();
    await victim!.stop('SIGKILL');
    // the emulator sees the socket close; the survivor takes the lease once it runs out (3 s) and connects
    await waitUntil(() => gw.stats.handshakes === 2 && open().length === 1, 20_000);
    const tookMs = Date.now() - killedAt;
    expect(await store.leases.holder('feishu-long-connection', new Date())).toContain(`:${survivor.child.pid}:`);

    const second = getEvents(emu.emu.kernel).emit(emu.app.app_id, 'custom.failover_v1', { n: 2 });
    await waitUntil(async () => (await received(second.event_id)) === 1, 10_000);
    // the DingTalk connection is the survivor's too (taken over if the victim held it), and only one
    await waitUntil(async () => dt.stream.list(dtApp.appKey).length === 1 && (await store.leases.holder('dingtalk-stream', new Date()))?.includes(`:${survivor.child.pid}:`), 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(dt.stream.list(dtApp.appKey)).toHaveLength(1);
    expect(survivor.logs.some((l) => l.msg === 'this instance holds the connection')).toBe(true);
    console.info(`the survivor connected ${tookMs} ms after the holder was killed (FAILOVER_SECONDS=3)`);
  }, 120_000);
});
