import { resolve } from 'node:path';
import { feishuPlatform } from './compose/feishu-platform.js';
import { createServices } from './compose/services.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { mergeEnv, readEnvFile } from './lib/env-file.js';
import { createLogger, logFormatFor } from './lib/logger.js';
import { storageFailureOf } from './store/storage-failure.js';
import pkg from '../package.json' with { type: 'json' };

/**
 * `npm start`: read the configuration, build everything (compose/services.ts), start, and stop on a
 * signal. Nothing else in src/ reads process.env. With no Feishu app configured the embedded sandbox
 * stands in for Feishu (the only place the product reaches for src/sandbox/, and only then: a server
 * on a real app does not load the emulator).
 */
function configOrExit(): Config {
  try {
    return loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n\n配置有误，请对照 .env.example 修改。/ See .env.example.\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** the bound on a graceful stop (docs/operations.md#stopping) */
const STOP_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger({ level: config.logLevel, format: logFormatFor(config.logFormat) });
  const platform = config.feishu
    ? feishuPlatform(config.feishu, log, config.dingtalk)
    : await (await import('./sandbox/platform.js')).sandboxPlatform({
        port: config.sandbox.port,
        log,
        startAt: config.sandbox.startAt,
        demoHistory: config.sandbox.demoHistory,
        transport: config.feishuTransport,
        socketRecordEvents: config.sandbox.socketRecordEvents,
        chatPlatform: config.sandbox.chatPlatform,
      });
  const services = await createServices({ config, log, platform, version: pkg.version });
  await platform.prepare(services);
  await services.start();
  const url = await services.listen();
  platform.onListening?.(url);
  log.info({ url, mode: platform.mode, ...platform.logFields }, 'Lead Journey listening');
  process.stderr.write(`\n  线索旅程 Lead Journey ${pkg.version}\n${platform.banner(url)}\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    services.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    // the drain (5 s) and the workers' current steps fit well inside this; past it, stop anyway
    setTimeout(() => {
      log.error({ afterMs: STOP_TIMEOUT_MS, waitingFor: services.stopProgress().waitingFor }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  const storage = storageFailureOf(e);
  if (storage) {
    process.stderr.write(`线索旅程无法启动：${storage.message.zh}\nLead Journey cannot start: ${storage.message.en} (${storage.code})\n`);
    process.exit(1);
  }
  process.stderr.write(`Lead Journey failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
