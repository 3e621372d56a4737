import { readLeadsBaseTemplate } from '../../src/sandbox/demo-base.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDirectory, type DemoDirectory } from '../../src/sandbox/demo-directory.js';
import { getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { getIm } from '../../src/sandbox/feishu/im/service.js';
import { ALL_MODULES } from '../../src/sandbox/feishu/modules.js';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { startWebhook, type ReceivedRequest, type TestWebhook } from './webhook.js';

/**
 * The sandbox page in a real Chromium, against an emulator with every module and a signed, encrypted
 * app webhook: edit cells as a chosen user, click and submit a card, and check what the app received.
 */
const ENCRYPT_KEY = 'e2e-encrypt-key';
const TEMPLATE = readLeadsBaseTemplate() as unknown;
const NEED_TEXT = '需要 50 个席位 <b>not bold</b>';
const XSS_NAME = '<script>window.__xss=1</script>ACME 科技';

type Env = ReceivedRequest['envelope'];

function leadCard(opts: { title: string; template: string; mention: string; recordId: string; buttons: boolean }) {
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: opts.title }, template: opts.template },
    body: {
      elements: [
        { tag: 'markdown', content: `**负责人：** <at id=${opts.mention}></at> 请跟进 <img src=x onerror="window.__xss=2">` },
        ...(opts.buttons
          ? [
              {
                tag: 'column_set',
                columns: [
                  {
                    tag: 'column',
                    width: 'weighted',
                    weight: 1,
                    elements: [{ tag: 'button', text: { tag: 'plain_text', content: '接受' }, type: 'primary_filled', behaviors: [{ type: 'callback', value: { op: 'accept', record_id: opts.recordId } }] }],
                  },
                  {
                    tag: 'column',
                    width: 'weighted',
                    weight: 1,
                    elements: [{ tag: 'button', text: { tag: 'plain_text', content: '退回' }, type: 'danger', behaviors: [{ type: 'callback', value: { op: 'reject', record_id: opts.recordId } }] }],
                  },
                ],
              },
              { tag: 'hr' },
              {
                tag: 'form',
                name: 'approve_form',
                elements: [
                  {
                    tag: 'select_static',
                    name: 'reason',
                    placeholder: { tag: 'plain_text', content: '原因' },
                    options: [
                      { text: { tag: 'plain_text', content: '预算已确认' }, value: 'budget' },
                      { text: { tag: 'plain_text', content: '其他' }, value: 'other' },
                    ],
                  },
                  { tag: 'input', name: 'note', placeholder: { tag: 'plain_text', content: '备注' }, max_length: 200 },
                  { tag: 'button', name: 'approve_btn', form_action_type: 'submit', type: 'primary', text: { tag: 'plain_text', content: '批准 SQL' }, behaviors: [{ type: 'callback', value: { op: 'approve', record_id: opts.recordId } }] },
                ],
              },
            ]
          : []),
      ],
    },
  };
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!hasChromium)(hasChromium ? 'sandbox UI in Chromium' : NO_CHROMIUM_REASON, () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;
  let demo: DemoDirectory;
  let browser: Browser;
  let page: Page;
  let appToken: string;
  let needFieldId: string;
  let leadsTableId: string;
  let recordId: string;
  let messageId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    let answerCard: (e: Env) => unknown = () => ({});
    hook = await startWebhook({ encryptKey: ENCRYPT_KEY, answerCard: (e) => answerCard(e) });
    [emu, browser] = await Promise.all([startEmulator({ modules: ALL_MODULES, app: { encrypt_key: ENCRYPT_KEY, event_url: `${hook.url}/events`, card_url: `${hook.url}/card` } }), launchChromium()]);
    demo = seedDemoDirectory(emu.emu.kernel, emu.app);
    answerCard = (e) => {
      const action = (e.event?.action ?? {}) as { value?: { op?: string; record_id?: string } };
      const operator = (e.event?.operator ?? {}) as { open_id?: string };
      if (action.value?.op !== 'accept') return { toast: { type: 'info', content: '已提交审批' } };
      return {
        toast: { type: 'success', content: '已接受', i18n: { zh_cn: '线索已接受', en_us: 'Lead accepted' } },
        card: { type: 'raw', data: leadCard({ title: '已接受：ACME 科技', template: 'green', mention: operator.open_id ?? '', recordId: action.value.record_id ?? '', buttons: false }) },
      };
    };

    const created = await emu.control<{ app_token: string; tables: Array<{ key: string; table_id: string; fields: Array<{ field_id: string; field_name: string }> }> }>('POST', '/bases', { template: TEMPLATE });
    expect(created.status).toBe(201);
    appToken = created.body.app_token;
    const leads = created.body.tables.find((t) => t.key === 'leads')!;
    needFieldId = leads.fields.find((f) => f.field_name === '需求描述')!.field_id;
    leadsTableId = leads.table_id;

    const sub = await emu.client.drive.v1.file.subscribe({ path: { file_token: appToken }, params: { file_type: 'bitable' } });
    expect(sub.code).toBe(0);
    const rec = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token: appToken, table_id: leads.table_id }, data: { fields: { 公司名称: XSS_NAME, 阶段: '线索', 联系人: '赵六' } } });
    expect(rec.code).toBe(0);
    recordId = rec.data!.record!.record_id!;

    const card = leadCard({ title: '新线索：ACME 科技', template: 'blue', mention: demo.users.sdr.open_id, recordId, buttons: true });
    const sent = await emu.client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: demo.chat.chat_id, msg_type: 'interactive', content: JSON.stringify(card) } });
    expect(sent.code).toBe(0);
    messageId = sent.data!.message_id!;

    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    // Steps wait for the state they need (a selector, a toast, a card version), never for time; the
    // limit is only how long a step may take on a busy 2-core machine before it counts as broken.
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await emu?.stop();
    await hook?.close();
  });

  it('edits cells and clicks card buttons as the chosen user; the app gets signed events and callbacks', async () => {
    const sdr = demo.users.sdr;
    await page.goto(`${emu.url}/`);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('nav').textContent()).toContain('多维表格');
    await page.selectOption('#act-as', sdr.open_id);

    // The grid: field types in the header, untrusted cell text shown as text.
    const cell = (field: string) => page.locator(`td[data-record-id="${recordId}"][data-field-name="${field}"]`);
    await cell('公司名称').waitFor();
    expect(await cell('公司名称').textContent()).toBe(XSS_NAME);
    expect(await page.locator('th[data-field-type="3"]').first().textContent()).toContain('单选');

    // Edit a text cell, then a single-select cell, as the SDR.
    await cell('需求描述').click();
    await cell('需求描述').locator('input').fill(NEED_TEXT);
    await cell('需求描述').locator('input').press('Enter');
    await page.locator(`td[data-record-id="${recordId}"][data-field-name="需求描述"]:not(.editing)`, { hasText: NEED_TEXT }).waitFor();
    await cell('阶段').click();
    await cell('阶段').locator('select').waitFor();
    // Someone else writes to the table while the editor is open: the grid must keep the editor (it
    // used to re-render and drop it, which made this step flaky) and say it will refresh afterwards.
    const other = await emu.client.bitable.v1.appTableRecord.create({ path: { app_token: appToken, table_id: leadsTableId }, data: { fields: { 公司名称: '并发写入公司', 阶段: '线索' } } });
    expect(other.code).toBe(0);
    await page.locator('#grid-stale').waitFor();
    expect(await cell('阶段').locator('select').count()).toBe(1);
    await cell('阶段').locator('select').selectOption('MQL');
    await page.locator(`td[data-record-id="${other.data!.record!.record_id!}"][data-field-name="公司名称"]`, { hasText: '并发写入公司' }).waitFor();
    expect(await page.locator('#grid-stale').count()).toBe(0);
    await page.locator(`td[data-record-id="${recordId}"][data-field-name="阶段"] .chip`, { hasText: 'MQL' }).waitFor();
    await page.screenshot({ path: '/tmp/sandbox-ui-grid.png' });

    // The chat: the card rendered from its JSON, mention resolved through the directory.
    await page.click(`nav a[href="#/chat/${demo.chat.chat_id}"]`);
    const card = page.locator(`.msg-card[data-message-id="${messageId}"]`);
    await card.locator('.fc-header.fc-tpl-blue').waitFor();
    expect(await card.locator('.fc-at').first().textContent()).toBe(`@${sdr.name}`);
    expect(await card.locator('.fc-markdown strong').first().textContent()).toBe('负责人：');
    expect(await card.locator('.fc-markdown').first().textContent()).toContain('<img src=x onerror="window.__xss=2">');
    expect(await card.locator('button.fc-btn-primary_filled').textContent()).toBe('接受');

    // Submit the form, then click the button.
    await card.locator('select[name="reason"]').selectOption('budget');
    await card.locator('input[name="note"]').fill('预算 30 万');
    await card.locator('button[name="approve_btn"]').click();
    await page.locator('#toasts .toast', { hasText: '已提交审批' }).waitFor();
    await card.locator('button', { hasText: '接受' }).click();
    await page.locator('#toasts .toast-success', { hasText: '线索已接受' }).waitFor();
    await page.locator(`.msg-card[data-message-id="${messageId}"][data-version="2"] .fc-header.fc-tpl-green`).waitFor();
    expect(await page.locator(`.msg[data-message-id="${messageId}"] .badge-updated`).textContent()).toContain('v2');
    expect(await page.locator(`.msg-card[data-message-id="${messageId}"] .fc-at`).first().textContent()).toBe(`@${sdr.name}`);
    await page.screenshot({ path: '/tmp/sandbox-ui.png' });

    // The event log shows the UI edit as a delivered event with the SDR as operator.
    await page.click('nav a[href="#/events"]');
    await page.locator(`#deliveries tr[data-event-type="drive.file.bitable_record_changed_v1"] td[data-operator="${sdr.open_id}"]`).first().waitFor();
    await page.locator('#clicks tbody tr').first().waitFor();

    // What the app received: a signed, encrypted record-change event with the SDR as operator…
    const changed = (r: ReceivedRequest) => r.path === '/events' && r.envelope.header?.event_type === 'drive.file.bitable_record_changed_v1';
    const edit = await until('the UI edit event', () =>
      hook.received.find((r) => {
        const ev = r.envelope.event as { operator_id?: { open_id?: string }; action_list?: Array<{ after_value?: Array<{ field_id: string; field_value: string }> }> } | undefined;
        return changed(r) && ev?.operator_id?.open_id === sdr.open_id && ev.action_list?.[0]?.after_value?.some((v) => v.field_id === needFieldId && v.field_value.includes('需要 50 个席位'));
      }),
    );
    expect(edit.signatureValid).toBe(true);
    expect(JSON.parse(edit.raw)).toHaveProperty('encrypt');
    expect(edit.envelope.header?.token).toBe(emu.app.verification_token);
    const ev = edit.envelope.event as { file_token: string; operator_id: { open_id: string; user_id: string }; action_list: Array<{ record_id: string; action: string; after_value: Array<{ field_id: string; field_value: string }> }> };
    expect(ev.file_token).toBe(appToken);
    expect(ev.operator_id.user_id).toBe(sdr.user_id);
    expect(ev.action_list[0]).toMatchObject({ record_id: recordId, action: 'record_edited' });
    const after = ev.action_list[0]!.after_value.find((v) => v.field_id === needFieldId)!;
    expect(JSON.parse(after.field_value)).toEqual([{ type: 'text', text: NEED_TEXT }]);
    expect(hook.received.filter(changed).filter((r) => (r.envelope.event as { operator_id?: { open_id?: string } }).operator_id?.open_id === sdr.open_id)).toHaveLength(2);

    // …and signed card callbacks carrying the button value / form values and the SDR as operator.
    const callbacks = hook.received.filter((r) => r.path === '/card' && r.envelope.header?.event_type === 'card.action.trigger');
    expect(callbacks).toHaveLength(2);
    for (const c of callbacks) expect(c.signatureValid).toBe(true);
    const [submit, accept] = callbacks.map(
      (c) => c.envelope.event as { operator: { open_id: string }; action: { tag: string; value: unknown; name?: string; form_value?: unknown }; context: { open_message_id: string; open_chat_id: string } },
    );
    expect(submit!.action).toMatchObject({ tag: 'button', name: 'approve_btn', value: { op: 'approve', record_id: recordId }, form_value: { reason: 'budget', note: '预算 30 万' } });
    expect(accept!.action).toMatchObject({ tag: 'button', value: { op: 'accept', record_id: recordId } });
    expect(accept!.operator.open_id).toBe(sdr.open_id);
    expect(accept!.context).toEqual({ open_message_id: messageId, open_chat_id: demo.chat.chat_id });
    expect(
      getIm(emu.emu.kernel)
        .message(messageId)!
        .versions.map((v) => v.source),
    ).toEqual(['send', 'callback']);

    // Fast-forward: the sandbox clock moves by the chosen amount (the server's SLAs run on it).
    const clockBefore = emu.emu.kernel.clock.now();
    await page.selectOption('#fast-forward', '3600000');
    await page.locator('#toasts .toast-success', { hasText: '沙箱时间已前进' }).waitFor();
    expect(emu.emu.kernel.clock.now() - clockBefore).toBeGreaterThanOrEqual(3_600_000);
    await page.locator('#sandbox-time', { hasText: '沙箱时间' }).waitFor();
    expect(await page.locator('#fast-forward').inputValue()).toBe('');

    // Untrusted text never ran as script.
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);

    // English toggle.
    await page.click('#lang-toggle');
    await page.locator('nav', { hasText: 'Event log' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  }, 120_000);
  it('keeps the primary column in view when the grid scrolls sideways; hidden columns stay hidden until shown again', async () => {
    await page.goto(`${emu.url}/`);
    await page.waitForSelector('body[data-ready="1"]');
    const cellOf = (field: string) => page.locator(`td[data-record-id="${recordId}"][data-field-name="${field}"]`);
    await cellOf('需求描述').waitFor();
    const primary = (await page.locator('th.frozen').getAttribute('data-field-id'))!;
    expect(await page.locator('th.frozen').count()).toBe(1);
    const frozenCell = page.locator(`td.frozen[data-record-id="${recordId}"]`);
    expect(await frozenCell.getAttribute('data-field-id')).toBe(primary);

    // scrolled all the way right: the primary column sits where it was, the others moved
    const wrap = page.locator('.grid-wrap');
    const before = { frozen: (await frozenCell.boundingBox())!.x, need: (await cellOf('需求描述').boundingBox())!.x };
    const scrolled = await wrap.evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
      return el.scrollLeft;
    });
    expect(scrolled).toBeGreaterThan(100);
    await page.waitForFunction((x) => (document.querySelector('.grid-wrap')?.scrollLeft ?? 0) >= x, scrolled);
    expect(Math.abs((await frozenCell.boundingBox())!.x - before.frozen)).toBeLessThanOrEqual(1);
    expect((await cellOf('需求描述').boundingBox())!.x).toBeLessThan(before.need - 100);

    // hide 需求描述: gone from the grid, counted on the button, still hidden after a reload
    await page.click('#grid-fields');
    expect(await page.locator(`#fields-menu input[data-field-id="${primary}"]`).isDisabled()).toBe(true);
    const need = page.locator('#fields-menu label', { hasText: '需求描述' }).locator('input');
    await need.uncheck();
    await page.locator(`th:has-text("需求描述")`).waitFor({ state: 'detached' });
    expect(await cellOf('需求描述').count()).toBe(0);
    expect(await page.locator('#grid-fields').textContent()).toMatch(/已隐藏 1 个|1 hidden/); // the page may be in English after the first test
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await cellOf('公司名称').waitFor();
    expect(await cellOf('需求描述').count()).toBe(0);

    // 全部显示 (show all) brings it back
    await page.click('#grid-fields');
    await page.click('#fields-show-all');
    await cellOf('需求描述').waitFor();
    expect(await page.locator('#grid-fields').textContent()).not.toMatch(/已隐藏|hidden/);
    expect(pageErrors).toEqual([]);
  });
  it("shows the Base's views as tabs: a 'current user' view per acting person, a kanban whose cards move a stage", async () => {
    const li = demo.users.repLi;
    const path = { app_token: appToken, table_id: leadsTableId };
    const set = await emu.client.bitable.v1.appTableRecord.update({ path: { ...path, record_id: recordId }, data: { fields: { 跟进人: [{ id: li.open_id }], 阶段: '线索' } } });
    expect(set.code).toBe(0);
    const mk = async (view_name: string, view_type: 'grid' | 'kanban') => (await emu.client.bitable.v1.appTableView.create({ path, data: { view_name, view_type } })).data!.view!.view_id!;
    const board = await mk('看板（按阶段）', 'kanban');
    const mine = await mk('我的线索', 'grid');
    expect((await emu.control('POST', `/bases/${appToken}/tables/${leadsTableId}/views/${board}/settings`, { group_field: '阶段' })).status).toBe(200);
    expect((await emu.control('POST', `/bases/${appToken}/tables/${leadsTableId}/views/${mine}/settings`, { current_user_field: '跟进人' })).status).toBe(200);

    await page.goto(`${emu.url}/#/base/${appToken}/${leadsTableId}`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.selectOption('#act-as', demo.users.director.open_id);
    const tabs = page.locator('.view-tabs a[role="tab"]');
    await tabs.nth(2).waitFor();
    expect(await tabs.allTextContents()).toEqual([expect.stringContaining('表格'), expect.stringContaining('看板（按阶段）'), expect.stringContaining('我的线索')]);
    expect(await page.locator('.view-tabs a.active').getAttribute('data-view-id')).toBe(await tabs.first().getAttribute('data-view-id'));
    const row = page.locator(`tr[data-record-id="${recordId}"]`);
    await row.waitFor();

    // 我的线索 as 王敏: not hers; as 李雷 (its 跟进人): there, and the note says whose rows these are
    await page.click(`.view-tabs a[data-view-id="${mine}"]`);
    await page.locator(`.view-tabs a.active[data-view-id="${mine}"]`).waitFor();
    await page.locator('#view-note').waitFor();
    await row.waitFor({ state: 'detached' });
    await page.selectOption('#act-as', li.open_id);
    await row.waitFor();
    expect(await page.locator('#view-note').textContent()).toMatch(/跟进人.*(李雷|Li Lei)/);
    expect(await page.locator('tbody tr').count()).toBe(1);

    // the kanban: a column per 阶段 option; dragging the card to MQL writes 阶段 as 李雷
    await page.click(`.view-tabs a[data-view-id="${board}"]`);
    const card = page.locator(`.kanban-card[data-record-id="${recordId}"]`);
    await page.locator('.kanban-col[data-group="线索"]').locator(`.kanban-card[data-record-id="${recordId}"]`).waitFor();
    expect(await page.locator('.kanban-col h3').first().textContent()).toContain('线索');
    await card.dragTo(page.locator('.kanban-col[data-group="MQL"]'));
    await page.locator('.kanban-col[data-group="MQL"]').locator(`.kanban-card[data-record-id="${recordId}"]`).waitFor();
    const leadsTable = getBitable(emu.emu.kernel).tableByKey(appToken, leadsTableId);
    const stage = leadsTable.fields.find((f) => f.field_name === '阶段')!;
    const stageField = stage.field_id;
    const mql = stage.property!.options!.find((o) => o.name === 'MQL')!.id; // events carry a select's option id
    await until('the kanban move as a record-change event by 李雷', () =>
      hook.received.find((r) => {
        const ev = r.envelope.event as { operator_id?: { open_id?: string }; action_list?: Array<{ record_id: string; after_value?: Array<{ field_id: string; field_value: string }> }> } | undefined;
        return (
          r.envelope.header?.event_type === 'drive.file.bitable_record_changed_v1' &&
          ev?.operator_id?.open_id === li.open_id &&
          ev.action_list?.[0]?.record_id === recordId &&
          ev.action_list[0].after_value?.some((v) => v.field_id === stageField && v.field_value === mql)
        );
      }),
    );
    expect(pageErrors).toEqual([]);
  });
});
