import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { FeishuApiError } from '../kernel/errors.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { fieldListItem } from './schema.js';
import { viewPredicate } from './search.js';
import { setViewSettings } from './views.js';
import { renderRecord } from './record-reads.js';
import type { BitableService } from './service.js';
import type { Base, Table } from './state.js';
import { baseTemplateSchema } from './template.js';
import { isValidTimeZone } from './time.js';
import { invalidBody, readBody } from '../kernel/control-body.js';

/**
 * Control API under /__control (tests and the sandbox UI; never part of the Feishu surface):
 * - POST /bases {template}                                  create a base from a template
 * - GET  /bases, GET /bases/:app                            list bases / one base with tables and fields
 * - GET  /bases/:app/tables/:table/records[?view=&viewer=]  records in read shape plus field meta; with a view,
 *                                                           the rows that view shows the viewer (open_id)
 * - POST /bases/:app/tables/:table/views/:view/settings     {group_field?, current_user_field?} (field names): what a
 *                                                           person sets in Feishu's view settings and the Open API cannot
 * - POST /bases/:app/tables/:table/records                  {operator_open_id, fields}: add a record as that user
 * - POST /bases/:app/tables/:table/records/:rec/edit        {operator_open_id, fields}: edit cells as that user
 * - POST /bases/:app/tables/:table/records/:rec/delete      {operator_open_id}: delete as that user
 * - GET|POST /bitable/config                                {writeLatencyMs?, notReadyMs?, batchCap?, timezone?, eventsForAppWrites?, uncheckedCheckbox?}
 * `:table` may be a table id or a template key. User actions run through the same service methods as
 * API writes (validation, per-table lock, record-change event) with the user as operator.
 */
const userWrite = z.object({ operator_open_id: z.string().min(1), fields: z.record(z.string(), z.unknown()) });
const userDelete = z.object({ operator_open_id: z.string().min(1) });
const viewSettings = z
  .object({ group_field: z.string().min(1), current_user_field: z.string().min(1) })
  .partial()
  .strict();
const configPatch = z
  .object({
    writeLatencyMs: z.number().int().min(0).max(60_000),
    notReadyMs: z.number().int().min(0),
    batchCap: z.number().int().min(1).max(10_000),
    timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone'),
    eventsForAppWrites: z.boolean(),
    uncheckedCheckbox: z.enum(['omitted', 'false']),
  })
  .partial()
  .strict();

export function registerBitableControl(k: EmuKernel, svc: BitableService): void {
  const c = k.control;

  c.post('/bases', async (ctx) => {
    const p = await readBody(ctx, baseTemplateSchema, 'template');
    if (!p.ok) return p.response;
    return guard(ctx, () => ctx.json(svc.createBase(p.data), 201));
  });

  c.get('/bases', (ctx) => ctx.json(svc.listBases().map((b) => baseSummary(b))));
  c.get('/bases/:app', (ctx) => guard(ctx, () => ctx.json(baseSummary(svc.state.base(ctx.req.param('app')), true))));

  c.get('/bases/:app/tables/:table/records', (ctx) =>
    guard(ctx, () => {
      const app = ctx.req.param('app');
      const base = svc.state.base(app);
      const table = svc.tableByKey(app, ctx.req.param('table'));
      const rctx = svc.readContext(base, {});
      const viewId = ctx.req.query('view');
      let rows = [...table.records.values()];
      if (viewId) {
        const view = table.views.find((v) => v.view_id === viewId);
        if (!view) throw new FeishuApiError(1254042, 'ViewIdNotFound');
        const shows = viewPredicate(view, table, { directory: k.directory, userIdType: 'open_id', timeZone: svc.timeZone(base), now: k.clock.now() }, ctx.req.query('viewer') || undefined);
        rows = rows.filter(shows);
      }
      return ctx.json({
        table: tableSummary(base, table),
        fields: table.fields.map(fieldListItem),
        ...(viewId ? { view_id: viewId } : {}),
        records: rows.map((r) => renderRecord(base, table, r, rctx, { automaticFields: true })),
      });
    }),
  );

  c.post('/bases/:app/tables/:table/views/:view/settings', async (ctx) => {
    const p = await readBody(ctx, viewSettings);
    if (!p.ok) return p.response;
    return guard(ctx, () => {
      const { table } = tableRef(ctx, svc);
      const view = table.views.find((v) => v.view_id === ctx.req.param('view'));
      if (!view) throw new FeishuApiError(1254042, 'ViewIdNotFound');
      setViewSettings(table, view, p.data);
      return ctx.json(view);
    });
  });

  c.post('/bases/:app/tables/:table/records', async (ctx) => {
    const p = await readBody(ctx, userWrite);
    if (!p.ok) return p.response;
    return guard(ctx, async () => {
      const { app, table } = tableRef(ctx, svc);
      const [rec] = await svc.createRecords(app, table.table_id, [{ fields: p.data.fields }], { operator: svc.userOperator(p.data.operator_open_id) });
      return ctx.json(readBack(svc, app, table, rec!.record_id), 201);
    });
  });

  c.post('/bases/:app/tables/:table/records/:rec/edit', async (ctx) => {
    const p = await readBody(ctx, userWrite);
    if (!p.ok) return p.response;
    return guard(ctx, async () => {
      const { app, table } = tableRef(ctx, svc);
      const rec = ctx.req.param('rec');
      await svc.updateRecords(app, table.table_id, [{ record_id: rec, fields: p.data.fields }], { operator: svc.userOperator(p.data.operator_open_id) });
      return ctx.json(readBack(svc, app, table, rec));
    });
  });

  const del = async (ctx: Context, operator: unknown) => {
    const p = userDelete.safeParse({ operator_open_id: operator });
    if (!p.success) return ctx.json(invalidBody(p.error.issues), 400);
    return guard(ctx, async () => {
      const { app, table } = tableRef(ctx, svc);
      const [res] = await svc.deleteRecords(app, table.table_id, [ctx.req.param('rec')!], { operator: svc.userOperator(p.data.operator_open_id), missing: 'error' });
      return ctx.json(res);
    });
  };
  c.post('/bases/:app/tables/:table/records/:rec/delete', async (ctx) => del(ctx, ((await ctx.req.json().catch(() => null)) as { operator_open_id?: unknown } | null)?.operator_open_id));
  c.delete('/bases/:app/tables/:table/records/:rec', (ctx) => del(ctx, ctx.req.query('operator_open_id')));

  c.get('/bitable/config', (ctx) => ctx.json(svc.config));
  c.post('/bitable/config', async (ctx) => {
    const p = await readBody(ctx, configPatch);
    if (!p.ok) return p.response;
    return ctx.json(svc.configure(Object.fromEntries(Object.entries(p.data).filter(([, v]) => v !== undefined))));
  });
}

function tableRef(ctx: Context, svc: BitableService): { app: string; table: Table } {
  const app = ctx.req.param('app')!;
  return { app, table: svc.tableByKey(app, ctx.req.param('table')!) };
}

function readBack(svc: BitableService, app: string, table: Table, recordId: string) {
  const base = svc.state.base(app);
  return renderRecord(base, table, svc.state.record(table, recordId), svc.readContext(base, {}), { automaticFields: true });
}

function tableSummary(base: Base, t: Table) {
  const key = [...base.tableKeys].find(([, id]) => id === t.table_id)?.[0];
  return { table_id: t.table_id, name: t.name, ...(key ? { key } : {}), revision: t.revision, record_count: t.records.size, views: t.views };
}

function baseSummary(b: Base, withFields = false) {
  return {
    app_token: b.app_token,
    name: b.name,
    revision: b.revision,
    ...(b.time_zone ? { time_zone: b.time_zone } : {}),
    tables: [...b.tables.values()].map((t) => ({ ...tableSummary(b, t), ...(withFields ? { fields: t.fields.map(fieldListItem) } : {}) })),
  };
}

/** Feishu errors from the shared code path become readable control replies. */
async function guard(ctx: Context, fn: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof FeishuApiError)) {
      if (e instanceof Error && /already exists/.test(e.message)) return ctx.json({ error: 'conflict', message: e.message }, 409);
      throw e;
    }
    const status: ContentfulStatusCode = [1254040, 1254041, 1254042, 1254043, 1254044].includes(e.code) ? 404 : e.code === 1254291 ? 409 : 400;
    return ctx.json({ error: 'feishu_error', code: e.code, msg: e.msg, message: e.detail ?? e.msg }, status);
  }
}
