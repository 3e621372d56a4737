import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { newId } from './ids.js';

/**
 * Feishu error replies. Bodies are `{code, msg, error:{log_id, message}}` with an `X-Tt-Logid` header
 * (docs/platform/feishu.md#0-responses-and-rate-limits). The HTTP status differs per API and per code; these defaults follow the per-API
 * tables quoted in docs/platform/feishu.md §0, §2.7, §2.9 and §4.1. Tests can override any code's status.
 */
export const DEFAULT_ERROR_STATUS: Readonly<Record<number, ContentfulStatusCode>> = {
  99991661: 400, // missing access token
  99991663: 400, // invalid access token
  99991672: 403, // missing scope
  99991400: 429, // rate limited (older APIs: 400)
  10014: 200, // app secret invalid (token endpoint, top-level body)
  1254607: 400, // data not ready
  1254608: 403,
  1255040: 504,
  1254015: 400,
  // the record pages' error tables: page size, a malformed client_token, a client_token reused for
  // another body (https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/search, …/create)
  1254011: 400,
  1254037: 400,
  1255006: 400,
  1254074: 400,
  1254302: 403,
  1254304: 403,
  1254306: 403,
  99992402: 400,
  230001: 400,
  230002: 400,
  230020: 400,
  230025: 400,
  230099: 400,
  230110: 400,
  230031: 400,
};

export interface FeishuErrorSpec {
  code: number;
  msg: string;
  /** Force a status regardless of the table (e.g. legacy routes answering 99991400 with 400). */
  status?: ContentfulStatusCode;
  headers?: Record<string, string>;
  /** `error.message` when it says more than `msg` (e.g. msg "FieldNameNotFound", message "…'fields.X'…"; §0). */
  message?: string;
}

export class FeishuErrors {
  private readonly overrides = new Map<number, ContentfulStatusCode>();

  statusFor(code: number): ContentfulStatusCode {
    return this.overrides.get(code) ?? DEFAULT_ERROR_STATUS[code] ?? 200;
  }

  /** Make `code` answer with `status` (e.g. 99991663 with 200, as some reports show). */
  overrideStatus(code: number, status: ContentfulStatusCode): void {
    this.overrides.set(code, status);
  }

  clearOverrides(): void {
    this.overrides.clear();
  }

  respond(c: Context, spec: FeishuErrorSpec): Response {
    const logId = newId.logId();
    c.header('X-Tt-Logid', logId);
    for (const [k, v] of Object.entries(spec.headers ?? {})) c.header(k, v);
    return c.json({ code: spec.code, msg: spec.msg, error: { log_id: logId, message: spec.message ?? spec.msg } }, spec.status ?? this.statusFor(spec.code));
  }
}

/** Thrown inside route handlers; the route wrapper turns it into a Feishu error reply. */
export class FeishuApiError extends Error {
  readonly code: number;
  readonly status: ContentfulStatusCode | undefined;
  /** Goes to `error.message`; `msg` stays the short error name, as Feishu answers (§0). */
  readonly detail: string | undefined;
  /** The short reply `msg` (Error.message also carries the detail, for logs). */
  readonly msg: string;
  constructor(code: number, msg: string, status?: ContentfulStatusCode, detail?: string) {
    super(detail ? `${msg}: ${detail}` : msg);
    this.name = 'FeishuApiError';
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.msg = msg;
  }
}

export function ok<T>(c: Context, data: T, msg = 'success'): Response {
  c.header('X-Tt-Logid', newId.logId());
  return c.json({ code: 0, msg, data });
}
