import type * as lark from '@larksuiteoapi/node-sdk';
import { call, FeishuCallError } from '../feishu/errors.js';
import type { RateGate } from './rate-gate.js';

/**
 * The Bitable calls the product makes, over the real SDK (docs/platform/feishu.md#2-bitable-多维表格). Every failure is a
 * FeishuCallError; list calls page to the end. Nothing here retries: the outbox writer and
 * provisioning decide what a failure means.
 */
export interface LiveOption {
  id?: string;
  name: string;
  color?: number;
}
export interface LiveField {
  field_id: string;
  field_name: string;
  type: number;
  ui_type?: string;
  is_primary?: boolean;
  property?: { options?: LiveOption[]; [k: string]: unknown } | null;
  description?: unknown;
}
export interface LiveView {
  view_id: string;
  view_name: string;
  view_type: string;
  property?: { filter_info?: { conjunction: string; conditions: Array<{ field_id: string; operator: string; value?: string }> } | null } | null;
}
export interface LiveRecord {
  record_id: string;
  fields: Record<string, unknown>;
  last_modified_time?: number;
  /** with automatic_fields: who last changed the row */
  last_modified_by?: { id?: string; name?: string };
}
export interface FieldBody {
  field_name: string;
  type: number;
  ui_type?: string;
  property?: Record<string, unknown>;
  description?: { text: string };
}
export interface SearchBody {
  filter?: unknown;
  sort?: Array<{ field_name: string; desc?: boolean }>;
  field_names?: string[];
  automatic_fields?: boolean;
}

export type BitableApi = ReturnType<typeof createBitableApi>;

export function createBitableApi(client: lark.Client, opts: { readGate?: RateGate } = {}) {
  const b = client.bitable.v1;
  /** Record reads share the app's 20/s budget (search, batch_get: docs/platform/feishu.md §2.4–2.5). */
  const read = async <T>(fn: () => Promise<T>): Promise<T> => {
    await opts.readGate?.acquire();
    try {
      return await fn();
    } catch (e) {
      // A 429 on a read holds every read until its reset.
      if (e instanceof FeishuCallError && e.action === 'rate_limited') opts.readGate?.pauseUntil(Date.now() + (e.retryAfterMs ?? 1000));
      throw e;
    }
  };

  async function pages<T>(fetch: (pageToken: string | undefined) => Promise<{ items?: T[]; has_more?: boolean; page_token?: string }>): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await fetch(token);
      out.push(...(page.items ?? []));
      if (!page.has_more || !page.page_token) return out;
      token = page.page_token;
    }
  }

  return {
    async createApp(name: string, timeZone?: string): Promise<{ appToken: string; defaultTableId: string | undefined; url: string | undefined }> {
      const d = await call(b.app.create({ data: { name, ...(timeZone ? { time_zone: timeZone } : {}) } }));
      return { appToken: d.app!.app_token!, defaultTableId: d.app?.default_table_id, url: d.app?.url };
    },
    async getApp(appToken: string): Promise<{ name: string; timeZone: string | undefined }> {
      const d = await call(b.app.get({ path: { app_token: appToken } }));
      return { name: d.app?.name ?? '', timeZone: d.app?.time_zone };
    },
    listTables: (appToken: string) => pages((t) => call(b.appTable.list({ path: { app_token: appToken }, params: { page_size: 100, ...(t ? { page_token: t } : {}) } }))) as Promise<Array<{ table_id: string; name: string }>>,
    async createTable(appToken: string, table: { name: string; default_view_name?: string; fields: FieldBody[] }): Promise<{ tableId: string }> {
      const d = await call(b.appTable.create({ path: { app_token: appToken }, data: { table: table as never } }));
      return { tableId: d.table_id! };
    },
    listFields: (appToken: string, tableId: string) => pages((t) => call(b.appTableField.list({ path: { app_token: appToken, table_id: tableId }, params: { page_size: 100, ...(t ? { page_token: t } : {}) } }))) as Promise<LiveField[]>,
    async createField(appToken: string, tableId: string, body: FieldBody, clientToken: string): Promise<LiveField> {
      const d = await call(b.appTableField.create({ path: { app_token: appToken, table_id: tableId }, params: { client_token: clientToken }, data: body as never }));
      return d.field as LiveField;
    },
    async updateField(appToken: string, tableId: string, fieldId: string, body: FieldBody): Promise<LiveField> {
      const d = await call(b.appTableField.update({ path: { app_token: appToken, table_id: tableId, field_id: fieldId }, data: body as never }));
      return d.field as LiveField;
    },
    listViews: (appToken: string, tableId: string) => pages((t) => call(b.appTableView.list({ path: { app_token: appToken, table_id: tableId }, params: { page_size: 100, ...(t ? { page_token: t } : {}) } }))) as Promise<LiveView[]>,
    async createView(appToken: string, tableId: string, view: { view_name: string; view_type: 'grid' | 'kanban' | 'gallery' | 'gantt' | 'form' }): Promise<LiveView> {
      const d = await call(b.appTableView.create({ path: { app_token: appToken, table_id: tableId }, data: view }));
      return d.view as LiveView;
    },
    async patchViewFilter(appToken: string, tableId: string, viewId: string, filter: { conjunction: 'and' | 'or'; conditions: Array<{ field_id: string; operator: string; value?: string }> }): Promise<void> {
      await call(b.appTableView.patch({ path: { app_token: appToken, table_id: tableId, view_id: viewId }, data: { property: { filter_info: filter as never } } }));
    },
    async batchCreate(appToken: string, tableId: string, records: Array<{ fields: Record<string, unknown> }>, clientToken: string): Promise<LiveRecord[]> {
      const d = await call(b.appTableRecord.batchCreate({ path: { app_token: appToken, table_id: tableId }, params: { client_token: clientToken, user_id_type: 'open_id' }, data: { records: records as never } }));
      return (d.records ?? []) as LiveRecord[];
    },
    async batchUpdate(appToken: string, tableId: string, records: Array<{ record_id: string; fields: Record<string, unknown> }>): Promise<LiveRecord[]> {
      const d = await call(b.appTableRecord.batchUpdate({ path: { app_token: appToken, table_id: tableId }, params: { user_id_type: 'open_id' }, data: { records: records as never } }));
      return (d.records ?? []) as LiveRecord[];
    },
    async search(appToken: string, tableId: string, body: SearchBody, page: { pageSize?: number; pageToken?: string } = {}): Promise<{ items: LiveRecord[]; hasMore: boolean; pageToken: string | undefined; total: number }> {
      const d = await read(() =>
        call(
          b.appTableRecord.search({ path: { app_token: appToken, table_id: tableId }, params: { page_size: page.pageSize ?? 500, user_id_type: 'open_id', ...(page.pageToken ? { page_token: page.pageToken } : {}) }, data: body as never }),
        ),
      );
      return { items: (d.items ?? []) as LiveRecord[], hasMore: d.has_more === true, pageToken: d.page_token, total: d.total ?? 0 };
    },
    /** Re-read records (≤100 a call, docs/platform/feishu.md#25-record-reads-and-writes) with who changed them last; ids not returned are gone. */
    async batchGet(appToken: string, tableId: string, recordIds: string[]): Promise<{ records: LiveRecord[]; absent: string[] }> {
      const records: LiveRecord[] = [];
      const absent: string[] = [];
      for (let i = 0; i < recordIds.length; i += 100) {
        const ids = recordIds.slice(i, i + 100);
        const d = await read(() => call(b.appTableRecord.batchGet({ path: { app_token: appToken, table_id: tableId }, data: { record_ids: ids, user_id_type: 'open_id', automatic_fields: true } })));
        records.push(...((d.records ?? []) as LiveRecord[]));
        absent.push(...((d as { absent_record_ids?: string[] }).absent_record_ids ?? []));
      }
      return { records, absent };
    },
    async isSubscribed(appToken: string): Promise<boolean> {
      const d = await call(client.drive.v1.file.getSubscribe({ path: { file_token: appToken }, params: { file_type: 'bitable' } }));
      return (d as { is_subscribe?: boolean }).is_subscribe === true;
    },
    async subscribe(appToken: string): Promise<void> {
      await call(client.drive.v1.file.subscribe({ path: { file_token: appToken }, params: { file_type: 'bitable' } }));
    },
  };
}
