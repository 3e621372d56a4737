import type { FeishuConfig } from '../config.js';
import { systemClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Platform } from './services.js';

/**
 * A real Feishu app (FEISHU_* settings): the Base named by FEISHU_BITABLE_APP_TOKEN is read at start,
 * never made (that is `npm run provision`), and a full reconciliation pass runs in the background.
 */
export function feishuPlatform(f: FeishuConfig, log: Logger): Platform {
  log.info({ domain: f.domain, appId: f.appId, appToken: f.bitableAppToken }, 'Feishu app configured');
  return {
    mode: 'feishu',
    feishu: { domain: f.domain, appId: f.appId, appSecret: f.appSecret, encryptKey: f.encryptKey, verificationToken: f.verificationToken },
    clock: systemClock,
    chatId: f.chatId,
    digestChatId: f.digestChatId,
    quickPolls: false,
    reconcileAtStart: true,
    banner: `  飞书 Feishu:  ${f.domain}`,
    logFields: {},
    async prepare(s) {
      const appToken = f.bitableAppToken;
      try {
        const layout = s.useBase(appToken, new Map((await s.bitableApi.listTables(appToken)).map((t) => [t.name, t.table_id])));
        if (!layout) log.warn({ appToken }, `the Base has no table ${s.leadsTable.name}: run npm run provision`);
      } catch (e) {
        log.error({ appToken, err: e instanceof Error ? e.message : String(e) }, 'cannot read the Base; run npm run doctor');
      }
    },
  };
}
