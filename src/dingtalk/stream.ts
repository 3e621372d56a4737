import { DWClient, type DWClientDownStream, TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';

/**
 * DingTalk's Stream mode (docs/platform/dingtalk.md §1) with the `dingtalk-stream` client: the server
 * opens a socket to DingTalk and card clicks arrive on it, so no public URL is needed. The client
 * parses frames, echoes pings and sends our answers; everything around it is ours, because the
 * published 2.1.5 reconnects in a storm (a failed handshake retried twice a second, doubling) and its
 * `disconnect()` does not stop that:
 * - `autoReconnect: false`, and one connection attempt at a time with a capped, jittered wait that
 *   doubles per failure (reset once connected);
 * - a watchdog that reconnects when the client says it is no longer connected (a closed socket, a
 *   SYSTEM `disconnect`), opening the new socket before letting go of the old one;
 * - a WebSocket ping every 8 s, so a dead socket is closed within 16 s;
 * - no console output (the client prints to stdout when it connects or fails: see `_connect`);
 * - the gateway's URL from our configuration (the client hard-codes DingTalk's), the secret in the
 *   request body only, and its `debug` off (it would print the secret).
 * A card callback is answered on the socket with what `onCard` decided, and a callback delivered again
 * (same messageId) is answered with the first answer without acting again. A robot message is acked at
 * once and handed to `onRobot`, which answers once per message (its msgId).
 */
export interface DingTalkStreamDeps {
  /** the API base (https://api.dingtalk.com, or the sandbox's emulator) */
  baseUrl: string;
  clientId: string;
  clientSecret: Secret;
  log: Logger;
  /** a card click (the callback's parsed `data`) → the callback's `response` */
  onCard: (data: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** a message @-mentioning the robot (parsed `data`): acknowledged at once, then handed here */
  onRobot?: (data: Record<string, unknown>) => Promise<void>;
  /** reconnect waits: the first 0.5–1 × baseMs, doubling per failure, at most capMs */
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

const DEDUPE_MS = 10 * 60_000;
const WATCH_MS = 1_000;
/** a WebSocket ping this often; no pong by the next one closes the socket (as the client's keepAlive) */
const KEEPALIVE_MS = 8_000;

/** The client, pointed at our configured gateway instead of the hard-coded one. */
class GatewayClient extends DWClient {
  private readonly gatewayUrl: string;
  constructor(gatewayUrl: string, opts: { clientId: string; clientSecret: string }) {
    // autoReconnect is read at run time though the constructor's type leaves it out (docs/platform/dingtalk.md §1.3)
    super({ ...opts, keepAlive: false, debug: false, ua: 'lead-journey', autoReconnect: false } as ConstructorParameters<typeof DWClient>[0]);
    this.gatewayUrl = gatewayUrl;
  }
  override async getEndpoint(): Promise<this> {
    const c = this.getConfig();
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: c.clientId, clientSecret: c.clientSecret, ua: c.ua, subscriptions: c.subscriptions }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { endpoint?: unknown; ticket?: unknown; code?: unknown };
    if (!res.ok || typeof body.endpoint !== 'string' || typeof body.ticket !== 'string') throw new Error(`gateway refused the connection: ${res.status} ${typeof body.code === 'string' ? body.code : ''}`.trim());
    (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }
  /**
   * The socket, opened as the client opens it, without its console lines: the published client prints
   * to stdout on every connect, disconnect and socket error (error objects included), which would break
   * the server's JSON log lines. Frames still go to the client's own handling (pings echoed, callbacks
   * emitted, acks sent on this socket); the keep-alive ping runs on this socket only and stops with it.
   */
  override _connect(): Promise<void> {
    const self = this as unknown as { dw_url: string; socket: WebSocket | undefined };
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(self.dw_url, { rejectUnauthorized: true });
      self.socket = ws;
      let keepAlive: NodeJS.Timeout | undefined;
      ws.on('open', () => {
        this.connected = true;
        let alive = true;
        ws.on('pong', () => (alive = true));
        keepAlive = setInterval(() => {
          if (!alive) return ws.terminate();
          alive = false;
          ws.ping();
        }, KEEPALIVE_MS);
        resolve();
      });
      ws.on('message', (data: Buffer) => this.onDownStream(data.toString('utf8')));
      ws.on('close', () => {
        clearInterval(keepAlive);
        this.connected = false;
        this.registered = false;
      });
      ws.on('error', (e) => {
        ws.terminate();
        reject(e);
      });
    });
  }
  override disconnect(): void {
    (this as unknown as { socket: WebSocket | undefined }).socket?.close();
  }
}

export function createDingTalkStream(deps: DingTalkStreamDeps) {
  const log = deps.log.child({ component: 'dingtalk-stream' });
  const gateway = `${deps.baseUrl}/v1.0/gateway/connections/open`;
  const base = deps.baseMs ?? 1_000;
  const cap = deps.capMs ?? 60_000;
  const random = deps.random ?? Math.random;
  let client: GatewayClient | undefined;
  let stopped = true;
  let failures = 0;
  let connecting = false;
  let timer: NodeJS.Timeout | undefined;
  let watch: NodeJS.Timeout | undefined;
  const stats = { attempts: 0, connects: 0, failures: 0, callbacks: 0, duplicates: 0, robotMessages: 0 };

  function onRobotMessage(c: GatewayClient, msg: DWClientDownStream): void {
    // acknowledged at once: the answer is queued (once per DingTalk msgId, so a redelivery changes nothing) and sent by the outbox
    c.socketCallBackResponse(msg.headers.messageId, {});
    stats.robotMessages++;
    let data: unknown;
    try {
      data = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (typeof data !== 'object' || data === null || !deps.onRobot) return;
    deps.onRobot(data as Record<string, unknown>).catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'robot message failed'));
  }
  /** messageId → the answer (or the answer being worked out), for a callback delivered again */
  const answered = new Map<string, { at: number; response: Promise<Record<string, unknown>> }>();

  function onCallback(c: GatewayClient, msg: DWClientDownStream): void {
    const messageId = msg.headers.messageId;
    const now = Date.now();
    for (const [id, a] of answered) if (now - a.at > DEDUPE_MS) answered.delete(id);
    const seen = answered.get(messageId);
    if (seen) stats.duplicates++;
    else stats.callbacks++;
    const response =
      seen?.response ??
      (async () => {
        let data: unknown;
        try {
          data = JSON.parse(msg.data);
        } catch {
          data = undefined;
        }
        if (typeof data !== 'object' || data === null) return {};
        return deps.onCard(data as Record<string, unknown>);
      })();
    if (!seen) answered.set(messageId, { at: now, response });
    response.then(
      (r) => c.socketCallBackResponse(messageId, r),
      (e: unknown) => {
        // nothing decided: acked with an empty answer (DingTalk would deliver it again), the error logged
        answered.delete(messageId);
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'card callback failed');
        c.socketCallBackResponse(messageId, {});
      },
    );
  }

  async function attempt(): Promise<void> {
    if (connecting || stopped) return;
    connecting = true;
    stats.attempts++;
    const next = new GatewayClient(gateway, { clientId: deps.clientId, clientSecret: deps.clientSecret.reveal() });
    next.registerCallbackListener(TOPIC_CARD, (msg: DWClientDownStream) => onCallback(next, msg));
    if (deps.onRobot) next.registerCallbackListener(TOPIC_ROBOT, (msg: DWClientDownStream) => onRobotMessage(next, msg));
    try {
      // the client's own connect() swallows the reason a connection failed: its two steps, so the log says why
      await next.getEndpoint();
      await next._connect();
      if (stopped) {
        if (next.connected) next.disconnect();
        return;
      }
      if (!next.connected) throw new Error('the socket did not open');
      const old = client;
      client = next;
      failures = 0;
      stats.connects++;
      old?.disconnect();
      log.info({}, 'DingTalk Stream connection open');
    } catch (e) {
      failures++;
      stats.failures++;
      const ceiling = Math.min(cap, base * 2 ** Math.min(failures - 1, 20));
      const wait = Math.round(ceiling / 2 + random() * (ceiling / 2));
      log.warn({ err: e instanceof Error ? e.message : String(e), failures, retryInMs: wait }, 'DingTalk Stream connection failed; trying again later (check DINGTALK_CLIENT_ID/SECRET and that the app uses Stream mode: npm run doctor)');
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        void attempt();
      }, wait);
    } finally {
      connecting = false;
    }
  }

  return {
    stats,
    /** Whether a socket is open now. */
    connected: (): boolean => client?.connected === true,
    start(): void {
      if (!stopped) return;
      stopped = false;
      void attempt();
      // a closed socket or a SYSTEM disconnect: reconnect now (unless an attempt or a wait is under way)
      watch = setInterval(() => {
        if (stopped || connecting || timer || !client || client.connected) return;
        log.warn({}, 'DingTalk Stream connection lost; reconnecting');
        void attempt();
      }, WATCH_MS);
    },
    stop(): void {
      stopped = true;
      clearInterval(watch);
      clearTimeout(timer);
      timer = undefined;
      client?.disconnect();
      client = undefined;
    },
  };
}

export type DingTalkStream = ReturnType<typeof createDingTalkStream>;
