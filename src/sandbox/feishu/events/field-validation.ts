import type { Context } from 'hono';
import { newId } from '../kernel/ids.js';

/**
 * The gateway's answer to a request that fails schema validation before reaching the API (missing
 * required query param, wrong JSON type): HTTP 400, code 99992402 "field validation failed", with the
 * offending fields listed under `error.field_violations` (docs/platform/feishu.md#21-tables cites 99992402 with 400).
 */
export function fieldValidationFailed(c: Context, violations: Array<{ field: string; description: string }>): Response {
  const logId = newId.logId();
  c.header('X-Tt-Logid', logId);
  return c.json({ code: 99992402, msg: 'field validation failed', error: { log_id: logId, message: 'field validation failed', field_violations: violations } }, 400);
}
