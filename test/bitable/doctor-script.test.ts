import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { longConnModule, longConnOf } from '../../src/sandbox/feishu/longconn/module.js';
import { openDb } from '../../src/store/db.js';
import { createStore } from '../../src/store/store.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { dingTalkModule, dingTalkOf } from '../../src/sandbox/dingtalk/module.js';
import { runScript } from '../support/run-script.js';
import { tempDbPath } from '../support/temp-db.js';

/** `npm run doctor` against the sandbox: a healthy Base, then one a person broke by hand. */
describe('npm run doctor', () => {
  let emu: StartedEmulator;
  let env: Record<string, string>;
  const db = tempDbPath();

  beforeAll(async () => {
    emu = await startEmulator({ modules: [bitableModule, eventsModule, imModule, longConnModule, dingTalkModule] });
    const chat = emu.emu.kernel.directory.addChat({ name: '线索作战群', members: [], bots: [emu.app.app_id] });
    const management = emu.emu.kernel.directory.addChat({ name: '管理层周报群', members: [], bots: [emu.app.app_id] });
    env = { FEISHU_DOMAIN: emu.url, FEISHU_APP_ID: emu.app.app_id, FEISHU_APP_SECRET: emu.app.app_secret, DATABASE_PATH: db.path, FEISHU_CHAT_ID: chat.chat_id, FEISHU_DIGEST_CHAT_ID: management.chat_id };
    const p = await runScript('provision', env);
    expect(p.code, p.stderr).toBe(0);
    env.FEISHU_BITABLE_APP_TOKEN = /FEISHU_BITABLE_APP_TOKEN=([A-Za-z0-9]+)/.exec(p.stdout)![1]!;
  });
  afterAll(async () => {
    await emu?.stop();
    db.remove();
  });

  it('a freshly provisioned Base passes every check (exit 0)', async () => {
    const r = await runScript('doctor', env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ 应用凭证有效');
    expect(r.stdout).toContain('✓ 表结构与模板一致');
    expect(r.stdout).toContain('✓ 已订阅记录变更事件');
    expect(r.stdout).toContain('✓ 卡片发往群「线索作战群」，机器人在群内');
    expect(r.stdout).toContain('✓ 线索周报发往群「管理层周报群」，机器人在群内');
    expect(r.stdout).not.toContain('✗');
  });

  it('finds a field deleted by hand, a missing option, a retyped field, a lost subscription and dead letters, each with a fix (exit 1)', async () => {
    const base = getBitable(emu.emu.kernel).state.base(env.FEISHU_BITABLE_APP_TOKEN!);
    const leads = [...base.tables.values()].find((t) => t.name === '线索')!;
    leads.fields = leads.fields.filter((f) => f.field_name !== '线索评分');
    const stage = leads.fields.find((f) => f.field_name === '阶段')!;
    stage.property!.options = stage.property!.options!.filter((o) => o.name !== '输单');
    leads.fields.find((f) => f.field_name === '电话')!.type = 1;
    await emu.client.drive.v1.file.deleteSubscribe({ path: { file_token: base.app_token }, params: { file_type: 'bitable' } });
    const store = createStore(openDb(db.path));
    await store.tableWrites.enqueueUpdate('app/tbl', { recordId: 'recX', fields: { 跟进时间: 'soon' } }, 'k1', new Date());
    const { id } = store.db.prepare("SELECT id FROM outbox WHERE idempotency_key = 'k1'").get() as { id: number };
    await store.tableWrites.rowDead(id, 'code 1254064 DatetimeFieldConvFail', new Date());
    await store.unknownUsers.record('ou_gone_2025', '王五', new Date()); // a card @-mentioned someone Feishu does not know
    store.db.close();

    const r = await runScript('doctor', env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ 「线索」缺少字段「线索评分」（数字）');
    expect(r.stdout).toContain('field "线索.线索评分" (number) is missing');
    expect(r.stdout).toContain('✗ 字段「线索.阶段」缺少选项：输单');
    expect(r.stdout).toContain('✗ 字段「线索.电话」类型是文本，应为电话');
    expect(r.stdout).toContain('✗ 应用没有订阅');
    expect(r.stdout).toContain('✗ 发件箱有 1 条死信');
    expect(r.stdout).toContain('✗ 飞书不认识这些人，卡片里已改为显示姓名、无法 @ 到他们：王五（ou_gone_2025）');
    expect(r.stdout.match(/修复 Fix:/g)!.length).toBe(6);
    expect(r.stdout).toContain('6 problem(s) found');
  });

  it('wrong credentials and an unknown Base are named with their fix', async () => {
    const wrong = await runScript('doctor', { ...env, FEISHU_APP_SECRET: 'not-the-right-secret-at-all' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('应用凭证无效');
    const unknown = await runScript('doctor', { ...env, FEISHU_BITABLE_APP_TOKEN: 'NoSuchBase0000000000000000' });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('找不到多维表格');
    const none = await runScript('doctor', { ...env, FEISHU_BITABLE_APP_TOKEN: '' });
    expect(none.stdout).toContain('未配置 FEISHU_BITABLE_APP_TOKEN');
  });

  it('the card group: not set, the bot not in it, or no such group — each named with its fix; a malformed id is a configuration error', async () => {
    const unset = await runScript('doctor', { ...env, FEISHU_CHAT_ID: '' });
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain('✗ 未配置 FEISHU_CHAT_ID');
    const lonely = emu.emu.kernel.directory.addChat({ name: '没有机器人的群', members: [], bots: [] });
    const out = await runScript('doctor', { ...env, FEISHU_CHAT_ID: lonely.chat_id });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('✗ 机器人不在 FEISHU_CHAT_ID 指定的群里');
    expect(out.stdout).toContain('群机器人');
    const gone = await runScript('doctor', { ...env, FEISHU_CHAT_ID: 'oc_doesnotexist' });
    expect(gone.stdout).toContain('✗ 找不到 FEISHU_CHAT_ID 指定的群');
    const bad = await runScript('doctor', { ...env, FEISHU_CHAT_ID: 'not-a-chat' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('FEISHU_CHAT_ID');
  });

  it('the weekly digest’s group: not set (with how to set it, or turn the digest off), or the bot not in it', async () => {
    const unset = await runScript('doctor', { ...env, FEISHU_DIGEST_CHAT_ID: '' });
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain('✗ 未配置 FEISHU_DIGEST_CHAT_ID：线索周报不会发出');
    expect(unset.stdout).toContain('weeklyDigest.enabled');
    const lonely = emu.emu.kernel.directory.addChat({ name: '没有机器人的管理群', members: [], bots: [] });
    const out = await runScript('doctor', { ...env, FEISHU_DIGEST_CHAT_ID: lonely.chat_id });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('✗ 机器人不在 FEISHU_DIGEST_CHAT_ID 指定的群里');
    expect(out.stdout).toContain('✓ 卡片发往群「线索作战群」');
  });

  it('how events arrive: by webhook, or over the long connection — whether Feishu offers one, and whether record changes come on it or by reconciling', async () => {
    const hook = await runScript('doctor', env);
    expect(hook.stdout).toContain('✓ 事件与卡片回调经 Webhook 送达');
    const socket = await runScript('doctor', { ...env, FEISHU_TRANSPORT: 'long-connection' });
    expect(socket.stdout).toContain('✓ 长连接可用');
    expect(socket.stdout).toContain('最近 24 小时没有记录变更经长连接到达：表格改动由每 5 秒一次的对账发现');
    // the server notes record changes that came on the socket; then the doctor says so
    const store = createStore(openDb(db.path));
    await store.cursors.set('feishu.long_connection.record_event', Date.now() - 60_000, new Date());
    store.db.close();
    expect((await runScript('doctor', { ...env, FEISHU_TRANSPORT: 'long-connection' })).stdout).toContain('✓ 多维表格的记录变更经长连接到达');
    // Feishu refuses the app a connection address (here: busy)
    const gw = longConnOf(emu.emu.kernel);
    gw.settings.refuseEndpointCode = 1;
    const busy = await runScript('doctor', { ...env, FEISHU_TRANSPORT: 'long-connection' });
    gw.settings.refuseEndpointCode = undefined;
    expect(busy.code).toBe(1);
    expect(busy.stdout).toContain('✗ 飞书没有给出长连接地址（code 1');
    expect(busy.stdout).toContain('使用长连接接收事件/回调');
    const bad = await runScript('doctor', { ...env, FEISHU_TRANSPORT: 'socket' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('FEISHU_TRANSPORT');
  });

  it('a DingTalk app: credentials, Stream mode, the group, and who in 销售团队 has no 钉钉ID — each named with its fix', async () => {
    const dt = dingTalkOf(emu.emu.kernel).org;
    const app = dt.addApp();
    const group = dt.addGroup({ title: '钉钉销售群', members: [], robots: [app.robotCode] });
    const dtEnv = { ...env, DINGTALK_API_BASE: emu.url, DINGTALK_CLIENT_ID: app.appKey, DINGTALK_CLIENT_SECRET: app.appSecret, DINGTALK_CARD_TEMPLATE_ID: 'lead.schema', DINGTALK_CHAT_ID: group.openConversationId, FEISHU_CHAT_ID: '' };
    const ok = await runScript('doctor', dtEnv);
    expect(ok.stdout).toContain('✓ 钉钉应用凭证有效');
    expect(ok.stdout).toContain('✓ Stream 模式可用');
    expect(ok.stdout).toContain(`✓ 卡片发往钉钉群 ${group.openConversationId}`);
    expect(ok.stdout).not.toContain('FEISHU_CHAT_ID is not set');
    // a roster row without a 钉钉ID
    const base = getBitable(emu.emu.kernel).state.base(env.FEISHU_BITABLE_APP_TOKEN!);
    const reps = [...base.tables.values()].find((t) => t.name === '销售团队')!;
    const u = emu.emu.kernel.directory.addUser({ name: '赵六' });
    await emu.control('POST', `/bases/${env.FEISHU_BITABLE_APP_TOKEN}/tables/${reps.table_id}/records`, { operator_open_id: u.open_id, fields: { 姓名: '赵六', 成员: [{ id: u.open_id }], 角色: ['销售'], 在岗: true } });
    const missing = await runScript('doctor', dtEnv);
    expect(missing.stdout).toContain('✗ 销售团队中 1 人没有填写钉钉ID（赵六）');
    const wrong = await runScript('doctor', { ...dtEnv, DINGTALK_CLIENT_SECRET: 'not-the-right-secret-at-all' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('✗ 钉钉应用凭证无效');
    expect(wrong.stdout).not.toContain('not-the-right-secret-at-all');
    const partial = await runScript('doctor', { ...env, DINGTALK_CHAT_ID: group.openConversationId });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('DINGTALK_CLIENT_ID');
  });
});
