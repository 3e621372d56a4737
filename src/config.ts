import { z } from 'zod';
import type { Text } from './domain/text.js';
import { Secret } from './lib/secret.js';

/**
 * Every setting comes from the environment and is checked here, once. `.env.example` documents each
 * key; test/config.test.ts fails when the two disagree.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodTypeAny>(s: T) => z.preprocess(blankToUndefined, s.optional());
const withDefault = <T extends z.ZodTypeAny>(s: T, d: z.input<T>) => z.preprocess(blankToUndefined, s.default(d as never));

const port = z.coerce.number().int().min(0).max(65535);

/** A DATABASE_URL that names PostgreSQL (anything else is a SQLite file path). */
export const isPostgresUrl = (v: string): boolean => /^postgres(ql)?:\/\/./.test(v);

/** DATABASE_URL over DATABASE_PATH: PostgreSQL when it is a postgres:// URL, else the SQLite file it or `path` names. */
function chooseDatabase(url: string | undefined, path: string): { databasePath: string; databaseUrl: Secret | undefined } {
  if (url && isPostgresUrl(url)) return { databasePath: path, databaseUrl: new Secret(url) };
  return { databasePath: url ?? path, databaseUrl: undefined };
}

/** Per key: the schema plus the hint shown when the value is wrong. */
export const CONFIG_KEYS = {
  NODE_ENV: { schema: withDefault(z.enum(['development', 'production', 'test']), 'development'), hint: { zh: '填写 development、production 或 test', en: 'use development, production or test' } },
  HOST: { schema: withDefault(z.string().min(1), '127.0.0.1'), hint: { zh: '填写监听地址，如 127.0.0.1 或 0.0.0.0', en: 'an interface address such as 127.0.0.1 or 0.0.0.0' } },
  PORT: { schema: withDefault(port, 3000), hint: { zh: '填写端口号，如 3000', en: 'a TCP port number, e.g. 3000' } },
  LOG_LEVEL: { schema: withDefault(z.enum(LOG_LEVELS), 'info'), hint: { zh: `取值之一：${LOG_LEVELS.join('、')}`, en: `one of ${LOG_LEVELS.join(', ')}` } },
  LOG_FORMAT: {
    schema: withDefault(z.enum(['auto', 'json', 'pretty']), 'auto'),
    hint: { zh: '日志格式：auto（输出到终端时为易读的单行，否则每行一个 JSON）、json 或 pretty', en: 'log format: auto (readable lines on a terminal, one JSON object a line otherwise), json or pretty' },
  },
  LOCALE: { schema: withDefault(z.enum(['zh-CN', 'en']), 'zh-CN'), hint: { zh: '填写 zh-CN 或 en', en: 'zh-CN or en' } },
  DATABASE_PATH: { schema: withDefault(z.string().min(1), './data/lead-journey.db'), hint: { zh: '填写文件路径，如 ./data/lead-journey.db，或 :memory:', en: 'a file path such as ./data/lead-journey.db, or :memory:' } },
  DATABASE_URL: {
    schema: opt(z.string().refine((v) => isPostgresUrl(v) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v), 'must be postgres://… (PostgreSQL) or a file path (SQLite)')),
    hint: {
      zh: 'PostgreSQL 连接串，如 postgres://用户:密码@主机:5432/库名（多实例、托管数据库时用）；填文件路径或留空则用 SQLite（DATABASE_PATH）',
      en: 'a PostgreSQL connection string such as postgres://user:password@host:5432/db (several instances, a managed database); a file path or nothing keeps SQLite (DATABASE_PATH)',
    },
  },
  SANDBOX_DEMO_HISTORY: {
    schema: withDefault(z.enum(['on', 'off']), 'on'),
    hint: { zh: '填写 on（沙箱启动时生成近六个月的演示历史，报表和周报有数可看）或 off', en: 'on (the sandbox starts with six months of made-up history, so the report and the digest have numbers) or off' },
  },
  JOURNEY: { schema: withDefault(z.string().min(1), 'default'), hint: { zh: '填写 default、lifecycle-9、funnel-4，或旅程 JSON 文件路径', en: 'default, lifecycle-9, funnel-4, or a path to a journey JSON file' } },
  SANDBOX_MODE: { schema: withDefault(z.enum(['auto', 'on', 'off']), 'auto'), hint: { zh: '填写 auto（未配置飞书应用时启用沙箱）、on 或 off', en: 'auto (sandbox when no Feishu app is configured), on or off' } },
  SANDBOX_PORT: { schema: withDefault(port, 3001), hint: { zh: '填写本地飞书沙箱的端口，如 3001', en: 'a TCP port for the local Feishu sandbox, e.g. 3001' } },
  SANDBOX_START_AT: {
    schema: opt(z.iso.datetime({ offset: true })),
    hint: {
      zh: '沙箱时钟从这个时刻开始走（带时区的 ISO 时间，如 2026-09-30T16:00:00+08:00），用来演示节假日和调休对 SLA 的影响；留空为当前时间（非工作时间则从下一个工作时间开始）',
      en: 'the sandbox clock starts at this moment (ISO time with its offset, e.g. 2026-09-30T16:00:00+08:00), to try SLAs across holidays and 调休; empty: now (or the next working hour, outside working hours)',
    },
  },
  FEISHU_TRANSPORT: {
    schema: withDefault(z.enum(['webhook', 'long-connection']), 'webhook'),
    hint: {
      zh: '飞书事件与卡片回调的接收方式：webhook（飞书把请求发到本服务的公网 HTTPS 地址）或 long-connection（本服务连到飞书的长连接，无需公网地址）；开发者后台「事件与回调」的订阅方式须与此一致',
      en: 'how Feishu events and card callbacks reach the server: webhook (Feishu posts to its public HTTPS address) or long-connection (the server holds a connection to Feishu; no public address needed); set the same under Events & Callbacks in the developer console',
    },
  },
  SANDBOX_SOCKET_RECORD_EVENTS: {
    schema: withDefault(z.enum(['on', 'off']), 'on'),
    hint: {
      zh: '沙箱在长连接方式下是否推送多维表格记录变更事件（飞书文档只写明 Webhook 推送）：on 或 off（off 时表格改动靠每隔几秒的对账发现）',
      en: 'whether the sandbox pushes Bitable record-change events over the long connection (Feishu documents only Webhook for them): on, or off (grid edits are then found by reconciling every few seconds)',
    },
  },
  FEISHU_DOMAIN: { schema: withDefault(z.url(), 'https://open.feishu.cn'), hint: { zh: '飞书填 https://open.feishu.cn，Lark 填 https://open.larksuite.com', en: 'https://open.feishu.cn (Feishu) or https://open.larksuite.com (Lark)' } },
  FEISHU_APP_ID: {
    schema: opt(z.string().regex(/^cli_[0-9a-f]{16}$/, 'must look like cli_ followed by 16 hex characters')),
    hint: { zh: '从飞书开发者后台「凭证与基础信息」复制 App ID', en: 'copy the App ID from the Feishu developer console (Credentials & Basic Info)' },
  },
  FEISHU_APP_SECRET: { schema: opt(z.string().min(16)), hint: { zh: '从飞书开发者后台「凭证与基础信息」复制 App Secret', en: 'copy the App Secret from the Feishu developer console' } },
  FEISHU_ENCRYPT_KEY: { schema: opt(z.string().min(8)), hint: { zh: '在「事件与回调 → 加密策略」设置 Encrypt Key；未设置时拒绝所有事件', en: 'set an Encrypt Key under Events & Callbacks → Encryption; events are refused without it' } },
  FEISHU_VERIFICATION_TOKEN: { schema: opt(z.string().min(8)), hint: { zh: '从「事件与回调 → 加密策略」复制 Verification Token', en: 'copy the Verification Token from Events & Callbacks → Encryption' } },
  FEISHU_BITABLE_APP_TOKEN: { schema: opt(z.string().regex(/^[A-Za-z0-9]{20,40}$/, 'must be the Base app_token from its URL')), hint: { zh: '多维表格链接中 /base/ 后面的部分', en: 'the part after /base/ in the Bitable URL' } },
  FEISHU_CHAT_ID: {
    schema: opt(z.string().regex(/^oc_[A-Za-z0-9]{4,64}$/, 'must be a group chat_id such as oc_…')),
    hint: { zh: '审批卡片与分配卡片发到的群（chat_id，形如 oc_…；把应用机器人拉进群后，在群设置或 API 中获取）', en: 'the group chat for approval and assignment cards (chat_id, oc_…; add the app bot to the group first)' },
  },
  FEISHU_DIGEST_CHAT_ID: {
    schema: opt(z.string().regex(/^oc_[A-Za-z0-9]{4,64}$/, 'must be a group chat_id such as oc_…')),
    hint: { zh: '线索周报发到的管理群（chat_id，形如 oc_…；可与 FEISHU_CHAT_ID 相同；不设置则不发周报）', en: 'the management group chat for the weekly digest (chat_id, oc_…; may be FEISHU_CHAT_ID; unset: no digest)' },
  },
  DINGTALK_CLIENT_ID: {
    schema: opt(z.string().regex(/^[A-Za-z0-9]{8,64}$/, 'must be the AppKey (Client ID) of a DingTalk app')),
    hint: { zh: '钉钉开发者后台「凭证与基础信息」中的 Client ID（原 AppKey）；设置后卡片可发到钉钉群', en: 'the Client ID (AppKey) from the DingTalk developer console (Credentials); set it to send cards to a DingTalk group' },
  },
  DINGTALK_CLIENT_SECRET: { schema: opt(z.string().min(16)), hint: { zh: '钉钉开发者后台「凭证与基础信息」中的 Client Secret（原 AppSecret）', en: 'the Client Secret (AppSecret) from the DingTalk developer console' } },
  DINGTALK_ROBOT_CODE: {
    schema: opt(z.string().min(8)),
    hint: { zh: '应用机器人的 RobotCode（「机器人」页面；企业内部应用通常与 Client ID 相同）；留空则用 Client ID', en: "the app robot's RobotCode (Robot page; usually the Client ID for an internal app); empty: the Client ID" },
  },
  DINGTALK_CARD_TEMPLATE_ID: {
    schema: opt(z.string().regex(/^[A-Za-z0-9_.-]{4,128}$/, 'must be a card template id such as xxxx.schema')),
    hint: { zh: '在钉钉卡片平台按 README 的说明搭建并发布的卡片模板 ID（形如 xxxx.schema）', en: 'the id of the card template built and published on the DingTalk card platform as the README says (xxxx.schema)' },
  },
  DINGTALK_CHAT_ID: {
    schema: opt(z.string().regex(/^cid[A-Za-z0-9+/=_-]{4,128}$/, 'must be a group openConversationId such as cid…')),
    hint: {
      zh: '审批卡片与分配卡片发到的钉钉群（openConversationId，形如 cid…；先把应用机器人加进群）；设置后替代 FEISHU_CHAT_ID',
      en: 'the DingTalk group for approval and assignment cards (openConversationId, cid…; add the app robot first); replaces FEISHU_CHAT_ID',
    },
  },
  DINGTALK_DIGEST_CHAT_ID: {
    schema: opt(z.string().regex(/^cid[A-Za-z0-9+/=_-]{4,128}$/, 'must be a group openConversationId such as cid…')),
    hint: { zh: '线索周报发到的钉钉管理群（openConversationId）；设置后替代 FEISHU_DIGEST_CHAT_ID', en: 'the DingTalk management group for the weekly digest (openConversationId); replaces FEISHU_DIGEST_CHAT_ID' },
  },
  DINGTALK_API_BASE: { schema: withDefault(z.url(), 'https://api.dingtalk.com'), hint: { zh: '钉钉开放接口地址，默认 https://api.dingtalk.com', en: "DingTalk's API address; default https://api.dingtalk.com" } },
  SANDBOX_CHAT_PLATFORM: {
    schema: withDefault(z.enum(['feishu', 'dingtalk']), 'feishu'),
    hint: {
      zh: '沙箱的线索群在哪个平台：feishu 或 dingtalk（卡片发到沙箱里的钉钉群，点击经 Stream 回来）',
      en: "which platform the sandbox's lead group is on: feishu or dingtalk (cards go to the sandbox's DingTalk group, clicks come back over Stream)",
    },
  },
  BITABLE_BATCH_SIZE: { schema: withDefault(z.coerce.number().int().min(1).max(1000), 500), hint: { zh: '每次批量写入的记录数，1–1000，建议 500', en: 'records per batch write, 1–1000; 500 is the safe size' } },
  BITABLE_WRITES_PER_SECOND: { schema: withDefault(z.coerce.number().int().min(1).max(50), 40), hint: { zh: '每秒最多写入调用次数，不超过飞书的 50 次/秒', en: 'write calls per second at most; Feishu allows 50' } },
  BITABLE_WRITES_PER_MINUTE: { schema: withDefault(z.coerce.number().int().min(1).max(1000), 900), hint: { zh: '每分钟最多写入调用次数，不超过飞书的 1000 次/分钟', en: 'write calls per minute at most; Feishu allows 1000' } },
  BITABLE_READS_PER_SECOND: {
    schema: withDefault(z.coerce.number().int().min(1).max(20), 18),
    hint: { zh: '每秒最多读取（查询/批量获取）次数，不超过飞书的 20 次/秒', en: 'record reads (search, batch_get) per second at most; Feishu allows 20' },
  },
  OUTBOUND_WEBHOOK_SECRET: {
    schema: opt(z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by at least 24 random bytes in base64')),
    hint: {
      zh: '培育步骤 Webhook 的签名密钥：whsec_ 加至少 24 字节随机数的 base64（Standard Webhooks 格式，生成方法见 .env.example），与接收方共享',
      en: 'the signing secret for 培育步骤 webhooks: whsec_ + at least 24 random bytes in base64 (Standard Webhooks; .env.example shows how to make one), shared with the receiver',
    },
  },
  WEBHOOK_SIGNING_KEY: {
    schema: opt(z.string().min(32)),
    hint: {
      zh: 'Webhook 订阅方（npm run webhooks -- add）的主密钥：至少 32 个随机字符（生成方法见 .env.example）；各订阅方的签名密钥由它派生，不存入数据库，也不要交给任何人',
      en: "the master key of webhook subscribers (npm run webhooks -- add): at least 32 random characters (.env.example shows how); each subscriber's signing secret is derived from it, never stored; give it to nobody",
    },
  },
  METRICS_API_TOKEN: {
    schema: opt(z.string().min(32)),
    hint: {
      zh: '报表接口 /api/metrics 的访问令牌：至少 32 个随机字符（生成方法见 .env.example）；调用时带 Authorization: Bearer <令牌>；不填则接口关闭',
      en: 'the token of the metrics API (/api/metrics): at least 32 random characters (.env.example shows how); callers send Authorization: Bearer <token>; unset: the API is off',
    },
  },
  PROMETHEUS_TOKEN: {
    schema: opt(z.string().min(32)),
    hint: {
      zh: 'Prometheus 抓取 /metrics 的令牌：至少 32 个随机字符；抓取时带 Authorization: Bearer <令牌>；不填则 /metrics 只回答本机（127.0.0.1、::1）的请求',
      en: 'the token Prometheus scrapes /metrics with: at least 32 random characters; it sends Authorization: Bearer <token>; unset: /metrics answers only this machine (127.0.0.1, ::1)',
    },
  },
  INTAKE_CORS_ORIGINS: {
    schema: opt(z.string().refine((v) => v.split(',').every((o) => /^https?:\/\/[^/\s]+$/.test(o.trim())), 'must be origins such as https://www.example.com, separated by commas')),
    hint: {
      zh: '允许哪些网页（浏览器表单）直接调用 /api/leads：以逗号分隔的来源，如 https://www.example.com；不填则不允许跨域调用',
      en: 'which web pages (browser forms) may call /api/leads directly: origins such as https://www.example.com, comma-separated; unset: no cross-origin calls',
    },
  },
  SOURCE_SIGNING_KEY: {
    schema: opt(z.string().min(32)),
    hint: {
      zh: '签名来源（npm run sources -- add 名称 --signed）的主密钥：至少 32 个随机字符（生成方法见 .env.example）；各来源的签名密钥由它派生，不存入数据库',
      en: "the master key for signing sources (npm run sources -- add NAME --signed): at least 32 random characters (.env.example shows how); each source's secret is derived from it, never stored",
    },
  },
  RECONCILE_INTERVAL_SECONDS: {
    schema: withDefault(z.coerce.number().int().min(5).max(86_400), 300),
    hint: { zh: '对账间隔（秒），5–86400，默认 300：漏掉的事件最迟这么久后被补上', en: 'reconciliation interval in seconds, 5–86400 (default 300): a lost event is repaired within this time' },
  },
  RETENTION_CLOSED_DAYS: {
    schema: opt(z.coerce.number().int().min(30).max(3650)),
    hint: {
      zh: '输单、无效的线索进入该阶段多少天后，自动删除其联系人、电话、邮箱、微信（线索、阶段和统计保留，每次写审计记录），30–3650；不填则不自动删除',
      en: 'days after a lead became lost or disqualified before its contact name, phone, e-mail and WeChat are erased automatically (the lead, its stages and counts stay; each erasure is audited), 30–3650; unset: never',
    },
  },
  FAILOVER_SECONDS: {
    schema: withDefault(z.coerce.number().int().min(3).max(600), 30),
    hint: {
      zh: '多个实例共用一个 PostgreSQL 时，某实例停止响应后，其余实例接手它的工作（写表、发消息、定时器）前最多等待的秒数，3–600，默认 30',
      en: 'with several instances on one PostgreSQL: how long, at most, the others wait before taking over the work (table writes, messages, timers) of one that stopped answering, 3–600 seconds (default 30)',
    },
  },
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const SECRET_KEYS: readonly ConfigKey[] = [
  'DINGTALK_CLIENT_SECRET',
  'FEISHU_APP_SECRET',
  'FEISHU_ENCRYPT_KEY',
  'FEISHU_VERIFICATION_TOKEN',
  'OUTBOUND_WEBHOOK_SECRET',
  'WEBHOOK_SIGNING_KEY',
  'METRICS_API_TOKEN',
  'PROMETHEUS_TOKEN',
  'SOURCE_SIGNING_KEY',
  'DATABASE_URL',
];

const envSchema = z.object(Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, v]) => [k, v.schema])) as { [K in ConfigKey]: (typeof CONFIG_KEYS)[K]['schema'] });

export interface FeishuConfig {
  domain: string;
  appId: string;
  appSecret: Secret;
  /** webhook transport only (the long connection needs neither) */
  encryptKey: Secret | undefined;
  verificationToken: Secret | undefined;
  bitableAppToken: string;
  /** where cards go; undefined: none are sent (doctor says so) */
  chatId: string | undefined;
  /** where the weekly digest goes; undefined: none is sent */
  digestChatId: string | undefined;
}

/** A DingTalk app (docs/platform/dingtalk.md): cards to its groups, clicks back over Stream. */
export interface DingTalkConfig {
  apiBase: string;
  clientId: string;
  clientSecret: Secret;
  robotCode: string;
  cardTemplateId: string;
  /** the lead group (openConversationId); undefined: cards stay on Feishu */
  chatId: string | undefined;
  digestChatId: string | undefined;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** json: one JSON object a line (for machines); pretty: a readable line; auto picks pretty on a terminal */
  logFormat: 'auto' | 'json' | 'pretty';
  locale: 'zh-CN' | 'en';
  databasePath: string;
  /** DATABASE_URL=postgres://…: the PostgreSQL store instead of SQLite (a secret: it may hold a password) */
  databaseUrl: Secret | undefined;
  journey: string;
  /** Real Feishu app, or undefined when running on the embedded sandbox. */
  feishu: FeishuConfig | undefined;
  /** how events and card callbacks arrive (a real app and the sandbox alike; docs/platform/feishu.md §5.5) */
  feishuTransport: 'webhook' | 'long-connection';
  /** a DingTalk app, when DINGTALK_* are set (the sandbox makes its own with SANDBOX_CHAT_PLATFORM=dingtalk) */
  dingtalk: DingTalkConfig | undefined;
  /**
   * The sandbox's Base lives in memory and is new at every start, so its leads database is too: with
   * DATABASE_PATH unset it is ./data/sandbox.db, emptied at start (`freshDatabase`).
   */
  sandbox: { enabled: boolean; port: number; freshDatabase: boolean; startAt: Date | undefined; demoHistory: boolean; socketRecordEvents: boolean; chatPlatform: 'feishu' | 'dingtalk' };
  /** the Bitable writer: batch size and the app's write budget (docs/platform/feishu.md#26-batch-writes) */
  bitableWriter: { batchSize: number; perSecond: number; perMinute: number };
  /** record reads per second at most (search, batch_get share Feishu's 20/s) */
  bitableReadsPerSecond: number;
  /** how often reconciliation re-reads rows changed since its cursor */
  reconcileIntervalMs: number;
  /** how long a lease or a claimed message outlives an instance that died holding it (docs/architecture.md#several-instances) */
  failoverMs: number;
  /** signs outbound webhooks (Standard Webhooks); undefined: webhook steps wait as dead letters until it is set */
  webhookSecret: Secret | undefined;
  /** the master key webhook subscribers' secrets are derived from; undefined: their events wait as dead letters */
  subscriberKey: Secret | undefined;
  /** the bearer token of /api/metrics; undefined: the API is off */
  metricsToken: Secret | undefined;
  /** RETENTION_CLOSED_DAYS: lost and disqualified leads' contact data erased this many days after; undefined: never */
  retentionClosedDays: number | undefined;
  /** PROMETHEUS_TOKEN: GET /metrics needs it; unset, only loopback clients are answered */
  prometheusToken: Secret | undefined;
  /** POST /api/leads: the browser origins allowed (CORS), and the master key of signing sources */
  intake: { corsOrigins: string[]; signingKey: Secret | undefined };
}

export interface ConfigProblem {
  key: string;
  message: string;
  hint: Text;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`配置有误 Invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.map((p) => `  - ${p.key}: ${p.message}\n      修复：${p.hint.zh}\n      Fix: ${p.hint.en}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const SANDBOX_DATABASE_PATH = './data/sandbox.db';

/** zod issues → named problems with their fix; never echoes the received value (it may be a secret). */
function problemsOf(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    const key = String(issue.path[0]) as ConfigKey;
    return { key, message: issue.message.replace(/, received .*/s, ''), hint: CONFIG_KEYS[key]?.hint ?? { zh: '', en: '' } };
  });
}

const DINGTALK_REQUIRED: ConfigKey[] = ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET', 'DINGTALK_CARD_TEMPLATE_ID'];
const FEISHU_REQUIRED: ConfigKey[] = ['FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_ENCRYPT_KEY', 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_BITABLE_APP_TOKEN'];
/** the keys a request to our URL is checked with: not needed when Feishu sends over the long connection */
const WEBHOOK_ONLY: ConfigKey[] = ['FEISHU_ENCRYPT_KEY', 'FEISHU_VERIFICATION_TOKEN'];

/** The DingTalk app from parsed DINGTALK_* values: undefined when none is set; the keys it needs named when some are missing. */
function dingTalkFrom(e: Record<string, unknown>): { config: DingTalkConfig | undefined; problems: ConfigProblem[] } {
  const any = [...DINGTALK_REQUIRED, 'DINGTALK_CHAT_ID', 'DINGTALK_DIGEST_CHAT_ID', 'DINGTALK_ROBOT_CODE'].some((k) => e[k] !== undefined);
  if (!any) return { config: undefined, problems: [] };
  const problems = DINGTALK_REQUIRED.filter((k) => e[k] === undefined).map((k) => ({ key: k, message: 'required once any DINGTALK_* key is set / 已设置其他 DINGTALK_* 项时必填', hint: CONFIG_KEYS[k].hint }));
  if (problems.length) return { config: undefined, problems };
  return {
    problems,
    config: Object.freeze({
      apiBase: (e.DINGTALK_API_BASE as string).replace(/\/$/, ''),
      clientId: e.DINGTALK_CLIENT_ID as string,
      clientSecret: new Secret(e.DINGTALK_CLIENT_SECRET as string),
      robotCode: (e.DINGTALK_ROBOT_CODE as string | undefined) ?? (e.DINGTALK_CLIENT_ID as string),
      cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID as string,
      chatId: e.DINGTALK_CHAT_ID as string | undefined,
      digestChatId: e.DINGTALK_DIGEST_CHAT_ID as string | undefined,
    }),
  };
}

const DINGTALK_KEYS = ['DINGTALK_API_BASE', 'DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET', 'DINGTALK_ROBOT_CODE', 'DINGTALK_CARD_TEMPLATE_ID', 'DINGTALK_CHAT_ID', 'DINGTALK_DIGEST_CHAT_ID'] as const;

/** The DingTalk app alone (npm run doctor): undefined when no DINGTALK_* key is set; a ConfigError naming bad or missing keys. */
export function loadDingTalkConfig(env: Record<string, string | undefined> = {}): DingTalkConfig | undefined {
  const schema = z.object(Object.fromEntries(DINGTALK_KEYS.map((k) => [k, CONFIG_KEYS[k].schema])) as { [K in (typeof DINGTALK_KEYS)[number]]: (typeof CONFIG_KEYS)[K]['schema'] });
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error.issues));
  const dt = dingTalkFrom(parsed.data);
  if (dt.problems.length) throw new ConfigError(dt.problems);
  return dt.config;
}

/**
 * Read the configuration from `env`. Returns a frozen Config or throws one ConfigError naming every bad
 * key. Secrets come back wrapped in `Secret`, so logging the config never prints them.
 */
export function loadConfig(env: Record<string, string | undefined> = {}): Config {
  const problems: ConfigProblem[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error.issues));
  const e = parsed.data as { [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]['schema']> };

  const anyFeishu = FEISHU_REQUIRED.some((k) => e[k] !== undefined);
  const sandboxOn = e.SANDBOX_MODE === 'on' || (e.SANDBOX_MODE === 'auto' && !anyFeishu);
  const overSocket = e.FEISHU_TRANSPORT === 'long-connection';
  if (anyFeishu && !sandboxOn) {
    for (const k of FEISHU_REQUIRED) {
      if (e[k] === undefined && !(overSocket && WEBHOOK_ONLY.includes(k))) problems.push({ key: k, message: 'required once any FEISHU_* key is set (fail closed) / 已设置其他 FEISHU_* 项时必填', hint: CONFIG_KEYS[k].hint });
    }
  }
  if (!anyFeishu && e.SANDBOX_MODE === 'off') {
    problems.push({
      key: 'SANDBOX_MODE',
      message: 'is off but no Feishu app is configured',
      hint: { zh: '填写 FEISHU_* 配置，或设 SANDBOX_MODE=auto 使用本地沙箱', en: 'set the FEISHU_* keys, or SANDBOX_MODE=auto to use the local sandbox' },
    });
  }
  if (sandboxOn && e.SANDBOX_PORT !== 0 && e.SANDBOX_PORT === e.PORT) {
    problems.push({ key: 'SANDBOX_PORT', message: `must differ from PORT (${e.PORT})`, hint: CONFIG_KEYS.SANDBOX_PORT.hint });
  }
  const dt = dingTalkFrom(e);
  problems.push(...dt.problems);
  if (problems.length) throw new ConfigError(problems);
  const dingtalk = dt.config;

  const feishu: FeishuConfig | undefined =
    anyFeishu && !sandboxOn
      ? Object.freeze({
          domain: e.FEISHU_DOMAIN as string,
          appId: e.FEISHU_APP_ID as string,
          appSecret: new Secret(e.FEISHU_APP_SECRET as string),
          encryptKey: e.FEISHU_ENCRYPT_KEY ? new Secret(e.FEISHU_ENCRYPT_KEY as string) : undefined,
          verificationToken: e.FEISHU_VERIFICATION_TOKEN ? new Secret(e.FEISHU_VERIFICATION_TOKEN as string) : undefined,
          bitableAppToken: e.FEISHU_BITABLE_APP_TOKEN as string,
          chatId: e.FEISHU_CHAT_ID as string | undefined,
          digestChatId: e.FEISHU_DIGEST_CHAT_ID as string | undefined,
        })
      : undefined;

  const database = chooseDatabase(e.DATABASE_URL as string | undefined, sandboxOn && !env.DATABASE_PATH?.trim() ? SANDBOX_DATABASE_PATH : (e.DATABASE_PATH as string));
  return Object.freeze({
    env: e.NODE_ENV as Config['env'],
    host: e.HOST as string,
    port: e.PORT as number,
    logLevel: e.LOG_LEVEL as Config['logLevel'],
    logFormat: e.LOG_FORMAT as Config['logFormat'],
    locale: e.LOCALE as Config['locale'],
    ...database,
    journey: e.JOURNEY as string,
    feishu,
    feishuTransport: e.FEISHU_TRANSPORT as Config['feishuTransport'],
    dingtalk,
    sandbox: Object.freeze({
      enabled: sandboxOn,
      port: e.SANDBOX_PORT as number,
      freshDatabase: sandboxOn && !env.DATABASE_PATH?.trim() && !e.DATABASE_URL,
      startAt: e.SANDBOX_START_AT ? new Date(e.SANDBOX_START_AT as string) : undefined,
      demoHistory: e.SANDBOX_DEMO_HISTORY === 'on',
      socketRecordEvents: e.SANDBOX_SOCKET_RECORD_EVENTS === 'on',
      chatPlatform: e.SANDBOX_CHAT_PLATFORM as 'feishu' | 'dingtalk',
    }),
    bitableReadsPerSecond: e.BITABLE_READS_PER_SECOND as number,
    reconcileIntervalMs: (e.RECONCILE_INTERVAL_SECONDS as number) * 1000,
    failoverMs: (e.FAILOVER_SECONDS as number) * 1000,
    webhookSecret: e.OUTBOUND_WEBHOOK_SECRET ? new Secret(e.OUTBOUND_WEBHOOK_SECRET as string) : undefined,
    subscriberKey: e.WEBHOOK_SIGNING_KEY ? new Secret(e.WEBHOOK_SIGNING_KEY as string) : undefined,
    metricsToken: e.METRICS_API_TOKEN ? new Secret(e.METRICS_API_TOKEN as string) : undefined,
    prometheusToken: e.PROMETHEUS_TOKEN ? new Secret(e.PROMETHEUS_TOKEN as string) : undefined,
    retentionClosedDays: e.RETENTION_CLOSED_DAYS === undefined ? undefined : (e.RETENTION_CLOSED_DAYS as number),
    intake: Object.freeze({
      corsOrigins: e.INTAKE_CORS_ORIGINS ? (e.INTAKE_CORS_ORIGINS as string).split(',').map((o) => o.trim().replace(/\/$/, '')) : [],
      signingKey: e.SOURCE_SIGNING_KEY ? new Secret(e.SOURCE_SIGNING_KEY as string) : undefined,
    }),
    bitableWriter: Object.freeze({ batchSize: e.BITABLE_BATCH_SIZE as number, perSecond: e.BITABLE_WRITES_PER_SECOND as number, perMinute: e.BITABLE_WRITES_PER_MINUTE as number }),
  });
}

export interface FeishuCredentials {
  domain: string;
  appId: string;
  appSecret: Secret;
  /** empty until `npm run provision` creates the Base */
  bitableAppToken: string | undefined;
}

const CREDENTIAL_KEYS = ['FEISHU_DOMAIN', 'FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_BITABLE_APP_TOKEN'] as const;

/**
 * What `npm run provision` and `npm run doctor` need: the app's credentials and, if there is one
 * already, the Base. The event keys are not needed to create or check a Base, so they are not asked for.
 */
export function loadFeishuCredentials(env: Record<string, string | undefined> = {}): FeishuCredentials {
  const schema = z.object(Object.fromEntries(CREDENTIAL_KEYS.map((k) => [k, CONFIG_KEYS[k].schema])) as { [K in (typeof CREDENTIAL_KEYS)[number]]: (typeof CONFIG_KEYS)[K]['schema'] });
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : problemsOf(parsed.error.issues);
  for (const k of ['FEISHU_APP_ID', 'FEISHU_APP_SECRET'] as const) {
    if (!env[k]?.trim()) problems.push({ key: k, message: 'required / 必填', hint: CONFIG_KEYS[k].hint });
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data as Record<string, string | undefined>;
  return Object.freeze({ domain: e.FEISHU_DOMAIN!, appId: e.FEISHU_APP_ID!, appSecret: new Secret(e.FEISHU_APP_SECRET!), bitableAppToken: e.FEISHU_BITABLE_APP_TOKEN });
}

/** The database as the server would choose it (for CLIs that only need the database): the SQLite file, or DATABASE_URL's PostgreSQL. */
export function databaseFrom(env: Record<string, string | undefined>): { databasePath: string; databaseUrl: Secret | undefined } {
  return chooseDatabase(CONFIG_KEYS.DATABASE_URL.schema.parse(env.DATABASE_URL) as string | undefined, CONFIG_KEYS.DATABASE_PATH.schema.parse(env.DATABASE_PATH) as string);
}
