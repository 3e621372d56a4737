/**
 * npm run doctor — checks credentials, the Base against bitable-templates/leads.base.json, the
 * record-change subscription, how events arrive (FEISHU_TRANSPORT: webhook, or the long connection and whether record changes come over it), a DingTalk app when DINGTALK_* is set (token, Stream, group, 销售团队's 钉钉ID), the group cards go to (FEISHU_CHAT_ID, bot in it) and the one the weekly digest goes to (FEISHU_DIGEST_CHAT_ID), the outbox's dead letters and people the cards @-mention whom Feishu does not know; prints a fix for each problem (zh-CN and
 * en). Exit 0 when everything is fine, 1 when something is wrong, 2 on bad configuration.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBitableApi } from '../src/bitable/api.js';
import { runDoctor } from '../src/bitable/doctor.js';
import { CONFIG_KEYS, ConfigError, databaseFrom, type DingTalkConfig, type FeishuCredentials, loadDingTalkConfig, loadFeishuCredentials } from '../src/config.js';
import { createDingTalkApi } from '../src/dingtalk/api.js';
import { dingTalkChecks } from '../src/dingtalk/doctor.js';
import { createRoster } from '../src/bitable/roster.js';
import { createImApi } from '../src/im/api.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { createFeishuClient } from '../src/feishu/sdk-client.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { loadMetricsConfig } from '../src/rules/metrics-config.js';
import { openStore } from '../src/store/open-store.js';
import { SOCKET_FULL_PASS_MS, SOCKET_RECONCILE_MS, SOCKET_RECORD_EVENT_CURSOR } from '../src/feishu/long-connection.js';

const env = mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env);
let creds: FeishuCredentials;
let database: ReturnType<typeof databaseFrom>;
let chatId: string | undefined;
let digestChatId: string | undefined;
let transport: 'webhook' | 'long-connection' = 'webhook';
let dingtalk: DingTalkConfig | undefined;
try {
  dingtalk = loadDingTalkConfig(env);
  creds = loadFeishuCredentials(env);
  database = databaseFrom(env);
  const chat = CONFIG_KEYS.FEISHU_CHAT_ID.schema.safeParse(env.FEISHU_CHAT_ID);
  if (!chat.success) throw new ConfigError([{ key: 'FEISHU_CHAT_ID', message: chat.error.issues[0]?.message ?? 'invalid', hint: CONFIG_KEYS.FEISHU_CHAT_ID.hint }]);
  chatId = chat.data as string | undefined;
  const digest = CONFIG_KEYS.FEISHU_DIGEST_CHAT_ID.schema.safeParse(env.FEISHU_DIGEST_CHAT_ID);
  if (!digest.success) throw new ConfigError([{ key: 'FEISHU_DIGEST_CHAT_ID', message: digest.error.issues[0]?.message ?? 'invalid', hint: CONFIG_KEYS.FEISHU_DIGEST_CHAT_ID.hint }]);
  digestChatId = digest.data as string | undefined;
  const t = CONFIG_KEYS.FEISHU_TRANSPORT.schema.safeParse(env.FEISHU_TRANSPORT);
  if (!t.success) throw new ConfigError([{ key: 'FEISHU_TRANSPORT', message: t.error.issues[0]?.message ?? 'invalid', hint: CONFIG_KEYS.FEISHU_TRANSPORT.hint }]);
  transport = t.data as typeof transport;
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}

let deadLetters: number | undefined;
let unknownUsers: Array<{ openId: string; name: string | null; lastSeenAt: Date }> | undefined;
let lastSocketRecordEvent: Date | undefined;
if (!database.databaseUrl && (database.databasePath === ':memory:' || !existsSync(database.databasePath))) deadLetters = undefined;
else {
  const store = await openStore(database);
  deadLetters = (await store.tableWrites.counts()).dead + (await store.messages.counts()).dead;
  unknownUsers = await store.unknownUsers.list();
  const at = await store.cursors.get(SOCKET_RECORD_EVENT_CURSOR);
  lastSocketRecordEvent = at === undefined ? undefined : new Date(at);
  await store.close();
}

const client = createFeishuClient({ domain: creds.domain, appId: creds.appId, appSecret: creds.appSecret });
const api = createBitableApi(client);
const im = createImApi(client);
process.stdout.write(`线索旅程 · 体检 Doctor — ${creds.domain} · ${creds.appId} · ${creds.bitableAppToken ?? '-'}\n`);
const template = loadBaseTemplate();
const checks = await runDoctor({
  api,
  template,
  appToken: creds.bitableAppToken,
  deadLetters,
  ...(unknownUsers ? { unknownUsers } : {}),
  // a group on DingTalk takes the Feishu group's place (checked below)
  ...(dingtalk?.chatId ? {} : { chat: { chatId, get: (id: string) => im.getChat(id) } }),
  ...(dingtalk?.digestChatId ? {} : { digestChat: { chatId: digestChatId, get: (id: string) => im.getChat(id), enabled: loadMetricsConfig(template).digest.enabled } }),
  transport: {
    transport,
    // the request the SDK's WSClient makes first (docs/platform/feishu.md#55-long-connection); no socket is opened
    endpoint: async () => {
      const res = await fetch(`${creds.domain}/callback/ws/endpoint`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ AppID: creds.appId, AppSecret: creds.appSecret.reveal() }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { code?: number; msg?: string };
      return { code: typeof body.code === 'number' ? body.code : -1, ...(body.msg ? { msg: body.msg } : {}) };
    },
    lastSocketRecordEvent,
    reconcileSeconds: SOCKET_RECONCILE_MS / 1000,
    fullPassMinutes: SOCKET_FULL_PASS_MS / 60_000,
    now: new Date(),
  },
});
if (dingtalk) {
  const dt = dingtalk;
  const dtApi = createDingTalkApi({ baseUrl: dt.apiBase, appKey: dt.clientId, appSecret: dt.clientSecret });
  // who in 销售团队 can be @-mentioned on DingTalk (read like the server reads it)
  let people: Array<{ name: string; dingtalkId: string | undefined }> | undefined;
  if (creds.bitableAppToken) {
    const appToken = creds.bitableAppToken;
    try {
      const tables = new Map((await api.listTables(appToken)).map((x) => [x.name, x.table_id]));
      const roster = createRoster({ api, template, appToken: () => appToken, tableId: () => tables.get('销售团队') });
      people = [...(await roster.members()).values()].map((m) => ({ name: m.name, dingtalkId: m.dingtalkId }));
    } catch {
      people = undefined; // the Base checks above say why
    }
  }
  checks.push(
    ...(await dingTalkChecks({
      token: () => dtApi.accessToken(),
      // the registration the Stream client makes first (docs/platform/dingtalk.md §1.1); no socket is opened
      register: async () => {
        const res = await fetch(`${dt.apiBase}/v1.0/gateway/connections/open`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ clientId: dt.clientId, clientSecret: dt.clientSecret.reveal(), ua: 'lead-journey-doctor', subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' }] }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json().catch(() => ({}))) as { code?: unknown };
        return { status: res.status, code: typeof body.code === 'string' ? body.code : undefined };
      },
      chatId: dt.chatId,
      digestChatId: dt.digestChatId,
      people,
    })),
  );
}
for (const c of checks) {
  process.stdout.write(`  ${c.ok ? '✓' : '✗'} ${c.what.zh} / ${c.what.en}\n`);
  if (c.fix) process.stdout.write(`    修复 Fix: ${c.fix.zh} / ${c.fix.en}\n`);
}
const bad = checks.filter((c) => !c.ok).length;
process.stdout.write(bad ? `\n发现 ${bad} 个问题。/ ${bad} problem(s) found.\n` : '\n一切正常。/ All good.\n');
process.exit(bad ? 1 : 0);
