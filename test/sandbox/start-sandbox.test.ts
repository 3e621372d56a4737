import { afterEach, describe, expect, it } from 'vitest';
import { createBitableApi } from '../../src/bitable/api.js';
import { provision } from '../../src/bitable/provision.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { baseTemplateSchema, loadBaseTemplate } from '../../src/rules/base-template.js';
import { readLeadsBaseTemplate } from '../../src/sandbox/demo-base.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { doManualViewSteps } from '../../src/sandbox/manual-view-steps.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { sdkClient } from '../support/feishu-emulator.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('startSandbox (what npm start shows without credentials)', () => {
  it('serves a demo tenant: the product provisions the Base through the SDK, the demo people type their rows', async () => {
    sb = await startSandbox({ port: 0, log: testLogger() });
    const { app } = sb.demo;
    const api = createBitableApi(createFeishuClient({ domain: sb.running.url, appId: app.app_id, appSecret: new Secret(app.app_secret) }));
    const prov = await provision(api, loadBaseTemplate());
    expect(prov.createdBase).toBe(true);
    await sb.seedDemoRows(prov.appToken!);
    const client = sdkClient(sb.running.url, app);
    const tables = await api.listTables(prov.appToken!);
    expect(tables.map((t) => t.name)).toEqual(['数据表', '线索', '销售团队', '活动记录', '阶段历史', '评分规则', '分配规则', '退回原因', '培育步骤', 'SLA 策略', '公海规则', '回收规则']);
    // a rule table comes with the shipped rows (written by the app)
    const rules = await client.bitable.v1.appTableRecord.search({ path: { app_token: prov.appToken!, table_id: prov.tables.get('退回原因')! }, params: { page_size: 50 }, data: {} });
    expect(rules.data?.total).toBe(7);
    const res = await client.bitable.v1.appTableRecord.search({ path: { app_token: prov.appToken!, table_id: prov.tables.get('线索')! }, params: { page_size: 50, user_id_type: 'open_id' }, data: { automatic_fields: true } });
    expect(res.code).toBe(0);
    expect(res.data?.total).toBe(5);
    const hd = res.data!.items!.find((r) => (r.fields['公司名称'] as Array<{ text: string }>)[0]!.text === '华东精密仪器有限公司')!;
    expect(hd.fields['阶段']).toBe('MQL');
    expect(hd.fields['跟进人']).toMatchObject([{ id: sb.demo.users.repLi.open_id, name: '李雷' }]);
    expect(hd.created_by).toMatchObject({ id: sb.demo.users.sdr.open_id }); // typed by a person, not the app
    const team = await client.bitable.v1.appTableRecord.search({ path: { app_token: prov.appToken!, table_id: prov.tables.get('销售团队')! }, params: { page_size: 50 }, data: {} });
    expect(team.data!.items!.map((r) => r.fields['角色'])).toContainEqual(['市场总监']);
    // two SDRs, north and the rest, each feeding the rep of their regions (对接SDR)
    const member = (name: string) => team.data!.items!.find((r) => r.fields['姓名'] === name || JSON.stringify(r.fields['姓名']).includes(name))!.fields;
    const sdrs = team.data!.items!.filter((r) => JSON.stringify(r.fields['角色']) === '["SDR"]');
    expect(sdrs).toHaveLength(2);
    expect(member('孙悦')['负责地区']).toEqual(['华北', '东北', '西北']);
    expect(member('李雷')['对接SDR']).toMatchObject([{ id: sb.demo.users.sdr.open_id }]);
    expect(member('韩梅梅')['对接SDR']).toMatchObject([{ id: sb.demo.users.sdrNorth.open_id }]);
    const chat = await client.im.v1.chat.get({ path: { chat_id: sb.demo.chat.chat_id } });
    expect(chat.data?.name).toBe('线索作战群');
    const boss = await client.contact.v3.user.get({ path: { user_id: sb.demo.users.repLi.open_id }, params: { user_id_type: 'open_id' } });
    expect(boss.data?.user?.leader_user_id).toBe(sb.demo.users.salesLead.open_id);
  });

  it("does provisioning's manual view steps as the admin would: the kanban groups by 阶段, 我的线索 shows the viewer's own leads", async () => {
    sb = await startSandbox({ port: 0, log: testLogger() });
    const { app } = sb.demo;
    const api = createBitableApi(createFeishuClient({ domain: sb.running.url, appId: app.app_id, appSecret: new Secret(app.app_secret) }));
    const template = loadBaseTemplate();
    const prov = await provision(api, template);
    expect(doManualViewSteps(sb.emulator.kernel, prov.appToken!, template)).toBe(2);
    const table = getBitable(sb.emulator.kernel).state.table(prov.appToken!, prov.tables.get('线索')!);
    const view = (name: string) => table.views.find((v) => v.view_name === name)!;
    const field = (name: string) => table.fields.find((f) => f.field_name === name)!.field_id;
    expect(view('看板（按阶段）').settings).toEqual({ group_field_id: field('阶段') });
    expect(view('我的线索').settings).toEqual({ current_user_field_id: field('跟进人') });
    expect(view('待审批').settings).toBeUndefined();
    // a template whose ui names a field the table does not have is refused when the rules load
    const bad = structuredClone(readLeadsBaseTemplate()) as unknown as { tables: Array<{ views?: Array<{ ui?: unknown }> }> };
    bad.tables.find((t) => t.views)!.views![0]!.ui = { group_by: '不存在的字段' };
    const parsed = baseTemplateSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('ui names unknown field');
  });
});
