import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { EmuKernel } from './kernel.js';
import { readBody } from './control-body.js';

const appPatch = z
  .object({
    app_secret: z.string().min(1),
    encrypt_key: z.string(),
    verification_token: z.string().min(1),
    event_url: z.string().url(),
    card_url: z.string().url(),
    event_mode: z.enum(['webhook', 'long_connection']),
    callback_mode: z.enum(['webhook', 'long_connection']),
    name: z.string().min(1),
  })
  .partial();

const faultRule = z
  .object({
    route: z.string().min(1),
    kind: z.enum(['error', 'rate_limit', 'http', 'delay', 'not_ready', 'drop', 'duplicate']),
    code: z.number().int().optional(),
    msg: z.string().optional(),
    status: z.number().int().optional(),
    resetSeconds: z.number().int().positive().optional(),
    body: z.string().optional(),
    ms: z.number().int().nonnegative().optional(),
    times: z.number().int().positive().optional(),
    skip: z.number().int().nonnegative().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'error' && r.code === undefined) ctx.addIssue({ code: 'custom', message: 'kind "error" needs code' });
    if (r.kind === 'http' && r.status === undefined) ctx.addIssue({ code: 'custom', message: 'kind "http" needs status' });
    if (r.kind === 'delay' && r.ms === undefined) ctx.addIssue({ code: 'custom', message: 'kind "delay" needs ms' });
  });

/** Control API for the shared core: apps, people, chats, clock, faults, tokens, error statuses. */
export function registerKernelControl(k: EmuKernel): void {
  const c = k.control;

  c.get('/apps', (ctx) => ctx.json(k.apps.list()));
  c.post('/apps', async (ctx) => {
    const p = await readBody(
      ctx,
      appPatch.extend({
        app_id: z
          .string()
          .regex(/^cli_[0-9a-f]{16}$/)
          .optional(),
      }),
    );
    if (!p.ok) return p.response;
    return ctx.json(k.apps.add(stripUndefined(p.data)), 201);
  });
  c.patch('/apps/:id', async (ctx) => {
    const p = await readBody(ctx, appPatch);
    if (!p.ok) return p.response;
    if (!k.apps.get(ctx.req.param('id'))) return ctx.json({ error: 'unknown_app' }, 404);
    return ctx.json(k.apps.update(ctx.req.param('id'), stripUndefined(p.data)));
  });

  c.get('/users', (ctx) => ctx.json(k.directory.listUsers()));
  c.post('/users', async (ctx) => {
    const p = await readBody(ctx, z.object({ name: z.string().min(1), en_name: z.string().optional(), email: z.string().optional(), leader_open_id: z.string().optional(), open_id: z.string().optional(), job_title: z.string().optional() }));
    if (!p.ok) return p.response;
    return ctx.json(k.directory.addUser(stripUndefined(p.data) as { name: string }), 201);
  });

  c.get('/chats', (ctx) => ctx.json(k.directory.listChats()));
  c.post('/chats', async (ctx) => {
    const p = await readBody(ctx, z.object({ name: z.string().min(1), members: z.array(z.string()).default([]), bots: z.array(z.string()).default([]), chat_id: z.string().optional() }));
    if (!p.ok) return p.response;
    return ctx.json(k.directory.addChat(stripUndefined(p.data) as { name: string }), 201);
  });

  c.get('/clock', (ctx) => ctx.json({ now: k.clock.now(), timeScale: k.clock.timeScale, pendingTimers: k.clock.pendingTimers() }));
  c.post('/clock/advance', async (ctx) => {
    const p = await readBody(ctx, z.object({ ms: z.number().nonnegative() }));
    if (!p.ok) return p.response;
    k.clock.advance(p.data.ms);
    return ctx.json({ now: k.clock.now() });
  });
  c.post('/clock/time-scale', async (ctx) => {
    const p = await readBody(ctx, z.object({ timeScale: z.number().positive() }));
    if (!p.ok) return p.response;
    k.clock.setTimeScale(p.data.timeScale);
    return ctx.json({ timeScale: k.clock.timeScale });
  });

  c.get('/faults', (ctx) => ctx.json(k.faults.list()));
  c.post('/faults', async (ctx) => {
    const p = await readBody(ctx, faultRule);
    if (!p.ok) return p.response;
    k.faults.add(stripUndefined(p.data) as Parameters<typeof k.faults.add>[0]);
    return ctx.json({ ok: true }, 201);
  });
  c.delete('/faults', (ctx) => {
    k.faults.clear(ctx.req.query('route'));
    return ctx.json({ ok: true });
  });

  c.post('/tokens/revoke', async (ctx) => {
    const body = (await ctx.req.json().catch(() => ({}))) as { app_id?: string };
    return ctx.json({ revoked: k.tokens.revoke(body.app_id) });
  });
  c.post('/errors/status', async (ctx) => {
    const p = await readBody(ctx, z.object({ code: z.number().int(), status: z.number().int().min(200).max(599) }));
    if (!p.ok) return p.response;
    k.errors.overrideStatus(p.data.code, p.data.status as ContentfulStatusCode);
    return ctx.json({ ok: true });
  });
  c.post('/rate-limits', async (ctx) => {
    const p = await readBody(
      ctx,
      z.object({ enabled: z.boolean().optional(), rules: z.record(z.string(), z.object({ perSecond: z.number().int().positive().optional(), perMinute: z.number().int().positive().optional() })).optional(), reset: z.boolean().optional() }),
    );
    if (!p.ok) return p.response;
    if (p.data.enabled !== undefined) k.rates.setEnabled(p.data.enabled);
    for (const [cls, rule] of Object.entries(p.data.rules ?? {})) k.rates.setRule(cls, stripUndefined(rule));
    if (p.data.reset) k.rates.reset();
    return ctx.json({ ok: true });
  });
}

/** zod gives `x: undefined` for absent optionals; exactOptionalPropertyTypes-style targets want them gone. */
export function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
