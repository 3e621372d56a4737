import type { Logger } from '../lib/logger.js';
import { seedDemoBase } from './demo-base.js';
import { seedDemoDirectory, type DemoDirectory } from './demo-directory.js';
import type { CreatedBase } from './feishu/bitable/template.js';
import { createFeishuEmulator, type FeishuEmulator, type RunningEmulator } from './feishu/emulator.js';
import { ALL_MODULES } from './feishu/modules.js';

export interface Sandbox {
  emulator: FeishuEmulator;
  running: RunningEmulator;
  demo: DemoDirectory;
  base: CreatedBase;
  close(): Promise<void>;
}

/**
 * The embedded default when no Feishu app is configured: the local Feishu emulator on 127.0.0.1 with a
 * demo app, people and group chat. It is not Feishu; see README "The sandbox".
 */
export async function startSandbox(opts: { port: number; log: Logger }): Promise<Sandbox> {
  const log = opts.log.child({ component: 'sandbox' });
  const emulator = createFeishuEmulator({
    modules: ALL_MODULES,
    log: (level, msg, extra) => log[level]({ ...extra }, msg),
  });
  const app = emulator.kernel.apps.add({ name: '线索旅程（沙箱）' });
  const demo = seedDemoDirectory(emulator.kernel, app);
  const base = seedDemoBase(emulator.kernel, demo);
  const running = await emulator.listen(opts.port);
  return { emulator, running, demo, base, close: () => running.close() };
}
