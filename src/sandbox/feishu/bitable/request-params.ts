import { FeishuApiError } from '../kernel/errors.js';
import type { EmuContext } from '../kernel/kernel.js';
import type { UserIdType } from './values.js';

/** Request parsing shared by the Bitable routes; failures answer the documented codes (docs/platform/feishu.md#29-bitable-error-codes). */
export const API_PREFIX = '/open-apis/bitable/v1/apps/:app_token';

const invalid = (why: string) => new FeishuApiError(99992402, 'field validation failed', undefined, why);

/** JSON body; an empty body is `{}`; unparsable JSON is 1254000 WrongRequestJson. */
export async function jsonBody(c: EmuContext): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new FeishuApiError(1254000, 'WrongRequestJson', undefined, 'request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FeishuApiError(1254001, 'WrongRequestBody', undefined, 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

export function userIdType(raw: unknown): UserIdType {
  if (raw === undefined || raw === null || raw === '') return 'open_id';
  if (raw === 'open_id' || raw === 'union_id' || raw === 'user_id') return raw;
  throw invalid(`user_id_type must be open_id, union_id or user_id`);
}

export function queryBool(c: EmuContext, name: string): boolean {
  return c.req.query(name) === 'true';
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** `client_token` must be a uuidv4; anything else is 1254037 (§2.5). */
export function clientToken(c: EmuContext): string | undefined {
  const t = c.req.query('client_token');
  if (t === undefined || t === '') return undefined;
  if (!UUID_V4.test(t)) throw new FeishuApiError(1254037, 'InvalidClientToken', undefined, 'client_token must be a uuidv4');
  return t;
}

/**
 * page_size from the query. Search: 0 or negative → 1254011 "page size must be greater than 0";
 * above the documented maximum → refused by parameter validation (99992402), not silently clamped.
 */
export function pageSize(c: EmuContext, def: number, max: number, nonPositiveCode?: number): number {
  const raw = c.req.query('page_size');
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalid('page_size must be an integer');
  if (n <= 0) {
    if (nonPositiveCode) throw new FeishuApiError(nonPositiveCode, 'page size must be greater than 0');
    throw invalid('page_size must be greater than 0');
  }
  if (n > max) throw invalid(`page_size must be less than or equal to ${max}`);
  return n;
}

export function pageToken(c: EmuContext): string | undefined {
  const t = c.req.query('page_token');
  return t === undefined || t === '' ? undefined : t;
}

export function arrayOf(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  if (!Array.isArray(v)) throw invalid(`${key} must be an array`);
  return v;
}

/** A path parameter (routes are registered untyped, so Hono cannot prove it is there). */
export function param(c: EmuContext, name: string): string {
  return c.req.param(name) ?? '';
}
