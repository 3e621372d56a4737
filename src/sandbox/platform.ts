import { provision } from '../bitable/provision.js';
import type { Platform } from '../compose/services.js';
import type { Logger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { startSandbox } from './start-sandbox.js';

/**
 * The embedded sandbox as the server's Feishu (no credentials configured): the local emulator with its
 * demo app, people and group chat, reached through the SDK over HTTP like Feishu. Its clock is the
 * server's clock (real time unless moved: the UI's 快进时间, POST /__control/clock/advance, brings SLAs
 * due), and work is looked for every few seconds. Rate limits count real time either way.
 */
export async function sandboxPlatform(o: { port: number; log: Logger; startAt?: Date | undefined }): Promise<Platform> {
  const { log } = o;
  const sandbox = await startSandbox({ port: o.port, log, startAt: o.startAt });
  const app = sandbox.demo.app;
  log.info({ url: sandbox.running.url, appId: app.app_id }, 'Feishu sandbox started (local emulator, not Feishu)');
  return {
    mode: 'sandbox',
    feishu: { domain: sandbox.running.url, appId: app.app_id, appSecret: new Secret(app.app_secret), encryptKey: new Secret(app.encrypt_key ?? ''), verificationToken: new Secret(app.verification_token) },
    clock: { now: () => new Date(sandbox.emulator.kernel.clock.now()) },
    chatId: sandbox.demo.chat.chat_id,
    quickPolls: true,
    // adoption reads every row at start; the first reconciliation pass comes at the interval
    reconcileAtStart: false,
    /**
     * Every start provisions the demo Base with the same code `npm run provision` runs, then the demo
     * people type their rows and the server adopts them (线索编号 written back by the writer).
     */
    async prepare(s) {
      const prov = await provision(s.bitableApi, s.rules.template, { onStep: (_s, i, n, t) => log.debug({ step: `${i + 1}/${n}`, what: t.en }, 'provisioning the sandbox Base') });
      const appToken = prov.appToken!;
      await sandbox.seedDemoRows(appToken);
      s.useBase(appToken, prov.tables);
      const adopted = await s.adoptRows(appToken, prov.tables.get(s.leadsTable.name)!);
      s.writer.kick();
      void s.roster.members().catch(() => undefined); // warm: the first card click should not wait for it
      log.info({ appToken, changes: prov.applied, adopted: adopted.adopted.length }, 'sandbox Base provisioned and demo leads adopted');
    },
    // The sandbox's app sends its events here, signed and encrypted, like a Feishu app configured in the console.
    onListening(url) {
      sandbox.emulator.kernel.apps.update(app.app_id, { event_url: `${url}/feishu/events`, card_url: `${url}/feishu/card` });
    },
    close: () => sandbox.close(),
    banner: `  飞书沙箱 Sandbox: ${sandbox.running.url}/  (本地模拟，不是真正的飞书 / a local emulator, not Feishu)`,
    logFields: { sandboxUrl: sandbox.running.url },
  };
}
