import type { Context } from 'hono';
import { randomUUID } from 'node:crypto';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DtApp, DtOrg, ParamMap } from './org.js';
import { isRecord } from '../../lib/is-record.js';

/**
 * DingTalk's new-style Open API (api.dingtalk.com/v1.0, docs/platform/dingtalk.md §2) as the emulator
 * answers it: the app access token, and interactive cards created and delivered into a group and
 * updated in place (robot messages are not used: they cannot @ anyone). Every call but the token's carries `x-acs-dingtalk-access-token`;
 * errors are `{code, message, requestid}` with an HTTP 4xx status.
 */
export interface DtApiDeps {
  org: DtOrg;
  now: () => number;
  /** registers a route under its key: counted, and open to the emulator's fault injection (/__control/faults) */
  route: (method: 'POST' | 'PUT', path: string, key: string, handler: (c: Context) => Promise<Response>) => void;
  log: (level: 'debug' | 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

export const dtError = (c: Context, status: ContentfulStatusCode, code: string, message: string) => c.json({ code, message, requestid: randomUUID().toUpperCase() }, status);

/** A cardParamMap: an object whose values are all strings (anything else is refused, §2.1). */
function paramMap(v: unknown): ParamMap | undefined | 'invalid' {
  if (v === undefined) return undefined;
  if (!isRecord(v)) return 'invalid';
  for (const x of Object.values(v)) if (typeof x !== 'string') return 'invalid';
  return v as ParamMap;
}

function privateMaps(v: unknown): Record<string, ParamMap> | undefined | 'invalid' {
  if (v === undefined) return undefined;
  if (!isRecord(v)) return 'invalid';
  const out: Record<string, ParamMap> = {};
  for (const [userId, d] of Object.entries(v)) {
    const m = isRecord(d) ? paramMap(d.cardParamMap) : 'invalid';
    if (m === 'invalid' || m === undefined) return 'invalid';
    out[userId] = m;
  }
  return out;
}

const OPEN_SPACE = /^dtv1\.card\/\/IM_GROUP\.(.+)$/;

export function registerDtApi(d: DtApiDeps): void {
  const { org } = d;
  const json = async (c: Context): Promise<Record<string, unknown> | undefined> => {
    const b: unknown = await c.req.json().catch(() => undefined);
    return isRecord(b) ? b : undefined;
  };
  /** The calling app by its token, or the 401 DingTalk answers. */
  const authed = (c: Context): DtApp | Response => {
    const app = org.appOfToken(c.req.header('x-acs-dingtalk-access-token'), d.now());
    return app ?? dtError(c, 401, 'InvalidAuthentication', '不合法的access_token');
  };

  d.route('POST', '/v1.0/oauth2/accessToken', 'dingtalk.oauth2.accessToken', async (c) => {
    const b = await json(c);
    const app = typeof b?.appKey === 'string' ? org.apps.get(b.appKey) : undefined;
    // the code for a wrong key or secret is not in the pages we have (docs/platform/dingtalk.md §3): this one is the emulator's
    if (!app || b?.appSecret !== app.appSecret) return dtError(c, 400, 'invalidClientIdOrSecret', '无效的appKey或appSecret');
    return c.json(org.issueToken(app.appKey, d.now()));
  });

  d.route('POST', '/v1.0/card/instances/createAndDeliver', 'dingtalk.card.createAndDeliver', async (c) => {
    const app = authed(c);
    if (app instanceof Response) return app;
    const b = await json(c);
    if (!b) return dtError(c, 400, 'param.empty', '入参为空');
    if (typeof b.cardTemplateId !== 'string' || !b.cardTemplateId) return dtError(c, 400, 'param.cardTemplateIdEmpty', '卡片模版 Id 为空');
    if (typeof b.outTrackId !== 'string' || !b.outTrackId) return dtError(c, 400, 'param.outTrackIdEmpty', '业务标识 outTrackId 为空');
    const space = typeof b.openSpaceId === 'string' ? OPEN_SPACE.exec(b.openSpaceId) : null;
    if (!space) return dtError(c, 400, 'param.openSpaceModelInvalid', 'openSpaceId 须为 dtv1.card//IM_GROUP.<openConversationId>');
    const cardData = paramMap(isRecord(b.cardData) ? b.cardData.cardParamMap : undefined);
    if (cardData === undefined) return dtError(c, 400, 'param.cardPublicDataEmpty', '卡片公共数据为空');
    if (cardData === 'invalid') return dtError(c, 400, 'param.invalid', 'cardParamMap 的值必须是字符串');
    const privateData = privateMaps(b.privateData);
    if (privateData === 'invalid') return dtError(c, 400, 'param.invalid', 'privateData 的 cardParamMap 的值必须是字符串');
    const deliver = isRecord(b.imGroupOpenDeliverModel) ? b.imGroupOpenDeliverModel : undefined;
    if (!deliver || deliver.robotCode !== app.robotCode) return dtError(c, 400, 'chatbot.notFound', '机器人不存在');
    const atUserIds = isRecord(deliver.atUserIds) ? deliver.atUserIds : {};
    if (Object.values(atUserIds).some((v) => typeof v !== 'string')) return dtError(c, 400, 'param.invalid', 'atUserIds 须为 {userId: 昵称}');
    const callbackType = b.callbackType === 'HTTP' ? 'HTTP' : 'STREAM';
    const cid = space[1]!;
    const group = org.groups.get(cid);
    const result = (ok: boolean, errorMsg = '') => ({
      success: true,
      result: { outTrackId: b.outTrackId, deliverResults: [{ spaceType: 'IM_GROUP', spaceId: cid, success: ok, errorMsg, carrierId: ok ? `carrier-${b.outTrackId as string}` : '' }] },
    });
    // Delivered only where the robot is: otherwise the call succeeds and the delivery says why not (§2.1).
    if (!group) return c.json(result(false, 'decryptOpenconversationIdFailed'));
    if (!group.robots.includes(app.robotCode)) return c.json(result(false, 'chatbotNotInstall'));
    const existing = org.cards.get(b.outTrackId);
    if (existing) {
      // A repeat of an outTrackId is not documented; the emulator sends no second card (docs/platform/dingtalk.md §6).
      if (existing.appKey !== app.appKey || existing.openConversationId !== cid) return dtError(c, 400, 'param.invalid', 'outTrackId 已被其他卡片使用');
      return c.json(result(true));
    }
    const now = d.now();
    org.cards.set(b.outTrackId, {
      outTrackId: b.outTrackId,
      appKey: app.appKey,
      cardTemplateId: b.cardTemplateId,
      callbackType,
      openSpaceId: b.openSpaceId as string,
      openConversationId: cid,
      atUserIds: atUserIds as Record<string, string>,
      cardData,
      privateData: privateData ?? {},
      createdAt: now,
      updatedAt: now,
      updates: 0,
    });
    org.onCard(org.cards.get(b.outTrackId)!, 'new');
    d.log('info', 'dingtalk card delivered', { outTrackId: b.outTrackId, group: group.title, at: Object.keys(atUserIds) });
    return c.json(result(true));
  });

  d.route('PUT', '/v1.0/card/instances', 'dingtalk.card.update', async (c) => {
    const app = authed(c);
    if (app instanceof Response) return app;
    const b = await json(c);
    if (!b) return dtError(c, 400, 'param.empty', '入参为空');
    if (typeof b.outTrackId !== 'string' || !b.outTrackId) return dtError(c, 400, 'param.outTrackIdEmpty', '业务标识 outTrackId 为空');
    const card = org.cards.get(b.outTrackId);
    if (!card || card.appKey !== app.appKey) return dtError(c, 400, 'cardInstance.notExist', '卡片实例不存在');
    const cardData = paramMap(isRecord(b.cardData) ? b.cardData.cardParamMap : undefined);
    const privateData = privateMaps(b.privateData);
    if (cardData === 'invalid' || privateData === 'invalid') return dtError(c, 400, 'param.invalid', 'cardParamMap 的值必须是字符串');
    const opts = isRecord(b.cardUpdateOptions) ? b.cardUpdateOptions : {};
    org.applyCardData(card, { cardData, privateData, byKey: opts.updateCardDataByKey === true, privateByKey: opts.updatePrivateDataByKey === true }, d.now());
    return c.json({ success: true, result: true });
  });
}
