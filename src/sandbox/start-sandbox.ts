import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { seedDemoRows } from './demo-base.js';
import { seedDemoDirectory, type DemoDirectory } from './demo-directory.js';
import { createDemoSite, type DemoSite } from './demo-site/module.js';
import { createFeishuEmulator, type FeishuEmulator, type RunningEmulator } from './feishu/emulator.js';
import { ALL_MODULES } from './feishu/modules.js';

export interface Sandbox {
  emulator: FeishuEmulator;
  running: RunningEmulator;
  demo: DemoDirectory;
  /** the demo company's website (/demo/form): its form posts to the product's /api/leads */
  demoSite: DemoSite;
  /** the demo people type their rows into a Base the product has provisioned */
  seedDemoRows(appToken: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default when no Feishu app is configured: the local Feishu emulator on 127.0.0.1 with a
 * demo app, people and group chat. The Base is not made here: the product provisions it through the
 * SDK exactly as it would in a real tenant. It is not Feishu; see docs/sandbox.md.
 */
export async function startSandbox(opts: { port: number; log: Logger; startAt?: Date | undefined }): Promise<Sandbox> {
  const log = opts.log.child({ component: 'sandbox' });
  const demoSite = createDemoSite();
  const emulator = createFeishuEmulator({
    modules: [...ALL_MODULES, demoSite.module],
    ...(opts.startAt ? { clock: { startAt: opts.startAt.getTime() } } : {}),
    log: (level, msg, extra) => log[level]({ ...extra }, msg),
  });
  // Like a console-configured app: an Encrypt Key, so events arrive signed and encrypted (docs/platform/feishu.md §3.3–3.4).
  const app = emulator.kernel.apps.add({ name: '线索旅程（沙箱）', encrypt_key: randomBytes(16).toString('hex') });
  const demo = seedDemoDirectory(emulator.kernel, app);
  const running = await emulator.listen(opts.port);
  return { emulator, running, demo, demoSite, seedDemoRows: (appToken) => seedDemoRows(emulator.kernel, demo, appToken), close: () => running.close() };
}
