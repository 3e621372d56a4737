import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { PostResult } from '../events/signed-request.js';
import { AppRegistry, type EmuApp } from './apps.js';
import { Bus } from './bus.js';
import { createEmuClock, type EmuClock, type EmuClockOptions } from './clock.js';
import { Directory } from './directory.js';
import { FeishuApiError, FeishuErrors } from './errors.js';
import { Faults } from './faults.js';
import { RateLimiter } from './rate-limit.js';
import { TokenStore } from './tokens.js';

export type EmuEnv = { Variables: { appId: string } };
export type EmuContext = Context<EmuEnv>;

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hono path under the API root, e.g. '/open-apis/bitable/v1/apps/:app_token/tables' */
  path: string;
  /** Stable name used by fault rules and logs, e.g. 'bitable.record.create' */
  key: string;
  /** Rate-limit classes counted per app (see DEFAULT_RATE_RULES). */
  rate?: string[];
  /** Token required (default true). */
  auth?: boolean;
  /** Status for 99991400 on this route: 429 on current APIs, 400 on legacy ones (docs/platform/feishu.md §0). */
  rateLimitStatus?: ContentfulStatusCode;
}

export type Handler = (c: EmuContext) => Response | Promise<Response>;

/** A WebSocket upgrade request handed over by the emulator's HTTP server. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** How an event or callback reaches an app that receives over its long connection (the longconn module). */
export interface PushChannel {
  push(app: EmuApp, envelope: unknown, deadlineMs: number): Promise<PostResult>;
  /** whether events of this type are pushed over the long connection at all */
  carries(eventType: string): boolean;
}

export type KernelLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;

export interface KernelOptions {
  clock?: EmuClockOptions;
  log?: KernelLog;
}

/**
 * The emulator's shared core: clock, apps and tokens, directory, error replies, rate limits, faults and
 * an in-process bus. Feature modules (bitable, events, im, ui) register routes through `route()` so that
 * every API answers auth, throttling and injected faults the same way.
 */
export class EmuKernel {
  readonly clock: EmuClock;
  readonly apps = new AppRegistry();
  readonly tokens: TokenStore;
  readonly directory = new Directory();
  readonly errors = new FeishuErrors();
  readonly faults = new Faults();
  readonly rates: RateLimiter;
  readonly bus = new Bus();
  /** Open API routes (what the SDK calls). */
  readonly api = new Hono<EmuEnv>();
  /** Test/UI control routes, mounted at /__control. Loopback only; never part of the Feishu surface. */
  readonly control = new Hono();
  readonly log: KernelLog;

  /** Open API calls received, by route key (benchmarks and tests count calls by endpoint with it). */
  readonly calls = new Map<string, number>();
  /** WebSocket upgrades by path (the long connection's gateway); the server hands them over. */
  readonly upgrades = new Map<string, UpgradeHandler>();
  /** Run when the emulator stops (open sockets to close). */
  readonly disposers: Array<() => void> = [];
  /** Delivery over the long connection, for apps set to receive that way; set by the longconn module. */
  longConnection: PushChannel | undefined;

  constructor(opts: KernelOptions = {}) {
    this.clock = createEmuClock(opts.clock);
    this.tokens = new TokenStore(this.clock);
    this.rates = new RateLimiter(this.clock);
    this.log = opts.log ?? (() => {});
  }

  /** Register an Open API route with fault injection → auth → rate limit → handler. */
  route(spec: RouteSpec, handler: Handler): void {
    const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    this.api[method](spec.path, async (c) => {
      this.calls.set(spec.key, (this.calls.get(spec.key) ?? 0) + 1);
      const fault = this.faults.take(spec.key);
      if (fault) {
        const injected = await this.applyFault(c, fault, spec);
        if (injected) return injected;
      }
      if (spec.auth !== false) {
        const h = c.req.header('authorization');
        const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
        if (!m) return this.errors.respond(c, { code: 99991661, msg: 'Missing access token for authorization. Please make a request with token attached.' });
        const appId = this.tokens.verify(m[1]!);
        if (!appId) return this.errors.respond(c, { code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' });
        c.set('appId', appId);
      }
      for (const cls of spec.rate ?? []) {
        const v = this.rates.hit(cls, c.get('appId') ?? 'anonymous');
        if (v.limited) return this.rateLimited(c, v.limit, v.resetSeconds, spec.rateLimitStatus);
      }
      try {
        return await handler(c);
      } catch (e) {
        if (e instanceof FeishuApiError) {
          return this.errors.respond(c, { code: e.code, msg: e.msg, ...(e.status ? { status: e.status } : {}), ...(e.detail ? { message: e.detail } : {}) });
        }
        throw e;
      }
    });
  }

  /** A 99991400 reply with the documented x-ogw-ratelimit-* headers. */
  rateLimited(c: Context, limit: number, resetSeconds: number, status: ContentfulStatusCode = 429): Response {
    return this.errors.respond(c, {
      code: 99991400,
      msg: 'request trigger frequency limit',
      status,
      headers: { 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': String(resetSeconds) },
    });
  }

  private async applyFault(c: Context, f: NonNullable<ReturnType<Faults['take']>>, spec: RouteSpec): Promise<Response | undefined> {
    this.log('debug', 'fault injected', { route: spec.key, fault: f.kind });
    switch (f.kind) {
      case 'error':
        return this.errors.respond(c, { code: f.code, msg: f.msg ?? `injected error ${f.code}`, ...(f.status ? { status: f.status as ContentfulStatusCode } : {}) });
      case 'rate_limit':
        return this.rateLimited(c, 50, f.resetSeconds ?? 1, spec.rateLimitStatus);
      case 'http':
        return c.body(f.body ?? `<html><body>${f.status}</body></html>`, f.status as ContentfulStatusCode, { 'content-type': f.body?.startsWith('{') ? 'application/json' : 'text/html' });
      case 'delay':
        await new Promise((r) => setTimeout(r, f.ms));
        return undefined;
      case 'not_ready':
        return this.errors.respond(c, { code: 1254607, msg: 'Data not ready, please try again later' });
      default:
        return undefined; // drop/duplicate concern deliveries, not API calls
    }
  }
}
