import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { sdkClient } from '../support/feishu-emulator.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('startSandbox (what npm start shows without credentials)', () => {
  it('serves a demo tenant the real SDK can read: the leads Base, people and the war-room chat', async () => {
    sb = await startSandbox({ port: 0, log: createLogger({ level: 'silent' }) });
    const { app } = sb.demo;
    const client = sdkClient(sb.running.url, app);
    const leads = sb.base.tables.find((t) => t.key === 'leads')!;
    expect(sb.base.tables.map((t) => t.name)).toEqual(['线索', '销售团队', '活动记录', '阶段历史']);
    const res = await client.bitable.v1.appTableRecord.search({ path: { app_token: sb.base.app_token, table_id: leads.table_id }, params: { page_size: 50 }, data: { sort: [{ field_name: '公司名称', desc: false }] } });
    expect(res.code).toBe(0);
    expect(res.data?.total).toBe(5);
    const hd = res.data!.items!.find((r) => (r.fields['公司名称'] as Array<{ text: string }>)[0]!.text === '华东精密仪器有限公司')!;
    expect(hd.fields['阶段']).toBe('MQL');
    expect(hd.fields['跟进人']).toMatchObject([{ id: sb.demo.users.repLi.open_id, name: '李雷' }]);
    const chat = await client.im.v1.chat.get({ path: { chat_id: sb.demo.chat.chat_id } });
    expect(chat.data?.name).toBe('线索作战群');
    const boss = await client.contact.v3.user.get({ path: { user_id: sb.demo.users.repLi.open_id }, params: { user_id_type: 'open_id' } });
    expect(boss.data?.user?.leader_user_id).toBe(sb.demo.users.salesLead.open_id);
  });
});
