import type { Text } from '../domain/text.js';
import type { DoctorCheck } from '../bitable/doctor.js';
import { DingTalkCallError } from './api.js';

/**
 * `npm run doctor` for a DingTalk app (docs/platform/dingtalk.md §5): do the credentials get a token,
 * does Stream mode answer the app with an endpoint (the registration the client makes first; no socket
 * is opened), is a group set, and who in 销售团队 can be @-mentioned there (has a 钉钉ID).
 */
export interface DingTalkDoctorInput {
  token: () => Promise<unknown>;
  /** POST /v1.0/gateway/connections/open: the HTTP status and the error code, if any */
  register: () => Promise<{ status: number; code?: string | undefined }>;
  chatId: string | undefined;
  digestChatId: string | undefined;
  /** 销售团队's people, and whether each has a 钉钉ID (undefined: the roster could not be read) */
  people?: ReadonlyArray<{ name: string; dingtalkId: string | undefined }> | undefined;
}

const fail = (what: Text, fix: Text): DoctorCheck => ({ ok: false, what, fix });

export async function dingTalkChecks(i: DingTalkDoctorInput): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  try {
    await i.token();
    out.push({ ok: true, what: { zh: '钉钉应用凭证有效（已取得 access token）', en: 'the DingTalk app credentials work (an access token was issued)' } });
  } catch (e) {
    const why = e instanceof DingTalkCallError ? e.summary : e instanceof Error ? e.message : String(e);
    out.push(
      fail(
        { zh: `钉钉应用凭证无效（${why}）`, en: `the DingTalk app credentials are refused (${why})` },
        { zh: '从钉钉开发者后台「凭证与基础信息」重新复制 DINGTALK_CLIENT_ID 和 DINGTALK_CLIENT_SECRET', en: 'copy DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET again from the DingTalk developer console (Credentials)' },
      ),
    );
    return out;
  }
  let reg: { status: number; code?: string | undefined };
  try {
    reg = await i.register();
  } catch (e) {
    reg = { status: 0, code: e instanceof Error ? e.message : String(e) };
  }
  if (reg.status === 200) out.push({ ok: true, what: { zh: 'Stream 模式可用：钉钉为本应用给出了连接地址', en: 'Stream mode is available: DingTalk gives the app a connection address' } });
  else
    out.push(
      fail(
        { zh: `钉钉没有给出 Stream 连接地址（HTTP ${reg.status}${reg.code ? ` ${reg.code}` : ''}）`, en: `DingTalk gave no Stream address (HTTP ${reg.status}${reg.code ? ` ${reg.code}` : ''})` },
        {
          zh: '在开发者后台为应用添加机器人，消息接收模式选「Stream 模式」，并发布应用；服务器需能访问 api.dingtalk.com 和 wss-open-connection.dingtalk.com 的 443 端口',
          en: "add the robot to the app with message receiving mode 'Stream', publish the app; the server must reach api.dingtalk.com and wss-open-connection.dingtalk.com on port 443",
        },
      ),
    );
  if (!i.chatId)
    out.push(
      fail(
        { zh: '已配置钉钉应用，但未设置 DINGTALK_CHAT_ID：卡片仍发到飞书群', en: 'a DingTalk app is configured but DINGTALK_CHAT_ID is not set: cards still go to the Feishu group' },
        { zh: '把应用机器人加入钉钉销售群，把群的 openConversationId（cid…）写进 DINGTALK_CHAT_ID', en: "add the app robot to the DingTalk sales group and put the group's openConversationId (cid…) in DINGTALK_CHAT_ID" },
      ),
    );
  else
    out.push({
      ok: true,
      what: { zh: `卡片发往钉钉群 ${i.chatId}${i.digestChatId ? `，线索周报发往 ${i.digestChatId}` : ''}`, en: `cards go to the DingTalk group ${i.chatId}${i.digestChatId ? `, the weekly digest to ${i.digestChatId}` : ''}` },
    });
  if (i.people) {
    const missing = i.people.filter((p) => !p.dingtalkId).map((p) => p.name);
    if (missing.length)
      out.push(
        fail(
          {
            zh: `销售团队中 ${missing.length} 人没有填写钉钉ID（${missing.join('、')}）：钉钉卡片不会 @ 到他们，他们也不能操作卡片`,
            en: `${missing.length} people in 销售团队 have no 钉钉ID (${missing.join(', ')}): DingTalk cards cannot @ them and they cannot act on cards`,
          },
          { zh: '在 销售团队 表的「钉钉ID」列填写每个人的钉钉 userId（管理后台 → 通讯录 → 成员详情）', en: "fill each person's DingTalk userId in the 钉钉ID column of 销售团队 (admin console → Contacts → member details)" },
        ),
      );
    else out.push({ ok: true, what: { zh: `销售团队 ${i.people.length} 人都填写了钉钉ID`, en: `all ${i.people.length} people in 销售团队 have a 钉钉ID` } });
  }
  return out;
}
