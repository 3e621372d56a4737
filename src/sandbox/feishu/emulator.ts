import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { registerAuthRoutes } from './kernel/auth-routes.js';
import { registerKernelControl } from './kernel/control-routes.js';
import { EmuKernel, type KernelOptions } from './kernel/kernel.js';

/** A feature of the emulator (bitable, events, im, ui …): registers its API and control routes. */
export interface EmulatorModule {
  name: string;
  register(k: EmuKernel, root: Hono): void;
}

export interface FeishuEmulatorOptions extends KernelOptions {
  modules?: EmulatorModule[];
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:41234 — pass as `domain` to the real @larksuiteoapi/node-sdk Client */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface FeishuEmulator {
  kernel: EmuKernel;
  /** The whole HTTP surface: Open API under /open-apis, control under /__control, UI modules elsewhere. */
  app: Hono;
  listen(port?: number): Promise<RunningEmulator>;
}

/**
 * A local stand-in for the subset of the Feishu Open API that Lead Journey uses. It is not Feishu:
 * behaviour follows docs/platform/feishu.md, and where that page and Feishu's own documents disagree,
 * Feishu's documents win.
 */
export function createFeishuEmulator(opts: FeishuEmulatorOptions = {}): FeishuEmulator {
  const kernel = new EmuKernel(opts);
  const root = new Hono();
  registerAuthRoutes(kernel);
  registerKernelControl(kernel);
  for (const m of opts.modules ?? []) m.register(kernel, root);
  root.route('/__control', kernel.control);
  root.route('/', kernel.api);
  root.notFound((c) => c.json({ code: 404, msg: `404 page not found: ${c.req.method} ${c.req.path}` }, 404));
  root.onError((e, c) => {
    kernel.log('error', 'emulator handler failed', { path: c.req.path, err: e instanceof Error ? e.stack : String(e) });
    return c.json({ code: 1255001, msg: 'InternalError', error: { message: e instanceof Error ? e.message : String(e) } }, 500);
  });

  return {
    kernel,
    app: root,
    listen: (port = 0) =>
      new Promise<RunningEmulator>((resolve, reject) => {
        let server: ServerType | undefined;
        try {
          server = serve({ fetch: root.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
            resolve({
              url: `http://127.0.0.1:${info.port}`,
              port: info.port,
              close: () =>
                new Promise<void>((res) => {
                  kernel.clock.dispose();
                  for (const d of kernel.disposers) d();
                  if ('closeAllConnections' in server!) (server as unknown as { closeAllConnections(): void }).closeAllConnections();
                  server!.close(() => res());
                }),
            });
          });
          server.on('error', reject);
          server.on('upgrade', (req, socket, head) => {
            const handle = kernel.upgrades.get(new URL(req.url ?? '/', 'http://emulator').pathname);
            if (handle) handle(req, socket, head);
            else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
          });
        } catch (e) {
          reject(e);
        }
      }),
  };
}
