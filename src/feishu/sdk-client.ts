import { FEISHU_CODES } from './errors.js';
import * as lark from '@larksuiteoapi/node-sdk';
import axios from 'axios';
import { apiPattern } from '../lib/api-path.js';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';

export interface FeishuClientOptions {
  domain: string;
  appId: string;
  appSecret: Secret;
  /** per-call timeout; a call that takes longer fails as retryable (docs/reliability.md#22-retries-backoff-and-error-classes) */
  timeoutMs?: number;
  log?: Logger;
  /** each call's API path (ids taken out) and outcome: '0', Feishu's code, `http_<status>`, `timeout` or `network` (metrics) */
  observe?: (api: string, code: string) => void;
}

/**
 * The real `@larksuiteoapi/node-sdk` client, with two changes from its defaults: an HTTP instance of
 * our own (so calls time out instead of hanging; the SDK's default has no timeout) and a private token
 * cache (the SDK's default cache is process-global, docs/platform/feishu.md#1-tenant-access-token). Its response interceptor does
 * what the SDK's default instance does: hand back the body (or body + headers when asked).
 */
export function createFeishuClient(o: FeishuClientOptions): lark.Client {
  const http = axios.create({ timeout: o.timeoutMs ?? 30_000 });
  const cache = new Map<string | symbol, { value: unknown; expiredTime?: number }>();
  // The SDK keeps using a cached token that Feishu has refused (docs/platform/feishu.md#1-tenant-access-token); forget it, so the
  // retry that follows fetches a fresh one.
  const forgetRefusedToken = (body: unknown) => {
    const code = (body as { code?: unknown } | undefined)?.code;
    if (typeof code === 'number' && FEISHU_CODES.TOKEN_REFUSED.includes(code)) cache.clear();
  };
  const codeOf = (body: unknown): string | undefined => {
    const code = (body as { code?: unknown } | undefined)?.code;
    return typeof code === 'number' || typeof code === 'string' ? String(code) : undefined;
  };
  http.interceptors.response.use(
    (resp) => {
      forgetRefusedToken(resp.data);
      o.observe?.(apiPattern(resp.config.url), codeOf(resp.data) ?? '0');
      return (resp.config as { $return_headers?: boolean }).$return_headers ? { data: resp.data, headers: resp.headers } : resp.data;
    },
    (err: { response?: { data?: unknown; status?: number }; config?: { url?: string }; code?: string }) => {
      forgetRefusedToken(err.response?.data);
      const outcome = err.response ? (codeOf(err.response.data) ?? `http_${err.response.status}`) : err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' ? 'timeout' : 'network';
      o.observe?.(apiPattern(err.config?.url), outcome);
      return Promise.reject(err);
    },
  );
  const log = o.log?.child({ component: 'feishu-sdk' });
  // The SDK logs every failed call at error level with the request; our callers classify and log
  // failures themselves (without bodies), so its own lines go to debug.
  const sink = (...args: unknown[]) => log?.debug({ sdk: args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : '[object]')) }, 'feishu sdk');
  return new lark.Client({
    appId: o.appId,
    appSecret: o.appSecret.reveal(),
    domain: o.domain,
    httpInstance: http as unknown as NonNullable<ConstructorParameters<typeof lark.Client>[0]['httpInstance']>,
    logger: { error: sink, warn: sink, info: sink, debug: sink, trace: sink },
    cache: {
      async set(key, value, expiredTime) {
        cache.set(key as string | symbol, { value, ...(expiredTime !== undefined ? { expiredTime } : {}) });
        return true;
      },
      async get(key) {
        const e = cache.get(key as string | symbol);
        if (!e || (e.expiredTime !== undefined && e.expiredTime <= Date.now())) return undefined;
        return e.value;
      },
    },
  });
}
