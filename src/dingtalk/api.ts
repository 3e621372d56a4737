import type { Secret } from '../lib/secret.js';

/**
 * The DingTalk Open API calls the product makes (docs/platform/dingtalk.md §2): the app's access token
 * (from `POST /v1.0/oauth2/accessToken`, so the secret travels in a body and never in a URL; cached and
 * fetched again five minutes before it runs out, or at once when DingTalk says it is not valid), and
 * the card-instance calls with it in `x-acs-dingtalk-access-token`. Every failure is a
 * DingTalkCallError saying whether to retry; nothing here retries except a refused token, once.
 */
export const DINGTALK_API = 'https://api.dingtalk.com';

export class DingTalkCallError extends Error {
  readonly status: number;
  readonly code: string;
  /** retry: the network or DingTalk failed (5xx, 429, a QPS 403); permanent: the request is wrong */
  readonly action: 'retry' | 'rate_limited' | 'permanent';
  constructor(status: number, code: string, message: string) {
    super(`DingTalk ${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.action = status === 0 || status >= 500 ? 'retry' : status === 429 || (status === 403 && /qps|limit|throttl/i.test(`${code} ${message}`)) ? 'rate_limited' : 'permanent';
  }
  /** e.g. `400 param.invalid` (no ids, no content: safe to log and keep) */
  get summary(): string {
    return `${this.status} ${this.code}`;
  }
}

export interface DingTalkApiOptions {
  /** https://api.dingtalk.com, or the sandbox's emulator */
  baseUrl: string;
  appKey: string;
  appSecret: Secret;
  /** ms since the epoch (tests move it) */
  now?: () => number;
  timeoutMs?: number;
  /** each call's API path and outcome: '0', DingTalk's code, `http_<status>`, `timeout` or `network` (metrics) */
  observe?: (api: string, code: string) => void;
}

export interface CardSpace {
  /** the group's openConversationId */
  openConversationId: string;
  robotCode: string;
}

export type ParamMap = Record<string, string>;

const REFRESH_BEFORE_MS = 5 * 60_000;

export function createDingTalkApi(o: DingTalkApiOptions) {
  const now = o.now ?? Date.now;
  let token: { value: string; refreshAt: number } | undefined;
  let fetching: Promise<string> | undefined;

  async function request(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${o.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
    } catch (e) {
      o.observe?.(path, e instanceof Error && e.name === 'TimeoutError' ? 'timeout' : 'network');
      throw new DingTalkCallError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const j = (json ?? {}) as { code?: unknown; message?: unknown };
    o.observe?.(path, res.ok ? '0' : typeof j.code === 'string' && j.code ? j.code : `http_${res.status}`);
    if (!res.ok) {
      throw new DingTalkCallError(res.status, typeof j.code === 'string' ? j.code : 'unknown', typeof j.message === 'string' ? j.message : text.slice(0, 200));
    }
    return json;
  }

  async function accessToken(): Promise<string> {
    if (token && now() < token.refreshAt) return token.value;
    fetching ??= (async () => {
      try {
        const r = (await request('POST', '/v1.0/oauth2/accessToken', { appKey: o.appKey, appSecret: o.appSecret.reveal() })) as { accessToken?: unknown; expireIn?: unknown };
        if (typeof r?.accessToken !== 'string' || typeof r.expireIn !== 'number') throw new DingTalkCallError(200, 'bad_token_response', 'no accessToken in the answer');
        token = { value: r.accessToken, refreshAt: now() + Math.max(0, r.expireIn * 1000 - REFRESH_BEFORE_MS) };
        return r.accessToken;
      } finally {
        fetching = undefined;
      }
    })();
    return fetching;
  }

  /** A call with the token; a token DingTalk no longer takes (revoked, expired early) is fetched again once. */
  async function call(method: string, path: string, body: unknown): Promise<unknown> {
    const t = await accessToken();
    try {
      return await request(method, path, body, { 'x-acs-dingtalk-access-token': t });
    } catch (e) {
      if (!(e instanceof DingTalkCallError) || e.status !== 401 || e.code !== 'InvalidAuthentication') throw e;
      if (token?.value === t) token = undefined;
      return request(method, path, body, { 'x-acs-dingtalk-access-token': await accessToken() });
    }
  }

  return {
    accessToken,
    /**
     * An interactive card into a group, @-mentioning `at` (userId → name), its clicks coming back over
     * Stream. `outTrackId` is ours: the card's id for updates and callbacks. Resolves when DingTalk
     * delivered it; a delivery it refused (robot not in the group …) is a permanent error.
     */
    async createAndDeliver(c: { templateId: string; outTrackId: string; space: CardSpace; data: ParamMap; at: Record<string, string> }): Promise<void> {
      const r = (await call('POST', '/v1.0/card/instances/createAndDeliver', {
        cardTemplateId: c.templateId,
        outTrackId: c.outTrackId,
        callbackType: 'STREAM',
        cardData: { cardParamMap: c.data },
        openSpaceId: `dtv1.card//IM_GROUP.${c.space.openConversationId}`,
        imGroupOpenSpaceModel: { supportForward: true },
        imGroupOpenDeliverModel: { robotCode: c.space.robotCode, atUserIds: c.at },
        userIdType: 1,
      })) as { result?: { deliverResults?: Array<{ success?: boolean; errorMsg?: string }> } };
      const failed = (r?.result?.deliverResults ?? []).find((d) => d.success !== true);
      if (failed || !r?.result?.deliverResults?.length) throw new DingTalkCallError(200, failed?.errorMsg || 'not_delivered', 'the card was not delivered to the group');
    },
    /** New public data for a sent card, merged by key. */
    async updateCard(c: { outTrackId: string; data: ParamMap }): Promise<void> {
      await call('PUT', '/v1.0/card/instances', { outTrackId: c.outTrackId, cardData: { cardParamMap: c.data }, cardUpdateOptions: { updateCardDataByKey: true }, userIdType: 1 });
    },
  };
}

export type DingTalkApi = ReturnType<typeof createDingTalkApi>;
