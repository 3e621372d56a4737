import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { runScript } from '../support/run-script.js';

/** `npm run provision` against an empty sandbox, through the real SDK over HTTP, with the documented rate limits on. */
describe('npm run provision', () => {
  let emu: StartedEmulator;
  let env: Record<string, string>;
  const template = loadBaseTemplate();

  beforeAll(async () => {
    emu = await startEmulator({ modules: [bitableModule, eventsModule] });
    env = { FEISHU_DOMAIN: emu.url, FEISHU_APP_ID: emu.app.app_id, FEISHU_APP_SECRET: emu.app.app_secret };
  });
  afterAll(() => emu?.stop());

  it('--dry-run on an empty sandbox prints the plan and creates nothing', async () => {
    const r = await runScript('provision', env, ['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('新建多维表格 / create the Base');
    expect(r.stdout).toContain('新建数据表「线索」');
    expect(r.stdout).toContain('新建数据表「销售团队」');
    expect(r.stdout).toMatch(/Dry run: \d+ change\(s\) would be made/);
    expect(getBitable(emu.emu.kernel).listBases()).toHaveLength(0);
  });

  it('creates the Base and prints its token; a second run changes nothing and says so', async () => {
    const first = await runScript('provision', env);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const token = /FEISHU_BITABLE_APP_TOKEN=([A-Za-z0-9]+)/.exec(first.stdout)?.[1];
    expect(token).toBeDefined();
    const base = getBitable(emu.emu.kernel).state.base(token!);
    const byName = new Map([...base.tables.values()].map((t) => [t.name, t]));
    for (const t of template.tables) {
      const live = byName.get(t.name)!;
      expect(live, t.name).toBeDefined();
      expect(live.fields.map((f) => [f.field_name, f.type])).toEqual(t.fields.map((f) => [f.field_name, f.type]));
      for (const v of t.views ?? []) expect(live.views.find((x) => x.view_name === v.view_name)?.view_type).toBe(v.view_type);
    }
    const pending = byName.get('线索')!.views.find((v) => v.view_name === '待审批')!;
    const pendingField = byName.get('线索')!.fields.find((f) => f.field_name === '待审批')!;
    expect(pending.property?.filter_info?.conditions).toEqual([expect.objectContaining({ field_id: pendingField.field_id, operator: 'isNotEmpty' })]);
    // 公海: nobody following, stage 培育池 — the option sent by its id, as Feishu takes it
    const pool = byName.get('线索')!.views.find((v) => v.view_name === '公海')!;
    const fieldOf = (n: string) => byName.get('线索')!.fields.find((f) => f.field_name === n)!;
    const nurture = fieldOf('阶段').property!.options!.find((o) => o.name === '培育池')!.id;
    expect(pool.property?.filter_info?.conditions).toEqual([
      expect.objectContaining({ field_id: fieldOf('跟进人').field_id, operator: 'isEmpty' }),
      expect.objectContaining({ field_id: fieldOf('阶段').field_id, operator: 'is', value: JSON.stringify([nurture]) }),
    ]);
    expect(first.stdout).toContain('手动步骤');
    // a rule table is created with the shipped rules as its rows
    expect(first.stdout).toContain('写入默认规则');
    expect(byName.get('退回原因')!.records.size).toBe(7);

    const second = await runScript('provision', { ...env, FEISHU_BITABLE_APP_TOKEN: token! });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Nothing to change');
    expect(getBitable(emu.emu.kernel).listBases()).toHaveLength(1);
    expect(byName.get('退回原因')!.records.size).toBe(7); // rows are written only into a table provisioning made
    expect([...base.tables.values()].map((t) => t.revision)).toEqual([...getBitable(emu.emu.kernel).state.base(token!).tables.values()].map((t) => t.revision));
  });

  it('adds a missing field and a missing option, and reports (but never touches) a field of the wrong type', async () => {
    const svc = getBitable(emu.emu.kernel);
    const base = svc.listBases()[0]!;
    const leads = [...base.tables.values()].find((t) => t.name === '线索')!;
    // By hand: delete 变更原因, drop the option 转介绍 from 来源渠道, and retype 微信 to a number.
    leads.fields = leads.fields.filter((f) => f.field_name !== '变更原因');
    const source = leads.fields.find((f) => f.field_name === '来源渠道')!;
    source.property!.options = source.property!.options!.filter((o) => o.name !== '转介绍');
    const wechat = leads.fields.find((f) => f.field_name === '微信')!;
    wechat.type = 2;
    wechat.ui_type = 'Number';
    const keptIds = source.property!.options!.map((o) => o.id);

    const r = await runScript('provision', { ...env, FEISHU_BITABLE_APP_TOKEN: base.app_token });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('新建字段「变更原因」');
    expect(r.stdout).toContain('添加选项：转介绍');
    expect(r.stdout).toContain('字段「线索.微信」类型是数字，应为文本');
    expect(r.stdout).toContain('Applied 2 change(s)');
    expect(leads.fields.find((f) => f.field_name === '变更原因')?.type).toBe(1);
    expect(source.property!.options!.map((o) => o.name)).toContain('转介绍');
    expect(source.property!.options!.slice(0, keptIds.length).map((o) => o.id)).toEqual(keptIds);
    expect(leads.fields.find((f) => f.field_name === '微信')!.type).toBe(2);
  });

  it('bad configuration exits 2 naming the key; an unknown Base exits 3 naming the error', async () => {
    const bad = await runScript('provision', { FEISHU_DOMAIN: emu.url, FEISHU_APP_ID: 'nope' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('FEISHU_APP_ID');
    expect(bad.stderr).toContain('FEISHU_APP_SECRET');
    const missing = await runScript('provision', { ...env, FEISHU_BITABLE_APP_TOKEN: 'NoSuchBase0000000000000000' });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('1254040');
  });
});
