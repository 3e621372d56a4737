import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DtOrg } from './org.js';

/**
 * DingTalk's Stream mode (docs/platform/dingtalk.md §1), as the `dingtalk-stream` client meets it: the app
 * registers with `POST /v1.0/gateway/connections/open` (AppKey, AppSecret, subscriptions) for an
 * endpoint and a ticket good for one socket within 90 s; frames are JSON text (`data` a JSON string);
 * SYSTEM pings are echoed; each push goes to one of the app's connections at random and waits for an
 * ack with the same messageId. Switches refuse registrations or handshakes, redeliver unacked pushes,
 * deliver a push twice, and send `disconnect` before closing, so the client's recovery can be tested.
 */
export interface StreamSettings {
  /** registration answers this HTTP status instead of an endpoint (e.g. 503); undefined: it answers */
  refuseOpenStatus: number | undefined;
  /** the socket handshake is refused with HTTP 403 */
  refuseHandshake: boolean;
  /** a SYSTEM ping to every connection this often (ms; 0: none) */
  pingMs: number;
  /** a push not acked within this many ms is delivered again, with the same messageId (0: never) */
  redeliverMs: number;
  /** at most this many deliveries of one push */
  maxDeliveries: number;
  /** deliver each push once more after it was acked (DingTalk says duplicates can happen) */
  duplicateAfterAck: boolean;
  /** how long the server keeps a socket open after its SYSTEM disconnect (10 s on DingTalk) */
  disconnectGraceMs: number;
}

export const DEFAULT_STREAM_SETTINGS: Readonly<StreamSettings> = {
  refuseOpenStatus: undefined,
  refuseHandshake: false,
  pingMs: 30_000,
  redeliverMs: 60_000,
  maxDeliveries: 3,
  duplicateAfterAck: false,
  disconnectGraceMs: 10_000,
};

/** A ticket opens one socket within 90 s (§1.1). */
const TICKET_TTL_MS = 90_000;

export interface StreamConnection {
  id: string;
  appKey: string;
  subscriptions: Array<{ type: string; topic: string }>;
  openedAt: number;
  pongs: number;
  socket: WebSocket;
}

export interface StreamAck {
  code: number;
  /** the ack's `data`, parsed (a callback's answer is `{response: …}`) */
  data: unknown;
  connection: string;
  elapsedMs: number;
}

interface Pending {
  appKey: string;
  frame: { type: string; topic: string; data: unknown };
  deliveries: number;
  started: number;
  timer?: NodeJS.Timeout;
  resolve: (a: StreamAck | undefined) => void;
}

export const TOPIC_CARD = '/v1.0/card/instances/callback';
export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';

export class StreamGateway {
  settings: StreamSettings = { ...DEFAULT_STREAM_SETTINGS };
  readonly stats = { opens: 0, openRefusals: 0, handshakes: 0, handshakeRefusals: 0, pushes: 0, deliveries: 0, redeliveries: 0, duplicates: 0, acks: 0, lateAcks: 0, pings: 0, pongs: 0, disconnects: 0, dropped: 0 };
  /** the last 50 connections, open and closed (wall ms): who was open when */
  readonly history: Array<{ id: string; appKey: string; openedAt: number; closedAt?: number }> = [];
  private readonly connections = new Map<string, StreamConnection>();
  private readonly tickets = new Map<string, { appKey: string; subscriptions: StreamConnection['subscriptions']; expires: number }>();
  private readonly pending = new Map<string, Pending>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private pinger: NodeJS.Timeout | undefined;
  private readonly org: DtOrg;
  private readonly path: string;

  constructor(org: DtOrg, path: string) {
    this.org = org;
    this.path = path;
    this.schedulePings();
  }

  /** `POST /v1.0/gateway/connections/open`: an endpoint and a ticket, or the status DingTalk answers instead. */
  open(body: unknown, origin: string): { status: number; body: Record<string, unknown> } {
    this.stats.opens++;
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const refuse = (status: number, code: string, message: string) => {
      this.stats.openRefusals++;
      return { status, body: { code, message, requestid: randomUUID().toUpperCase() } };
    };
    if (this.settings.refuseOpenStatus !== undefined) return refuse(this.settings.refuseOpenStatus, 'ServiceUnavailable', 'refused by the emulator control switch');
    const app = typeof b.clientId === 'string' ? this.org.apps.get(b.clientId) : undefined;
    if (!app || b.clientSecret !== app.appSecret) return refuse(401, 'InvalidAuthentication', 'clientId 或 clientSecret 不正确');
    const subs = Array.isArray(b.subscriptions) ? b.subscriptions : [];
    const subscriptions = subs.filter((s): s is { type: string; topic: string } => typeof s?.type === 'string' && typeof s?.topic === 'string').map((s) => ({ type: s.type, topic: s.topic }));
    if (!subscriptions.length) return refuse(400, 'param.invalid', 'subscriptions 不能为空');
    const ticket = randomUUID();
    this.tickets.set(ticket, { appKey: app.appKey, subscriptions, expires: Date.now() + TICKET_TTL_MS });
    return { status: 200, body: { endpoint: `${origin.replace(/^http/, 'ws')}${this.path}`, ticket } };
  }

  /** An HTTP upgrade to the endpoint: a fresh ticket opens one connection. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const q = new URL(req.url ?? '/', 'http://emulator').searchParams;
    const key = q.get('ticket') ?? '';
    const ticket = this.tickets.get(key);
    const refuse = (status: number) => {
      this.stats.handshakeRefusals++;
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Unauthorized'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (this.settings.refuseHandshake || !ticket || ticket.expires < Date.now()) {
      refuse(this.settings.refuseHandshake ? 403 : 401);
      return;
    }
    this.tickets.delete(key);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.stats.handshakes++;
      const conn: StreamConnection = { id: randomBytes(8).toString('hex'), appKey: ticket.appKey, subscriptions: ticket.subscriptions, openedAt: Date.now(), pongs: 0, socket: ws };
      this.connections.set(conn.id, conn);
      const h: (typeof this.history)[number] = { id: conn.id, appKey: conn.appKey, openedAt: conn.openedAt };
      this.history.push(h);
      if (this.history.length > 50) this.history.shift();
      ws.on('message', (data: Buffer) => this.onMessage(conn, data));
      ws.on('close', () => {
        h.closedAt = Date.now();
        this.connections.delete(conn.id);
      });
      ws.on('error', () => ws.terminate());
    });
  }

  list(appKey?: string): StreamConnection[] {
    return [...this.connections.values()].filter((c) => (!appKey || c.appKey === appKey) && c.socket.readyState === c.socket.OPEN);
  }

  /** Cut the sockets (of one app, or all) without a close handshake, as a network failure would. */
  drop(appKey?: string): number {
    const victims = this.list(appKey);
    for (const c of victims) c.socket.terminate();
    this.stats.dropped += victims.length;
    return victims.length;
  }

  /** SYSTEM `disconnect` to the app's connections, then close them after the grace period (§1.2). */
  disconnect(appKey?: string): number {
    const victims = this.list(appKey);
    for (const c of victims) {
      this.stats.disconnects++;
      c.socket.send(JSON.stringify(this.frame(c, 'SYSTEM', 'disconnect', { reason: 'connection is expired' })));
      setTimeout(() => c.socket.close(), this.settings.disconnectGraceMs).unref();
    }
    return victims.length;
  }

  /**
   * Push a CALLBACK (or EVENT) to one connection of the app subscribed to `topic`, at random; resolves
   * with the ack, or undefined when no connection took it (none open, or every delivery unacked).
   */
  push(appKey: string, type: 'CALLBACK' | 'EVENT', topic: string, data: unknown, o: { deadlineMs: number }): Promise<StreamAck | undefined> {
    this.stats.pushes++;
    const messageId = `${randomBytes(4).toString('hex')}_${Date.now().toString(16)}_${randomBytes(3).toString('hex')}`;
    const started = performance.now();
    return new Promise((resolve) => {
      const p: Pending = { appKey, frame: { type, topic, data }, deliveries: 0, started, resolve };
      this.pending.set(messageId, p);
      const deadline = setTimeout(() => this.settle(messageId, undefined), o.deadlineMs);
      deadline.unref();
      const first = this.deliver(messageId);
      if (!first) this.settle(messageId, undefined);
    });
  }

  close(): void {
    clearInterval(this.pinger);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const [id] of this.pending) this.settle(id, undefined);
    for (const c of this.connections.values()) c.socket.terminate();
    this.connections.clear();
    this.wss.close();
  }

  /** Restart the ping timer after its interval changed. */
  schedulePings(): void {
    clearInterval(this.pinger);
    if (this.settings.pingMs <= 0) return;
    this.pinger = setInterval(() => {
      for (const c of this.list()) {
        this.stats.pings++;
        c.socket.send(JSON.stringify(this.frame(c, 'SYSTEM', 'ping', { opaque: randomUUID() })));
      }
    }, this.settings.pingMs);
    this.pinger.unref();
  }

  private subscribed(c: StreamConnection, type: string, topic: string): boolean {
    return c.subscriptions.some((s) => s.type === type && (s.topic === topic || s.topic === '*'));
  }

  private frame(c: StreamConnection, type: string, topic: string, data: unknown, messageId: string = randomUUID()): Record<string, unknown> {
    return { specVersion: '1.0', type, headers: { appId: c.appKey, connectionId: c.id, contentType: 'application/json', messageId, time: String(Date.now()), topic }, data: JSON.stringify(data) };
  }

  /** One delivery of a pending push to a random subscribed connection; false when there is none. */
  private deliver(messageId: string): boolean {
    const p = this.pending.get(messageId);
    if (!p) return false;
    const { type, topic, data } = p.frame;
    const open = this.list(p.appKey).filter((c) => this.subscribed(c, type, topic));
    if (!open.length) return false;
    const conn = open[Math.floor(Math.random() * open.length)]!;
    p.deliveries++;
    this.stats.deliveries++;
    if (p.deliveries > 1) this.stats.redeliveries++;
    conn.socket.send(JSON.stringify(this.frame(conn, type, topic, data, messageId)));
    clearTimeout(p.timer);
    if (this.settings.redeliverMs > 0 && p.deliveries < this.settings.maxDeliveries) {
      p.timer = setTimeout(() => this.deliver(messageId), this.settings.redeliverMs);
      p.timer.unref();
    }
    return true;
  }

  private settle(messageId: string, ack: StreamAck | undefined): void {
    const p = this.pending.get(messageId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(messageId);
    p.resolve(ack);
  }

  private onMessage(conn: StreamConnection, raw: Buffer): void {
    let msg: { code?: unknown; headers?: { messageId?: unknown; topic?: unknown }; data?: unknown };
    try {
      msg = JSON.parse(raw.toString('utf8')) as typeof msg;
    } catch {
      return;
    }
    const messageId = typeof msg.headers?.messageId === 'string' ? msg.headers.messageId : undefined;
    if (!messageId) return;
    if (msg.headers?.topic === 'ping') {
      this.stats.pongs++;
      conn.pongs++;
      return;
    }
    const p = this.pending.get(messageId);
    if (!p) {
      // an ack for a push already settled: a duplicate's, or one that came after the deadline
      this.stats.lateAcks++;
      return;
    }
    this.stats.acks++;
    let data: unknown;
    try {
      data = typeof msg.data === 'string' ? JSON.parse(msg.data) : undefined;
    } catch {
      data = undefined;
    }
    const ack: StreamAck = { code: typeof msg.code === 'number' ? msg.code : 0, data, connection: conn.id, elapsedMs: Math.round(performance.now() - p.started) };
    if (this.settings.duplicateAfterAck && p.deliveries === 1) {
      // the same push once more, to any connection: the client must apply it once
      this.stats.duplicates++;
      const { type, topic, data } = p.frame;
      const again = this.list(p.appKey).filter((c) => this.subscribed(c, type, topic));
      const to = again[Math.floor(Math.random() * again.length)];
      if (to) to.socket.send(JSON.stringify(this.frame(to, type, topic, data, messageId)));
    }
    this.settle(messageId, ack);
  }
}
