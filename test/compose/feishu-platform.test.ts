import { describe, expect, it } from 'vitest';
import { feishuPlatform } from '../../src/compose/feishu-platform.js';
import { loadConfig } from '../../src/config.js';
import { testLogger } from '../support/log-capture.js';

/**
 * A real app's platform: Feishu only, or with a DingTalk app, each group on the platform its setting
 * names — the lead group on DingTalk and the management group on Feishu (or the other way round) run
 * side by side, the chat id saying which platform carries each message.
 */
const feishu = {
  FEISHU_APP_ID: 'cli_0123456789abcdef',
  FEISHU_APP_SECRET: 'feishu-secret-0123456789',
  FEISHU_ENCRYPT_KEY: 'encrypt-key-123',
  FEISHU_VERIFICATION_TOKEN: 'verification-123',
  FEISHU_BITABLE_APP_TOKEN: 'AbCdEfGhIjKlMnOpQrStUv',
  FEISHU_CHAT_ID: 'oc_sales0001',
  FEISHU_DIGEST_CHAT_ID: 'oc_management1',
};
const dingtalk = { DINGTALK_CLIENT_ID: 'dingabcdef1234567890', DINGTALK_CLIENT_SECRET: 'dt-secret-0123456789abcdef', DINGTALK_CARD_TEMPLATE_ID: 'lead.schema' };
const log = testLogger();
const platformOf = (env: Record<string, string>) => {
  const c = loadConfig(env);
  return feishuPlatform(c.feishu!, log, c.dingtalk);
};

describe('the platform of a real app', () => {
  it('Feishu only: both groups on Feishu, no DingTalk app', () => {
    expect(platformOf(feishu)).toMatchObject({ chatId: 'oc_sales0001', digestChatId: 'oc_management1', dingtalk: undefined });
  });

  it('the lead group on DingTalk, the digest on Feishu (both at once); and the other way round', () => {
    const a = platformOf({ ...feishu, ...dingtalk, DINGTALK_CHAT_ID: 'cidSales0000==' });
    expect(a).toMatchObject({
      chatId: 'dingtalk:cidSales0000==',
      digestChatId: 'oc_management1',
      dingtalk: { clientId: dingtalk.DINGTALK_CLIENT_ID, robotCode: dingtalk.DINGTALK_CLIENT_ID, cardTemplateId: 'lead.schema', apiBase: 'https://api.dingtalk.com' },
    });
    expect(a.banner('http://127.0.0.1:3000')).toContain('DingTalk');
    const b = platformOf({ ...feishu, ...dingtalk, DINGTALK_DIGEST_CHAT_ID: 'cidBoard0000==' });
    expect(b).toMatchObject({ chatId: 'oc_sales0001', digestChatId: 'dingtalk:cidBoard0000==' });
  });
});
