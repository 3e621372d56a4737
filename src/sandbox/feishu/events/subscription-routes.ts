import { ok } from '../kernel/errors.js';
import type { EmuContext, EmuKernel } from '../kernel/kernel.js';
import { fieldValidationFailed } from './field-validation.js';
import { FILE_TYPES, type FileType, type Subscriptions } from './subscriptions.js';

/**
 * POST   /open-apis/drive/v1/files/:file_token/subscribe?file_type=bitable
 * GET    /open-apis/drive/v1/files/:file_token/get_subscribe?file_type=bitable
 * DELETE /open-apis/drive/v1/files/:file_token/delete_subscribe?file_type=bitable
 * (docs/platform/feishu.md#36-bitable-record-changed-event). `file_type` is required by the SDK's types; `event_type` is optional.
 * Any file token is accepted, as the emulator accepts any app_token (§7).
 */
export function registerSubscriptionRoutes(k: EmuKernel, subs: Subscriptions): void {
  const fileType = (c: EmuContext): FileType | Response => {
    const t = c.req.query('file_type');
    if (!t) return fieldValidationFailed(c, [{ field: 'file_type', description: 'file_type is required' }]);
    if (!(FILE_TYPES as readonly string[]).includes(t)) return fieldValidationFailed(c, [{ field: 'file_type', description: `file_type must be one of ${FILE_TYPES.join(', ')}` }]);
    return t as FileType;
  };
  // Route handlers get an untyped context, so the path param is typed as possibly absent.
  const fileToken = (c: EmuContext): string => c.req.param('file_token') ?? '';
  const base = '/open-apis/drive/v1/files/:file_token';

  k.route({ method: 'POST', path: `${base}/subscribe`, key: 'drive.file.subscribe', rate: ['drive.subscribe'] }, (c) => {
    const t = fileType(c);
    if (t instanceof Response) return t;
    const eventType = c.req.query('event_type');
    subs.add({ app_id: c.get('appId'), file_token: fileToken(c), file_type: t, created_at: k.clock.now(), ...(eventType ? { event_type: eventType } : {}) });
    return ok(c, {});
  });

  k.route({ method: 'GET', path: `${base}/get_subscribe`, key: 'drive.file.get_subscribe', rate: ['drive.subscribe'] }, (c) => {
    const t = fileType(c);
    if (t instanceof Response) return t;
    const s = subs.get(c.get('appId'), fileToken(c));
    const eventType = c.req.query('event_type');
    return ok(c, { is_subscribe: Boolean(s && (!eventType || !s.event_type || s.event_type === eventType)) });
  });

  k.route({ method: 'DELETE', path: `${base}/delete_subscribe`, key: 'drive.file.delete_subscribe', rate: ['drive.subscribe'] }, (c) => {
    const t = fileType(c);
    if (t instanceof Response) return t;
    subs.remove(c.get('appId'), fileToken(c));
    return ok(c, {});
  });
}
