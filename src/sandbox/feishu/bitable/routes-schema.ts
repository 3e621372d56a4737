import { FeishuApiError, ok } from '../kernel/errors.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { LIMITS } from './config.js';
import { API_PREFIX, clientToken, jsonBody, pageSize, pageToken, param } from './request-params.js';
import { fieldListItem, fieldWriteItem } from './schema.js';
import { decodePageToken, encodePageToken } from './search.js';
import type { BitableService } from './service.js';
import { isValidTimeZone } from './time.js';
import { viewItem } from './views.js';

/** Base creation and metadata, tables, views and fields (docs/platform/feishu.md §2.1–2.2, §2.10). */
export function registerSchemaRoutes(k: EmuKernel, svc: BitableService): void {
  k.route({ method: 'POST', path: '/open-apis/bitable/v1/apps', key: 'bitable.app.create', rate: ['bitable.app.create'] }, async (c) => {
    const body = await jsonBody(c);
    if (body.name !== undefined && typeof body.name !== 'string') throw new FeishuApiError(99992402, 'field validation failed', undefined, 'name must be a string');
    if (body.time_zone !== undefined && (typeof body.time_zone !== 'string' || !isValidTimeZone(body.time_zone))) throw new FeishuApiError(99992402, 'field validation failed', undefined, 'time_zone must be an IANA time zone');
    const { base, defaultTable } = svc.createApp({ ...(body.name ? { name: body.name as string } : {}), ...(body.time_zone ? { time_zone: body.time_zone as string } : {}) });
    const folder = typeof body.folder_token === 'string' ? body.folder_token : '';
    return ok(c, {
      app: { app_token: base.app_token, name: base.name, revision: base.revision, folder_token: folder, url: `${new URL(c.req.url).origin}/base/${base.app_token}`, default_table_id: defaultTable.table_id, time_zone: svc.timeZone(base) },
    });
  });

  k.route({ method: 'GET', path: API_PREFIX, key: 'bitable.app.get', rate: ['bitable.schema.read'] }, (c) => {
    const base = svc.state.base(param(c, 'app_token'));
    return ok(c, { app: { app_token: base.app_token, name: base.name, revision: base.revision, is_advanced: false, time_zone: svc.timeZone(base) } });
  });

  k.route({ method: 'GET', path: `${API_PREFIX}/tables`, key: 'bitable.table.list', rate: ['bitable.schema.read'] }, (c) => {
    const base = svc.state.base(param(c, 'app_token'));
    const items = [...base.tables.values()].map((t) => ({ table_id: t.table_id, revision: t.revision, name: t.name }));
    return ok(c, page(items, pageSize(c, LIMITS.listPageDefault, LIMITS.listPageMax), pageToken(c), `tables:${base.app_token}`));
  });

  k.route({ method: 'POST', path: `${API_PREFIX}/tables`, key: 'bitable.table.create', rate: ['bitable.schema.write'] }, async (c) => {
    const body = await jsonBody(c);
    const t = body.table;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new FeishuApiError(99992402, 'field validation failed', undefined, 'table is required');
    const table = svc.createTable(param(c, 'app_token'), t as Record<string, unknown>);
    return ok(c, { table_id: table.table_id, default_view_id: table.views[0]!.view_id, field_id_list: table.fields.map((f) => f.field_id) });
  });

  k.route({ method: 'GET', path: `${API_PREFIX}/tables/:table_id/fields`, key: 'bitable.field.list', rate: ['bitable.schema.read'] }, (c) => {
    const table = svc.state.table(param(c, 'app_token'), param(c, 'table_id'));
    const view = c.req.query('view_id');
    if (view && !table.views.some((v) => v.view_id === view)) throw new FeishuApiError(1254042, 'ViewIdNotFound');
    const items = table.fields.map(fieldListItem);
    return ok(c, page(items, pageSize(c, LIMITS.listPageDefault, LIMITS.listPageMax), pageToken(c), `fields:${table.table_id}`));
  });

  k.route({ method: 'GET', path: `${API_PREFIX}/tables/:table_id/views`, key: 'bitable.view.list', rate: ['bitable.schema.read'] }, (c) => {
    const table = svc.state.table(param(c, 'app_token'), param(c, 'table_id'));
    const items = table.views.map(viewItem);
    return ok(c, page(items, pageSize(c, LIMITS.listPageDefault, LIMITS.listPageMax), pageToken(c), `views:${table.table_id}`));
  });

  k.route({ method: 'POST', path: `${API_PREFIX}/tables/:table_id/views`, key: 'bitable.view.create', rate: ['bitable.schema.write'] }, async (c) => {
    const view = await svc.createView(param(c, 'app_token'), param(c, 'table_id'), await jsonBody(c));
    return ok(c, { view: viewItem(view) });
  });

  k.route({ method: 'PATCH', path: `${API_PREFIX}/tables/:table_id/views/:view_id`, key: 'bitable.view.patch', rate: ['bitable.schema.write'] }, async (c) => {
    const view = await svc.patchView(param(c, 'app_token'), param(c, 'table_id'), param(c, 'view_id'), await jsonBody(c));
    return ok(c, { view: viewItem(view) });
  });

  k.route({ method: 'POST', path: `${API_PREFIX}/tables/:table_id/fields`, key: 'bitable.field.create', rate: ['bitable.schema.write'] }, async (c) => {
    const token = clientToken(c);
    const body = await jsonBody(c);
    const field = await svc.createField(param(c, 'app_token'), param(c, 'table_id'), body, token ? { clientToken: token } : {});
    return ok(c, { field: fieldWriteItem(field) });
  });

  k.route({ method: 'PUT', path: `${API_PREFIX}/tables/:table_id/fields/:field_id`, key: 'bitable.field.update', rate: ['bitable.schema.write'] }, async (c) => {
    const body = await jsonBody(c);
    const field = await svc.updateField(param(c, 'app_token'), param(c, 'table_id'), param(c, 'field_id'), body);
    return ok(c, { field: fieldWriteItem(field) });
  });
}

/** Offset paging with an opaque token; `page_token` only while more pages exist. */
function page<T>(items: T[], size: number, token: string | undefined, scope: string) {
  const offset = token ? decodePageToken(token, scope) : 0;
  const slice = items.slice(offset, offset + size);
  const next = offset + slice.length;
  const has_more = next < items.length;
  return { items: slice, has_more, ...(has_more ? { page_token: encodePageToken(scope, next) } : {}), total: items.length };
}
