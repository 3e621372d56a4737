/**
 * One error type for every failed Open API call, whichever way Feishu reported it: HTTP 200 with
 * `code != 0`, or a non-2xx status (the SDK throws on those) with or without a JSON body, or no answer
 * at all (timeout, connection refused). `action` says what a caller should do (docs/reliability.md#22-retries-backoff-and-error-classes).
 */
export type FeishuErrorAction =
  /** wait `retryAfterMs` (from x-ogw-ratelimit-reset), then try again */
  | 'rate_limited'
  /** back off with jitter and try again: 5xx, timeouts, 1254290/1254291/1254607 … */
  | 'retry'
  /** the token was refused: refresh, then retry */
  | 'auth'
  /** this request will never succeed as it is (bad value, missing field, no permission) */
  | 'permanent';

export class FeishuCallError extends Error {
  readonly code: number | undefined;
  readonly httpStatus: number | undefined;
  readonly action: FeishuErrorAction;
  readonly retryAfterMs: number | undefined;
  readonly logId: string | undefined;
  constructor(o: { message: string; code?: number; httpStatus?: number; action: FeishuErrorAction; retryAfterMs?: number; logId?: string }) {
    super(o.message);
    this.name = 'FeishuCallError';
    this.code = o.code;
    this.httpStatus = o.httpStatus;
    this.action = o.action;
    this.retryAfterMs = o.retryAfterMs;
    this.logId = o.logId;
  }
  /** short text for logs and dead letters: never a request body */
  get summary(): string {
    return [this.httpStatus ? `HTTP ${this.httpStatus}` : undefined, this.code !== undefined ? `code ${this.code}` : undefined, this.message, this.logId ? `log_id ${this.logId}` : undefined].filter(Boolean).join(' · ');
  }
}

/**
 * Every Feishu error code the product acts on, in one place (docs/platform/feishu.md §0, §1, §2.7, §2.9,
 * §4.1–4.3; docs/reliability.md#22-retries-backoff-and-error-classes). Anything not here is `permanent`
 * unless its HTTP status says otherwise.
 */
export const FEISHU_CODES = {
  /** the app's request rate (HTTP 429) */
  RATE_LIMITED: 99991400,
  /** IM send rate: 5/s per group chat, 50/s per app */
  IM_RATE_LIMITED: 230020,
  /** the tenant access token is invalid or expired: refresh it */
  TOKEN_REFUSED: [99991661, 99991663, 99991664] as readonly number[],
  /** an auth failure worth one retry with a fresh token */
  TOKEN_RETRY: 99991671,
  /** the app lacks a scope (doctor says which) */
  NO_SCOPE: 99991672,
  /** app id or secret refused when asking for a token */
  BAD_CREDENTIALS: [10003, 10014] as readonly number[],
  /** Bitable: another write holds the table, or data not ready yet: clears in moments */
  TABLE_LOCKED: 1254291,
  DATA_NOT_READY: 1254607,
  /** Bitable: retry later (busy, timeouts, internal errors) */
  BITABLE_RETRY: [1254290, 1254608, 1254002, 1255001, 1255002, 1255003, 1255004, 1255005, 1255040, 1254112] as readonly number[],
  /** Bitable: the Base does not exist */
  BASE_NOT_FOUND: [1254040, 1254003] as readonly number[],
  /** Bitable: the app has no access to the Base (range) */
  NO_BASE_ACCESS: { from: 1254301, to: 1254306 },
  /** IM: the card was refused (see the sub-code in the message) */
  CARD_INVALID: 230099,
  /** IM: a card sent more than 14 days ago cannot be updated */
  CARD_TOO_OLD: 230031,
} as const;

const RETRY_CODES = new Set([FEISHU_CODES.RATE_LIMITED, FEISHU_CODES.TABLE_LOCKED, FEISHU_CODES.DATA_NOT_READY, ...FEISHU_CODES.BITABLE_RETRY]);
const AUTH_CODES = new Set([...FEISHU_CODES.TOKEN_REFUSED, FEISHU_CODES.TOKEN_RETRY]);
const NETWORK_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ERR_NETWORK', 'ENOTFOUND', 'UND_ERR_SOCKET']);

export function classifyCode(code: number, httpStatus?: number): FeishuErrorAction {
  if (code === FEISHU_CODES.RATE_LIMITED || code === FEISHU_CODES.IM_RATE_LIMITED || httpStatus === 429) return 'rate_limited';
  if (AUTH_CODES.has(code)) return 'auth';
  if (RETRY_CODES.has(code) || (httpStatus !== undefined && httpStatus >= 500)) return 'retry';
  return 'permanent';
}

/** An SDK response body with a non-zero code → FeishuCallError. */
export function fromBody(body: { code?: number; msg?: string; error?: { log_id?: string } }, httpStatus = 200): FeishuCallError {
  const code = body.code ?? -1;
  return new FeishuCallError({ message: body.msg ?? 'error', code, httpStatus, action: classifyCode(code, httpStatus), ...(body.error?.log_id ? { logId: body.error.log_id } : {}) });
}

/** Whatever the SDK threw → FeishuCallError (axios errors carry `response` or a network `code`). */
export function fromThrown(e: unknown): FeishuCallError {
  if (e instanceof FeishuCallError) return e;
  const err = e as { message?: string; code?: string; response?: { status: number; data?: unknown; headers?: Record<string, unknown> } };
  const res = err.response;
  if (res) {
    const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as { code?: number; msg?: string; error?: { log_id?: string } };
    const reset = Number(res.headers?.['x-ogw-ratelimit-reset']);
    const code = body.code;
    const action = code !== undefined ? classifyCode(code, res.status) : res.status === 429 ? 'rate_limited' : res.status >= 500 || res.status === 408 ? 'retry' : 'permanent';
    return new FeishuCallError({
      message: body.msg ?? `HTTP ${res.status}`,
      httpStatus: res.status,
      action,
      ...(code !== undefined ? { code } : {}),
      ...(Number.isFinite(reset) && reset >= 0 ? { retryAfterMs: reset * 1000 } : {}),
      ...(body.error?.log_id ? { logId: body.error.log_id } : {}),
    });
  }
  if (err.code && NETWORK_CODES.has(err.code)) return new FeishuCallError({ message: `${err.code}: ${err.message ?? 'network error'}`, action: 'retry' });
  // The SDK throws a plain Error when the token endpoint refuses the app (wrong id or secret).
  if (typeof err.message === 'string' && err.message.includes('tenant_access_token')) return new FeishuCallError({ message: err.message, action: 'permanent' });
  return new FeishuCallError({ message: err.message ?? String(e), action: 'retry' });
}

/** Run one SDK call; a non-zero code or a throw becomes FeishuCallError; returns `data`. */
export async function call<T>(p: Promise<{ code?: number; msg?: string; data?: T }>): Promise<T> {
  let res: { code?: number; msg?: string; data?: T };
  try {
    res = await p;
  } catch (e) {
    throw fromThrown(e);
  }
  if (res.code !== 0 && res.code !== undefined) throw fromBody(res);
  return (res.data ?? {}) as T;
}
