import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventsModule } from '../../../src/sandbox/feishu/events/module.js';
import { type EventsService, getEvents } from '../../../src/sandbox/feishu/events/service.js';
import { imModule } from '../../../src/sandbox/feishu/im/module.js';
import type { EmuUser } from '../../../src/sandbox/feishu/kernel/directory.js';
import type { LongConnGateway } from '../../../src/sandbox/feishu/longconn/gateway.js';
import { longConnModule, longConnOf } from '../../../src/sandbox/feishu/longconn/module.js';
import { quietLogger, type StartedEmulator, startEmulator } from '../../support/feishu-emulator.js';
import { waitUntil } from '../../support/webhook-server.js';

/**
 * The long connection (docs/platform/feishu.md §5.5) against the unmodified SDK WSClient: the endpoint,
 * the socket, events and card callbacks as data frames (in fragments when large) with the handler's
 * result coming back in the ack, pings answered with the ClientConfig, and the switches that drop
 * sockets and refuse handshakes, from which the client recovers by itself.
 */
describe('the long connection (WSClient against the emulator)', () => {
  let emu: StartedEmulator;
  let gw: LongConnGateway;
  let events: EventsService;
  let ws: lark.WSClient | undefined;
  const received: Array<Record<string, unknown>> = [];
  let alice: EmuUser;

  beforeEach(async () => {
    received.length = 0;
    emu = await startEmulator({ modules: [eventsModule, imModule, longConnModule], app: { event_mode: 'long_connection', callback_mode: 'long_connection' } });
    gw = longConnOf(emu.emu.kernel);
    events = getEvents(emu.emu.kernel);
    // quick pings and reconnects, so that a test sees several
    Object.assign(gw.settings, { pingIntervalS: 0.2, reconnectIntervalS: 0.25, reconnectNonceS: 0 });
    alice = emu.emu.kernel.directory.addUser({ name: '王小明', en_name: 'Alice' });
  });
  afterEach(async () => {
    ws?.close({ force: true });
    ws = undefined;
    await emu.stop();
  });

  /** The real WSClient, whose dispatcher records what arrives and answers a card click with a toast. */
  async function connect(): Promise<lark.WSClient> {
    const dispatcher = new lark.EventDispatcher({ logger: quietLogger() }).register({
      'custom.test_v1': async (data: Record<string, unknown>) => {
        received.push(data);
      },
      'card.action.trigger': async (data: Record<string, unknown>) => {
        received.push(data);
        return { toast: { type: 'success', content: '已认领' } };
      },
    } as never);
    const client = new lark.WSClient({ appId: emu.app.app_id, appSecret: emu.app.app_secret, domain: emu.url, logger: quietLogger(), loggerLevel: lark.LoggerLevel.error });
    await client.start({ eventDispatcher: dispatcher });
    ws = client;
    await waitUntil(() => gw.list(emu.app.app_id)[0]?.pings);
    return client;
  }

  it('the endpoint answers the app a socket URL and its ClientConfig; a wrong secret gets 514', async () => {
    const post = async (body: unknown) => (await fetch(`${emu.url}/callback/ws/endpoint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const ok = await post({ AppID: emu.app.app_id, AppSecret: emu.app.app_secret });
    expect(ok).toMatchObject({ code: 0, data: { ClientConfig: { PingInterval: 0.2, ReconnectCount: -1, ReconnectInterval: 0.25, ReconnectNonce: 0 } } });
    // the SDK reads device_id and service_id with qs.parse over the whole URL: they must not be its first key
    expect(ok.data.URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/v2\?fpid=\d+&.*device_id=\d+.*&service_id=\d+/);
    expect(await post({ AppID: emu.app.app_id, AppSecret: 'wrong' })).toMatchObject({ code: 514 });
    expect(await post({ AppID: 'cli_0000000000000000', AppSecret: 'x' })).toMatchObject({ code: 514 });
    // a socket without a ticket from the endpoint is refused
    const handshake = (url: string) =>
      new Promise<number>((resolve) => {
        const s = new WebSocket(url);
        s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        s.on('open', () => {
          s.close();
          resolve(101);
        });
        s.on('error', () => resolve(-1));
      });
    expect(await handshake(`${emu.url.replace('http', 'ws')}/ws/v2?fpid=1&ticket=nope`)).toBe(401);
    expect(await handshake(ok.data.URL)).toBe(101);
    expect(await handshake(ok.data.URL)).toBe(401); // a ticket is good for one handshake
  });

  it('an event arrives plain over the socket and is acked; a large one in fragments, put back together', async () => {
    await connect();
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 1 });
    await waitUntil(() => rec.state === 'acked');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ n: 1, event_type: 'custom.test_v1', app_id: emu.app.app_id, event_id: rec.event_id });
    expect(rec.attempts).toMatchObject([{ url: 'long-connection', status: 200, acked: true, headers: {} }]);
    expect(rec.encrypted).toBe(false);

    gw.settings.fragmentBytes = 40;
    const framesBefore = gw.stats.framesSent;
    const big = events.emit(emu.app.app_id, 'custom.test_v1', { n: 2, text: '线索'.repeat(100) });
    await waitUntil(() => big.state === 'acked');
    expect(gw.stats.framesSent - framesBefore).toBeGreaterThan(5);
    expect(received[1]).toMatchObject({ n: 2, text: '线索'.repeat(100) });
  });

  it('a card click travels as a callback over the socket; the toast comes back in the ack', async () => {
    await connect();
    const chat = emu.emu.kernel.directory.addChat({ name: '销售一组', members: [alice.open_id], bots: [emu.app.app_id] });
    const card = { schema: '2.0', body: { elements: [{ tag: 'button', element_id: 'accept', text: { tag: 'plain_text', content: '认领' }, behaviors: [{ type: 'callback', value: { op: 'accept' } }] }] } };
    const sent = await emu.client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat.chat_id, msg_type: 'interactive', content: JSON.stringify(card) } });
    const click = await emu.control<Record<string, unknown>>('POST', '/cards/click', { message_id: sent.data!.message_id, operator_open_id: alice.open_id, element_id: 'accept' });
    expect(click.body).toMatchObject({ delivered: true, ok: true, status: 200, toast: { type: 'success', content: '已认领' }, request: { url: 'long-connection' } });
    expect(received[0]).toMatchObject({ event_type: 'card.action.trigger', operator: { open_id: alice.open_id }, action: { value: { op: 'accept' } }, context: { open_message_id: sent.data!.message_id } });
  });

  it('answers pings with the ClientConfig; with no socket open an event waits for its retries', async () => {
    await connect();
    await waitUntil(() => gw.list(emu.app.app_id)[0]!.pings >= 3);
    ws!.close({ force: true });
    ws = undefined;
    await waitUntil(() => gw.list(emu.app.app_id).length === 0);
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 3 });
    await events.idle();
    expect(rec.state).toBe('retrying');
    expect(rec.attempts[0]).toMatchObject({ status: 'error', error: 'the app has no open long connection' });
  });

  it('a dropped socket is reopened by the client; refused handshakes are retried at the configured interval, then it recovers', async () => {
    await connect();
    const first = gw.list(emu.app.app_id)[0]!.id;
    expect((await emu.control('POST', '/longconn/drop', { app_id: emu.app.app_id })).body).toEqual({ dropped: 1 });
    await waitUntil(() => gw.list(emu.app.app_id).some((c) => c.id !== first && c.pings > 0));
    expect(gw.stats.handshakes).toBe(2);

    // refuse for 2 s: at one attempt per 0.25 s, about 8 refusals and never a storm
    await emu.control('POST', '/longconn/settings', { refuse_handshake: true });
    gw.drop(emu.app.app_id);
    await new Promise((r) => setTimeout(r, 2000));
    const refusals = gw.stats.handshakeRefusals;
    expect(refusals).toBeGreaterThanOrEqual(3);
    expect(refusals).toBeLessThanOrEqual(2000 / 250 + 2);
    expect(gw.list(emu.app.app_id)).toHaveLength(0);
    await emu.control('POST', '/longconn/settings', { refuse_handshake: false });
    await waitUntil(() => gw.list(emu.app.app_id)[0]?.pings);
    const rec = events.emit(emu.app.app_id, 'custom.test_v1', { n: 4 });
    await waitUntil(() => rec.state === 'acked');
  });

  it('a refused endpoint (busy) is retried as well; a record event is not pushed when the switch says Feishu does not', async () => {
    await connect(); // the client has the ClientConfig (quick retries) from its first connection
    await emu.control('POST', '/longconn/settings', { refuse_endpoint_code: 1000040343 });
    gw.drop(emu.app.app_id);
    await waitUntil(() => gw.stats.endpointRefusals >= 3);
    await emu.control('POST', '/longconn/settings', { refuse_endpoint_code: null });
    await waitUntil(() => gw.list(emu.app.app_id)[0]?.pings);

    await emu.control('POST', '/longconn/settings', { record_events: false });
    const rec = events.emit(emu.app.app_id, 'drive.file.bitable_record_changed_v1', { file_token: 'x' });
    expect(rec).toMatchObject({ state: 'dropped', note: expect.stringContaining('not pushed over the long connection') });
  });
});
