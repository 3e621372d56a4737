import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { systemClock } from './lib/clock.js';
import { mergeEnv, readEnvFile } from './lib/env-file.js';
import { createLogger } from './lib/logger.js';
import { loadJourney } from './rules/load-journey.js';
import { startSandbox, type Sandbox } from './sandbox/start-sandbox.js';
import { openDb } from './store/db.js';
import { createStore } from './store/store.js';
import pkg from '../package.json' with { type: 'json' };

/**
 * The only composition root: read the environment, open the database, build clients, serve the app.
 * Nothing else in src/ reads process.env or opens resources on its own.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n\n配置有误，请对照 .env.example 修改。/ See .env.example.\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.logLevel });
  const journey = loadJourney(config.journey);
  let migrated: number[] = [];
  const db = openDb(config.databasePath, { onMigrated: (a) => (migrated = a) });
  const store = createStore(db);
  const clock = systemClock;
  log.info({ databasePath: config.databasePath, migrated, journey: journey.id, leads: store.leads.count(), now: clock.now().toISOString() }, 'database ready');

  let sandbox: Sandbox | undefined;
  if (config.sandbox.enabled) {
    sandbox = await startSandbox({ port: config.sandbox.port, log });
    log.info({ url: sandbox.running.url, appId: sandbox.demo.app.app_id }, 'Feishu sandbox started (local emulator, not Feishu)');
  }

  const app = createApp({ db, log, mode: config.feishu ? 'feishu' : 'sandbox', version: pkg.version, startedAt: clock.now() });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
    const url = `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`;
    log.info({ url, mode: config.feishu ? 'feishu' : 'sandbox', sandboxUrl: sandbox?.running.url }, 'Lead Journey listening');
    process.stderr.write(
      `\n  线索旅程 Lead Journey ${pkg.version}\n  服务 Server:   ${url}  (健康检查 ${url}/healthz)\n` +
        (sandbox ? `  飞书沙箱 Sandbox: ${sandbox.running.url}/  (本地模拟，不是真正的飞书 / a local emulator, not Feishu)\n` : `  飞书 Feishu:  ${config.feishu?.domain}\n`) +
        '\n',
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close(async () => {
      await sandbox?.close();
      db.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`Lead Journey failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
