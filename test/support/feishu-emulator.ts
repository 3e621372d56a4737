import * as lark from '@larksuiteoapi/node-sdk';
import { createFeishuEmulator, type EmulatorModule, type FeishuEmulator, type RunningEmulator } from '../../src/sandbox/feishu/emulator.js';
import type { EmuApp, NewApp } from '../../src/sandbox/feishu/kernel/apps.js';
import type { EmuClockOptions } from '../../src/sandbox/feishu/kernel/clock.js';
import { registerSecret } from './log-capture.js';

export interface StartedEmulator {
  emu: FeishuEmulator;
  running: RunningEmulator;
  url: string;
  app: EmuApp;
  /** The unmodified SDK, pointed at the emulator over real HTTP. */
  client: lark.Client;
  /** Everything the SDK logged (it logs failed calls at error level); keeps test output quiet. */
  sdkLog: unknown[][];
  /** Call the emulator's control API. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  modules?: EmulatorModule[];
  clock?: EmuClockOptions;
  app?: NewApp;
}

/** Start an emulator on 127.0.0.1:<random port> with one registered app and an SDK client for it. */
export async function startEmulator(opts: StartOptions = {}): Promise<StartedEmulator> {
  const emu = createFeishuEmulator({ modules: opts.modules ?? [], ...(opts.clock ? { clock: opts.clock } : {}) });
  const app = emu.kernel.apps.add(opts.app);
  for (const v of [app.app_secret, app.encrypt_key, app.verification_token]) registerSecret(v);
  const running = await emu.listen(0);
  const sdkLog: unknown[][] = [];
  const client = sdkClient(running.url, app, { log: sdkLog });
  return {
    emu,
    running,
    url: running.url,
    app,
    client,
    sdkLog,
    control: async (method, path, body) => {
      const res = await fetch(`${running.url}/__control${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    stop: () => running.close(),
  };
}

/** An SDK logger that drops everything, or collects it into `into`. */
export function quietLogger(into?: unknown[][]): { error: (...a: unknown[]) => void; warn: (...a: unknown[]) => void; info: (...a: unknown[]) => void; debug: (...a: unknown[]) => void; trace: (...a: unknown[]) => void } {
  const sink = (...args: unknown[]) => void into?.push(args);
  return { error: sink, warn: sink, info: sink, debug: sink, trace: sink };
}

/**
 * The unmodified SDK pointed at an emulator, with a private token cache (the SDK's default cache is
 * process-global, docs/platform/feishu.md#1-tenant-access-token) and a quiet logger (it logs every failed call).
 */
export function sdkClient(url: string, app: { app_id: string; app_secret: string }, opts: { log?: unknown[][]; cache?: lark.Cache } = {}): lark.Client {
  return new lark.Client({ appId: app.app_id, appSecret: app.app_secret, domain: url, logger: quietLogger(opts.log), cache: opts.cache ?? createMapCache() });
}

export function createMapCache(): lark.Cache & { clear(): void } {
  const m = new Map<string | symbol, { value: unknown; expiredTime?: number }>();
  return {
    async set(key, value, expiredTime) {
      m.set(key as string | symbol, { value, ...(expiredTime !== undefined ? { expiredTime } : {}) });
      return true;
    },
    async get(key) {
      const e = m.get(key as string | symbol);
      if (!e) return undefined;
      if (e.expiredTime !== undefined && e.expiredTime <= Date.now()) return undefined;
      return e.value;
    },
    clear: () => m.clear(),
  };
}
