import * as lark from '@larksuiteoapi/node-sdk';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bitableModule, getBitable } from '../../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../../src/sandbox/feishu/events/module.js';
import { getEvents } from '../../../src/sandbox/feishu/events/service.js';
import { quietLogger, startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';
import { startWebhook, type TestWebhook } from '../../support/webhook-server.js';

const KEY = 'e2e-encrypt-key';
const VTOKEN = 'e2e-vtoken';
const silent = quietLogger();

describe('end to end: SDK writes a record → signed bitable_record_changed_v1 at the webhook', () => {
  let hook: TestWebhook;
  let emu: StartedEmulator;
  let appToken: string;
  let tableId: string;
  let fields: Record<string, string>;

  beforeEach(async () => {
    hook = await startWebhook();
    emu = await startEmulator({ modules: [bitableModule, eventsModule], app: { encrypt_key: KEY, verification_token: VTOKEN, event_url: hook.url } });
    const created = getBitable(emu.emu.kernel).createBase({
      name: 'Leads',
      tables: [
        {
          name: 'Leads',
          fields: [
            { field_name: 'Company', type: 1 },
            { field_name: 'Stage', type: 3, property: { options: [{ name: 'New' }, { name: 'MQL' }] } },
          ],
        },
      ],
    });
    appToken = created.app_token;
    tableId = created.tables[0]!.table_id;
    fields = Object.fromEntries(created.tables[0]!.fields.map((f) => [f.field_name, f.field_id]));
  });
  afterEach(async () => {
    await emu.stop();
    await hook.close();
  });

  it('create and update through the SDK each arrive signed, decryptable by the SDK, with the bot as operator', async () => {
    const rec = emu.client.bitable.v1.appTableRecord;
    await rec.create({ path: { app_token: appToken, table_id: tableId }, data: { fields: { Company: 'ACME' } } });
    await getEvents(emu.emu.kernel).idle();
    expect(hook.requests).toHaveLength(0); // not subscribed yet

    await emu.client.drive.v1.file.subscribe({ path: { file_token: appToken }, params: { file_type: 'bitable' } });
    const created = await rec.create({ path: { app_token: appToken, table_id: tableId }, data: { fields: { Company: 'Globex', Stage: 'New' } } });
    expect(created.code).toBe(0);
    const recordId = created.data!.record!.record_id!;
    await rec.update({ path: { app_token: appToken, table_id: tableId, record_id: recordId }, data: { fields: { Stage: 'MQL' } } });
    const reqs = await hook.waitFor(2);

    for (const r of reqs) {
      const h = r.headers;
      expect(h['x-lark-signature']).toBe(createHash('sha256').update(`${h['x-lark-request-timestamp']}${h['x-lark-request-nonce']}${KEY}`).update(r.raw).digest('hex'));
    }
    const seen: any[] = [];
    const d = new lark.EventDispatcher({ encryptKey: KEY, verificationToken: VTOKEN, logger: silent, loggerLevel: lark.LoggerLevel.error }).register({
      'drive.file.bitable_record_changed_v1': async (data: any) => void seen.push(data),
    });
    for (const r of reqs) await d.invoke(Object.assign(Object.create({ headers: r.headers }), JSON.parse(r.raw)));
    expect(seen).toHaveLength(2);
    const [added, edited] = seen;
    expect(added).toMatchObject({ token: VTOKEN, app_id: emu.app.app_id, file_type: 'bitable', file_token: appToken, table_id: tableId, operator_id: { open_id: emu.app.bot_open_id } });
    expect(added.action_list).toEqual([expect.objectContaining({ record_id: recordId, action: 'record_added' })]);
    expect(edited.action_list[0]).toMatchObject({ record_id: recordId, action: 'record_edited' });
    // select values travel as option ids in a JSON string, keyed by field_id (docs/platform/feishu.md §3.6)
    const stageAfter = edited.action_list[0].after_value.find((v: any) => v.field_id === fields.Stage);
    expect(typeof stageAfter.field_value).toBe('string');
    expect(stageAfter.field_value).toMatch(/opt[A-Za-z0-9]{7}/);
    expect(edited.revision).toBeGreaterThan(added.revision);
    expect(Number.isInteger(edited.update_time) && String(edited.update_time).length).toBe(10);
    expect(added.event_id).not.toBe(edited.event_id);
  });
});
