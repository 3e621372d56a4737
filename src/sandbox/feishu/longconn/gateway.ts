import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PostResult } from '../events/signed-request.js';
import type { EmuApp } from '../kernel/apps.js';
import { newId } from '../kernel/ids.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { decodeFrame, encodeFrame, FRAME_CONTROL, FRAME_DATA, type Frame, headerOf } from './frames.js';

/**
 * Feishu's long connection (长连接, docs/platform/feishu.md §5.5), as the SDK's WSClient meets it: the
 * app asks `POST /callback/ws/endpoint` with its id and secret for a socket URL and a ClientConfig, opens
 * the socket, pings; events and card callbacks arrive as data frames (split in fragments when large),
 * each answered by an ack frame whose payload carries the handler's result. Each message goes to one
 * connection of the app. Switches refuse the endpoint or the handshake and drop sockets, so that
 * reconnecting can be tested.
 */
export interface LongConnSettings {
  /** ClientConfig, in seconds (Feishu's defaults: ping 120, reconnect every 120 after up to 30, forever) */
  pingIntervalS: number;
  reconnectCount: number;
  reconnectIntervalS: number;
  reconnectNonceS: number;
  /** the endpoint answers this code instead of a URL (1 busy, 514 auth failed, 1000040343 retryable …); undefined: it answers */
  refuseEndpointCode: number | undefined;
  /** the socket handshake is refused with HTTP 403 */
  refuseHandshake: boolean;
  /** payload bytes per data frame; a larger message goes in several (sum/seq headers) */
  fragmentBytes: number;
  /**
   * Whether `drive.file.bitable_record_changed_v1` travels over the long connection. Feishu's pages list
   * only Webhook as its push mode (§5.5): false here means it is not pushed at all to a long-connection app.
   */
  recordEvents: boolean;
}

export const DEFAULT_LONG_CONN_SETTINGS: Readonly<LongConnSettings> = {
  pingIntervalS: 120,
  reconnectCount: -1,
  reconnectIntervalS: 120,
  reconnectNonceS: 30,
  refuseEndpointCode: undefined,
  refuseHandshake: false,
  fragmentBytes: 64 * 1024,
  recordEvents: true,
};

/** At most this many connections per app (§5.5); the next endpoint request gets 1000040350. */
export const MAX_CONNECTIONS_PER_APP = 50;
/** A ticket from the endpoint is good for one handshake within this many real ms. */
const TICKET_TTL_MS = 5 * 60_000;

export interface LongConnection {
  id: string;
  app_id: string;
  device_id: string;
  service_id: number;
  /** emulator ms */
  connected_at: number;
  pings: number;
  socket: WebSocket;
}

export interface LongConnStats {
  endpointRequests: number;
  endpointRefusals: number;
  handshakes: number;
  handshakeRefusals: number;
  dropped: number;
  messagesSent: number;
  framesSent: number;
  acks: number;
}

interface Pending {
  resolve: (r: PostResult) => void;
  started: number;
  /** the connection it went to: its close settles it */
  connection: string;
}

export class LongConnGateway {
  readonly settings: LongConnSettings = { ...DEFAULT_LONG_CONN_SETTINGS };
  readonly stats: LongConnStats = { endpointRequests: 0, endpointRefusals: 0, handshakes: 0, handshakeRefusals: 0, dropped: 0, messagesSent: 0, framesSent: 0, acks: 0 };
  private readonly connections = new Map<string, LongConnection>();
  private readonly tickets = new Map<string, { app_id: string; device_id: string; service_id: number; expires: number }>();
  private readonly pending = new Map<string, Pending>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private seq = 0;
  private readonly k: EmuKernel;

  constructor(k: EmuKernel) {
    this.k = k;
  }

  clientConfig() {
    const s = this.settings;
    return { PingInterval: s.pingIntervalS, ReconnectCount: s.reconnectCount, ReconnectInterval: s.reconnectIntervalS, ReconnectNonce: s.reconnectNonceS };
  }

  /**
   * `POST /callback/ws/endpoint`: a socket URL for the app, or the code Feishu answers instead. A refusal
   * carries an empty `data`: the SDK reads `data.URL` before it looks at the code, so without one every
   * refusal would be retried as a network failure and its give-up codes (514, 1000040350) never seen
   * (docs/platform/feishu.md#55-long-connection).
   */
  endpoint(appId: unknown, appSecret: unknown, origin: string): { code: number; msg: string; data: { URL: string; ClientConfig: ReturnType<LongConnGateway['clientConfig']> } | Record<string, never> } {
    this.stats.endpointRequests++;
    const app = typeof appId === 'string' ? this.k.apps.get(appId) : undefined;
    if (this.settings.refuseEndpointCode !== undefined) {
      this.stats.endpointRefusals++;
      return { code: this.settings.refuseEndpointCode, msg: 'refused by the emulator control switch', data: {} };
    }
    if (!app || appSecret !== app.app_secret) {
      this.stats.endpointRefusals++;
      return { code: 514, msg: 'auth failed: unknown app or wrong secret', data: {} };
    }
    if (this.list(app.app_id).length >= MAX_CONNECTIONS_PER_APP) {
      this.stats.endpointRefusals++;
      return { code: 1000040350, msg: `too many connections: at most ${MAX_CONNECTIONS_PER_APP} per app`, data: {} };
    }
    const ticket = newId.uuid().replace(/-/g, '');
    const device_id = String(7_000_000_000_000 + Math.floor(Math.random() * 1e12));
    const service_id = 1 + Math.floor(Math.random() * 1e6);
    this.tickets.set(ticket, { app_id: app.app_id, device_id, service_id, expires: Date.now() + TICKET_TTL_MS });
    // The SDK reads device_id and service_id with qs.parse over the whole URL, so the first key is
    // unreadable to it (it swallows "ws://…?"): fpid goes first, as in Feishu's URLs.
    const url = `${origin.replace(/^http/, 'ws')}/ws/v2?fpid=493&aid=552564&device_id=${device_id}&access_key=${ticket}&service_id=${service_id}&ticket=${ticket}`;
    return { code: 0, msg: 'ok', data: { URL: url, ClientConfig: this.clientConfig() } };
  }

  /** An HTTP upgrade to `/ws/v2`: checks the ticket, then keeps the socket as one of the app's connections. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const q = new URL(req.url ?? '/', 'http://emulator').searchParams;
    const ticket = this.tickets.get(q.get('ticket') ?? '');
    const refuse = (status: number, msg: string) => {
      this.stats.handshakeRefusals++;
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Unauthorized'}\r\nhandshake-status: ${status}\r\nhandshake-msg: ${msg}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (this.settings.refuseHandshake) {
      refuse(403, 'refused by the emulator control switch');
      return;
    }
    if (!ticket || ticket.expires < Date.now()) {
      refuse(401, 'unknown or expired ticket');
      return;
    }
    this.tickets.delete(q.get('ticket')!);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.stats.handshakes++;
      const conn: LongConnection = { id: newId.uuid(), app_id: ticket.app_id, device_id: ticket.device_id, service_id: ticket.service_id, connected_at: this.k.clock.now(), pings: 0, socket: ws };
      this.connections.set(conn.id, conn);
      this.k.log('debug', 'long connection opened', { app_id: conn.app_id, connection: conn.id });
      ws.on('message', (data: Buffer) => this.onFrame(conn, data));
      ws.on('close', () => {
        this.connections.delete(conn.id);
        for (const [messageId, p] of this.pending) {
          if (p.connection === conn.id) this.settle(messageId, { status: 'error', elapsedMs: Math.round(performance.now() - p.started), error: 'the connection closed before the ack' });
        }
        this.k.log('debug', 'long connection closed', { app_id: conn.app_id, connection: conn.id });
      });
      ws.on('error', () => ws.terminate());
    });
  }

  list(appId?: string): LongConnection[] {
    return [...this.connections.values()].filter((c) => !appId || c.app_id === appId);
  }

  /** Cut the app's sockets (or every socket) without a close handshake, as a network failure would. */
  drop(appId?: string): number {
    const victims = this.list(appId);
    for (const c of victims) c.socket.terminate();
    this.stats.dropped += victims.length;
    return victims.length;
  }

  /**
   * Send an event or callback envelope to one connection of the app and wait for its ack within
   * `deadlineMs` (real ms, as the webhook's 3 s). An ack with code 200 is HTTP 200; its `data` (the
   * handler's result, base64 JSON) is the response body.
   */
  push(app: EmuApp, envelope: unknown, deadlineMs: number): Promise<PostResult & { connection?: string }> {
    // A socket counts once its client has pinged: the WSClient pings as it opens and starts reading
    // frames just after, so a frame sent in the same instant as the handshake could go unread.
    const open = this.list(app.app_id).filter((c) => c.socket.readyState === c.socket.OPEN && c.pings > 0);
    if (!open.length) return Promise.resolve({ status: 'error', elapsedMs: 0, error: 'the app has no open long connection' });
    const conn = open[Math.floor(Math.random() * open.length)]!;
    const messageId = newId.uuid().replace(/-/g, '');
    const traceId = newId.uuid();
    const bytes = new TextEncoder().encode(JSON.stringify(envelope));
    const size = Math.max(1, this.settings.fragmentBytes);
    const sum = Math.max(1, Math.ceil(bytes.length / size));
    const started = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        resolve({ status: 'timeout', elapsedMs: Math.round(performance.now() - started), error: `no ack within ${deadlineMs} ms`, connection: conn.id });
      }, deadlineMs);
      this.pending.set(messageId, {
        started,
        connection: conn.id,
        resolve: (r) => {
          clearTimeout(timer);
          resolve({ ...r, connection: conn.id });
        },
      });
      this.stats.messagesSent++;
      for (let seq = 0; seq < sum; seq++) {
        const frame: Frame = {
          SeqID: ++this.seq,
          LogID: this.seq,
          service: conn.service_id,
          method: FRAME_DATA,
          headers: [
            { key: 'type', value: 'event' },
            { key: 'message_id', value: messageId },
            { key: 'sum', value: String(sum) },
            { key: 'seq', value: String(seq) },
            { key: 'trace_id', value: traceId },
          ],
          payload: bytes.subarray(seq * size, (seq + 1) * size),
        };
        this.stats.framesSent++;
        conn.socket.send(encodeFrame(frame));
      }
    });
  }

  carries(eventType: string): boolean {
    return this.settings.recordEvents || !eventType.startsWith('drive.file.bitable_');
  }

  close(): void {
    for (const c of this.connections.values()) c.socket.terminate();
    this.connections.clear();
    this.wss.close();
  }

  private settle(messageId: string, r: PostResult): void {
    const p = this.pending.get(messageId);
    if (!p) return;
    this.pending.delete(messageId);
    p.resolve(r);
  }

  private onFrame(conn: LongConnection, data: Buffer): void {
    let f: Frame;
    try {
      f = decodeFrame(data);
    } catch (e) {
      this.k.log('warn', 'long connection: a frame that is not pbbp2.Frame', { connection: conn.id, err: e instanceof Error ? e.message : String(e) });
      return;
    }
    const type = headerOf(f, 'type');
    if (f.method === FRAME_CONTROL && type === 'ping') {
      conn.pings++;
      const pong: Frame = { SeqID: 0, LogID: 0, service: f.service, method: FRAME_CONTROL, headers: [{ key: 'type', value: 'pong' }], payload: new TextEncoder().encode(JSON.stringify(this.clientConfig())) };
      conn.socket.send(encodeFrame(pong));
      return;
    }
    if (f.method !== FRAME_DATA) return;
    // The client echoes a data frame with {code, data: base64(JSON(result))} as its ack.
    const messageId = headerOf(f, 'message_id');
    const p = messageId ? this.pending.get(messageId) : undefined;
    if (!messageId || !p) return;
    this.stats.acks++;
    const elapsedMs = Math.round(performance.now() - p.started);
    try {
      const ack = JSON.parse(new TextDecoder().decode(f.payload ?? new Uint8Array())) as { code?: number; data?: string };
      const body = typeof ack.data === 'string' ? Buffer.from(ack.data, 'base64').toString('utf8') : '';
      this.settle(messageId, { status: ack.code === 200 ? 200 : (ack.code ?? 500), elapsedMs, responseBody: body });
    } catch {
      this.settle(messageId, { status: 'error', elapsedMs, error: 'the ack payload is not JSON' });
    }
  }
}
