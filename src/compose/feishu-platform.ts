import type { DingTalkConfig, FeishuConfig } from '../config.js';
import { dingTalkChat } from '../ports/chat.js';
import { systemClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Platform } from './services.js';

/**
 * A real Feishu app (FEISHU_* settings): the Base named by FEISHU_BITABLE_APP_TOKEN is read at start,
 * never made (that is `npm run provision`), and a full reconciliation pass runs in the background.
 */
export function feishuPlatform(f: FeishuConfig, log: Logger, dingtalk?: DingTalkConfig): Platform {
  log.info({ domain: f.domain, appId: f.appId, appToken: f.bitableAppToken }, 'Feishu app configured');
  return {
    mode: 'feishu',
    feishu: { domain: f.domain, appId: f.appId, appSecret: f.appSecret, encryptKey: f.encryptKey, verificationToken: f.verificationToken },
    clock: systemClock,
    // a group on DingTalk (DINGTALK_CHAT_ID) takes the place of the Feishu one
    chatId: dingtalk?.chatId ? dingTalkChat(dingtalk.chatId) : f.chatId,
    digestChatId: dingtalk?.digestChatId ? dingTalkChat(dingtalk.digestChatId) : f.digestChatId,
    dingtalk: dingtalk && { apiBase: dingtalk.apiBase, clientId: dingtalk.clientId, clientSecret: dingtalk.clientSecret, robotCode: dingtalk.robotCode, cardTemplateId: dingtalk.cardTemplateId },
    quickPolls: false,
    reconcileAtStart: true,
    banner: (url) => `  服务 Server:   ${url}  (健康检查 ${url}/healthz)\n  飞书 Feishu:  ${f.domain}${dingtalk ? `\n  钉钉 DingTalk: ${dingtalk.apiBase}（Stream 模式 / Stream mode）` : ''}`,
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
