import type { Text } from '../domain/text.js';
import { FEISHU_CODES, type FeishuCallError, fromThrown } from '../feishu/errors.js';
import type { BaseTemplate } from '../rules/base-template.js';
import type { BitableApi } from './api.js';
import { readLiveBase } from './provision.js';
import { describeProblem, planProvision, schemaProblems } from './provision-plan.js';

/**
 * `npm run doctor`: is this installation able to work? Credentials, the Base and its schema against
 * the template, the record-change subscription, and the outbox's dead letters. Each failed check says
 * how to fix it, in Chinese and English.
 */
export interface DoctorCheck {
  ok: boolean;
  what: Text;
  fix?: Text;
}

export interface DoctorInput {
  api: BitableApi;
  template: BaseTemplate;
  appToken: string | undefined;
  /** dead-lettered outbox rows, or undefined when there is no database yet */
  deadLetters: number | undefined;
  /** people a card @-mentioned whom Feishu does not know (from the database), or undefined */
  unknownUsers?: ReadonlyArray<{ openId: string; name: string | null; lastSeenAt: Date }>;
  /** the group cards go to (FEISHU_CHAT_ID) and a way to look it up as the app's bot */
  chat?: { chatId: string | undefined; get: (chatId: string) => Promise<{ name: string }> };
  /** the management group the weekly digest goes to (FEISHU_DIGEST_CHAT_ID), and whether metrics.json sends one */
  digestChat?: { chatId: string | undefined; get: (chatId: string) => Promise<{ name: string }>; enabled: boolean };
  /** how events and callbacks arrive (FEISHU_TRANSPORT), and for the long connection what is known of it */
  transport?: TransportInput;
}

export interface TransportInput {
  transport: 'webhook' | 'long-connection';
  /** asks Feishu for a long-connection address with the app's credentials: its answer code (0: it may connect) */
  endpoint: () => Promise<{ code: number; msg?: string }>;
  /** when a record change last came over the long connection (the server notes it in the database) */
  lastSocketRecordEvent: Date | undefined;
  /** the reconciliation that stands in for record events: every so many seconds, and a full pass every so many minutes */
  reconcileSeconds: number;
  fullPassMinutes: number;
  now: Date;
}

export async function runDoctor(i: DoctorInput): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const dead = [
    ...(i.transport ? await transportChecks(i.transport) : []),
    ...(i.chat ? [await chatCheck(i.chat)] : []),
    ...(i.digestChat ? [await digestChatCheck(i.digestChat)] : []),
    deadLetterCheck(i.deadLetters),
    ...(i.unknownUsers ? [unknownUsersCheck(i.unknownUsers)] : []),
  ];
  if (!i.appToken) {
    checks.push({
      ok: false,
      what: { zh: '未配置 FEISHU_BITABLE_APP_TOKEN', en: 'FEISHU_BITABLE_APP_TOKEN is not set' },
      fix: { zh: '运行 npm run provision 新建多维表格，并把打印出的 token 写进 .env', en: 'run npm run provision to create the Base and put the printed token in .env' },
    });
    return [...checks, ...dead];
  }
  try {
    const app = await i.api.getApp(i.appToken);
    checks.push({ ok: true, what: { zh: `应用凭证有效，能访问多维表格「${app.name}」`, en: `credentials work; the Base "${app.name}" is reachable` } });
  } catch (e) {
    checks.push(reachProblem(fromThrown(e)));
    return [...checks, ...dead];
  }
  const live = await readLiveBase(i.api, i.appToken);
  const subscribed = await i.api.isSubscribed(i.appToken);
  const problems = schemaProblems(planProvision(i.template, live, { subscribed }));
  const schema = problems.filter((p) => p.kind !== 'not_subscribed');
  if (!schema.length) checks.push({ ok: true, what: { zh: '表结构与模板一致（表、字段、类型、选项、视图）', en: 'the schema matches the template (tables, fields, types, options, views)' } });
  for (const p of schema) checks.push({ ok: false, ...describeProblem(p) });
  checks.push(subscribed ? { ok: true, what: { zh: '已订阅记录变更事件', en: 'subscribed to record changes' } } : { ok: false, ...describeProblem({ kind: 'not_subscribed' }) });
  return [...checks, ...dead];
}

function reachProblem(e: FeishuCallError): DoctorCheck {
  if (e.code !== undefined && FEISHU_CODES.BASE_NOT_FOUND.includes(e.code))
    return {
      ok: false,
      what: { zh: `找不到多维表格（${e.summary}）`, en: `the Base was not found (${e.summary})` },
      fix: { zh: '检查 FEISHU_BITABLE_APP_TOKEN 是否为多维表格链接中 /base/ 后面的部分，或运行 npm run provision 新建', en: 'check FEISHU_BITABLE_APP_TOKEN is the part after /base/ in the Base URL, or run npm run provision to create one' },
    };
  if (e.code !== undefined && e.code >= FEISHU_CODES.NO_BASE_ACCESS.from && e.code <= FEISHU_CODES.NO_BASE_ACCESS.to)
    return {
      ok: false,
      what: { zh: `应用没有这个多维表格的权限（${e.summary}）`, en: `the app has no access to the Base (${e.summary})` },
      fix: { zh: '在多维表格右上角「…→ 更多 → 添加文档应用」把应用加为协作者（可管理）', en: 'add the app to the Base as a collaborator with manage permission (… → More → Add document app)' },
    };
  if (e.message.includes('tenant_access_token') || (e.code !== undefined && FEISHU_CODES.BAD_CREDENTIALS.includes(e.code)))
    return {
      ok: false,
      what: { zh: `应用凭证无效（${e.summary}）`, en: `the app credentials are refused (${e.summary})` },
      fix: { zh: '从开发者后台「凭证与基础信息」重新复制 FEISHU_APP_ID 和 FEISHU_APP_SECRET', en: 'copy FEISHU_APP_ID and FEISHU_APP_SECRET again from the developer console (Credentials & Basic Info)' },
    };
  if (e.code === FEISHU_CODES.NO_SCOPE)
    return {
      ok: false,
      what: { zh: `应用缺少权限（${e.summary}）`, en: `the app lacks a scope (${e.summary})` },
      fix: { zh: '在「权限管理」开通 bitable:app 并发布新版本', en: 'grant bitable:app under Permissions and publish a new version' },
    };
  return { ok: false, what: { zh: `无法访问飞书（${e.summary}）`, en: `Feishu could not be reached (${e.summary})` }, fix: { zh: '检查 FEISHU_DOMAIN 和网络，稍后再试', en: 'check FEISHU_DOMAIN and the network, then try again' } };
}

/** Cards need a group with the app's bot in it (docs/platform/feishu.md#41-sending-messages: 230002 otherwise). */
/**
 * How events and card callbacks reach the server (docs/platform/feishu.md#55-long-connection): by webhook,
 * or over the long connection; then whether Feishu answers the app with a long-connection address, and
 * whether record changes come over it or the grid is kept by reconciling.
 */
export async function transportChecks(t: TransportInput): Promise<DoctorCheck[]> {
  if (t.transport === 'webhook')
    return [{ ok: true, what: { zh: '事件与卡片回调经 Webhook 送达（请求地址 /feishu/events 与 /feishu/card）', en: 'events and card callbacks arrive by webhook (request URLs /feishu/events and /feishu/card)' } }];
  const out: DoctorCheck[] = [];
  let answer: { code: number; msg?: string };
  try {
    answer = await t.endpoint();
  } catch (e) {
    answer = { code: -1, msg: e instanceof Error ? e.message : String(e) };
  }
  if (answer.code === 0) out.push({ ok: true, what: { zh: '长连接可用：飞书为本应用给出了长连接地址', en: 'the long connection is available: Feishu gives the app a connection address' } });
  else
    out.push({
      ok: false,
      what: { zh: `飞书没有给出长连接地址（code ${answer.code}${answer.msg ? `：${answer.msg}` : ''}）`, en: `Feishu gave no long-connection address (code ${answer.code}${answer.msg ? `: ${answer.msg}` : ''})` },
      fix: {
        zh: '检查 FEISHU_APP_ID / FEISHU_APP_SECRET；长连接只支持企业自建应用，每个应用最多 50 个连接；在开发者后台「事件与回调」把订阅方式设为「使用长连接接收事件/回调」',
        en: 'check FEISHU_APP_ID / FEISHU_APP_SECRET; only self-built apps can use it, at most 50 connections per app; under Events & Callbacks set the subscription mode to "receive through persistent connection"',
      },
    });
  const last = t.lastSocketRecordEvent;
  if (last && t.now.getTime() - last.getTime() < 24 * 3_600_000)
    out.push({ ok: true, what: { zh: `多维表格的记录变更经长连接到达（最近一次 ${last.toISOString()}）`, en: `Bitable record changes arrive over the long connection (last at ${last.toISOString()})` } });
  else
    out.push({
      ok: true,
      what: {
        zh: `最近 24 小时没有记录变更经长连接到达：表格改动由每 ${t.reconcileSeconds} 秒一次的对账发现，删除的行由每 ${t.fullPassMinutes} 分钟一次的全量对账发现`,
        en: `no record change came over the long connection in the last 24 hours: grid edits are found by reconciling every ${t.reconcileSeconds} s, deleted rows by a full pass every ${t.fullPassMinutes} min`,
      },
    });
  return out;
}

export async function chatCheck(c: NonNullable<DoctorInput['chat']>): Promise<DoctorCheck> {
  if (!c.chatId) {
    return {
      ok: false,
      what: { zh: '未配置 FEISHU_CHAT_ID：审批卡片和分配卡片不会发出', en: 'FEISHU_CHAT_ID is not set: no approval or assignment cards are sent' },
      fix: {
        zh: '把应用机器人拉进销售群；在开发者后台的 API 调试台调用「获取用户或机器人所在的群列表」（GET /open-apis/im/v1/chats，以应用身份）找到该群的 chat_id（oc_…），写进 .env 的 FEISHU_CHAT_ID',
        en: "add the app's bot to the sales group; in the developer console's API Explorer call GET /open-apis/im/v1/chats (as the app) to find the group's chat_id (oc_…), and put it in FEISHU_CHAT_ID in .env",
      },
    };
  }
  return groupCheck('FEISHU_CHAT_ID', c.chatId, c.get, { zh: '卡片发往群', en: 'cards go to the group' });
}

/** The weekly digest needs the management group, with the bot in it, unless metrics.json turns it off. */
export async function digestChatCheck(c: NonNullable<DoctorInput['digestChat']>): Promise<DoctorCheck> {
  if (!c.enabled) return { ok: true, what: { zh: '线索周报已关闭（metrics.json 的 weeklyDigest.enabled）', en: 'the weekly digest is off (weeklyDigest.enabled in metrics.json)' } };
  if (!c.chatId) {
    return {
      ok: false,
      what: { zh: '未配置 FEISHU_DIGEST_CHAT_ID：线索周报不会发出', en: 'FEISHU_DIGEST_CHAT_ID is not set: no weekly digest is sent' },
      fix: {
        zh: '把应用机器人拉进管理层的群，把该群的 chat_id（oc_…，可与 FEISHU_CHAT_ID 相同）写进 .env 的 FEISHU_DIGEST_CHAT_ID；不需要周报时在 bitable-templates/metrics.json 中把 weeklyDigest.enabled 设为 false',
        en: "add the app's bot to the management group and put its chat_id (oc_…, may be FEISHU_CHAT_ID) in FEISHU_DIGEST_CHAT_ID in .env; to go without the digest set weeklyDigest.enabled to false in bitable-templates/metrics.json",
      },
    };
  }
  return groupCheck('FEISHU_DIGEST_CHAT_ID', c.chatId, c.get, { zh: '线索周报发往群', en: 'the weekly digest goes to the group' });
}

async function groupCheck(key: string, chatId: string, get: (chatId: string) => Promise<{ name: string }>, goes: { zh: string; en: string }): Promise<DoctorCheck> {
  try {
    const chat = await get(chatId);
    return { ok: true, what: { zh: `${goes.zh}「${chat.name}」，机器人在群内`, en: `${goes.en} "${chat.name}"; the bot is in it` } };
  } catch (e) {
    const err = fromThrown(e);
    if (err.code === 232011 || err.code === 230002)
      return {
        ok: false,
        what: { zh: `机器人不在 ${key} 指定的群里（${err.summary}）`, en: `the bot is not in the ${key} group (${err.summary})` },
        fix: { zh: '在群设置 → 群机器人 中添加本应用的机器人', en: "add the app's bot in the group's settings → Bots" },
      };
    if (err.code === 232001)
      return {
        ok: false,
        what: { zh: `找不到 ${key} 指定的群（${err.summary}）`, en: `the ${key} group was not found (${err.summary})` },
        fix: { zh: `检查 ${key} 是否为群 ID（oc_…）`, en: `check ${key} is the group chat_id (oc_…)` },
      };
    return {
      ok: false,
      what: { zh: `无法查看 ${key} 指定的群（${err.summary}）`, en: `the ${key} group could not be checked (${err.summary})` },
      fix: { zh: '在「权限管理」开通 im:chat:readonly 并发布新版本', en: 'grant im:chat:readonly under Permissions and publish a new version' },
    };
  }
}

function deadLetterCheck(n: number | undefined): DoctorCheck {
  if (n === undefined) return { ok: true, what: { zh: '还没有数据库（服务尚未运行过），没有死信', en: 'no database yet (the server has not run), so no dead letters' } };
  if (n === 0) return { ok: true, what: { zh: '发件箱没有死信', en: 'no dead letters in the outbox' } };
  return {
    ok: false,
    what: { zh: `发件箱有 ${n} 条死信（写入多维表格或发送卡片失败且不再重试）`, en: `${n} dead letter(s) in the outbox (Bitable writes or cards that failed and are no longer retried)` },
    fix: { zh: '运行 npm run outbox -- list 查看原因，修复后 npm run outbox -- retry 重新发送', en: 'run npm run outbox -- list to see why, fix the cause, then npm run outbox -- retry' },
  };
}

/** Open ids in 销售团队 that Feishu refused in a card (230099 / 100290): the cards went out with names instead. */
export function unknownUsersCheck(list: NonNullable<DoctorInput['unknownUsers']>): DoctorCheck {
  if (!list.length) return { ok: true, what: { zh: '卡片 @ 的人飞书都认识', en: 'everyone the cards @-mention is known to Feishu' } };
  const who = list.map((u) => `${u.name ?? '?'}（${u.openId}）`).join('、');
  return {
    ok: false,
    what: { zh: `飞书不认识这些人，卡片里已改为显示姓名、无法 @ 到他们：${who}`, en: `Feishu does not know these people, so cards show their names but cannot @-mention them: ${who}` },
    fix: { zh: '在多维表格「销售团队」中重新选择这些成员（人员字段），已离职的请把「在岗」取消', en: 'in the 销售团队 table pick these people again (the person field); untick 在岗 for anyone who has left' },
  };
}
