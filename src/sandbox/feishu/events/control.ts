import { z } from 'zod';
import type { EmuKernel } from '../kernel/kernel.js';
import type { EventsService } from './service.js';
import { readBody } from '../kernel/control-body.js';

const settingsPatch = z
  .object({
    ack_timeout_ms: z.number().int().positive(),
    retry_delays_ms: z.array(z.number().nonnegative()).max(10),
    redeliver_acked: z.boolean(),
    redeliver_delay_ms: z.number().nonnegative(),
    challenge_timeout_ms: z.number().int().positive(),
  })
  .partial()
  .strict();

/** Control API for events (mounted at /__control): delivery log, switches, url_verification. */
export function registerEventsControl(k: EmuKernel, ev: EventsService): void {
  const c = k.control;

  c.get('/events/deliveries', (ctx) => {
    const appId = ctx.req.query('app_id');
    const eventType = ctx.req.query('event_type');
    return ctx.json(ev.deliveries({ ...(appId ? { app_id: appId } : {}), ...(eventType ? { event_type: eventType } : {}) }));
  });
  c.get('/events/deliveries/:event_id', (ctx) => {
    const rec = ev.delivery.get(ctx.req.param('event_id'));
    return rec ? ctx.json(rec) : ctx.json({ error: 'unknown_event' }, 404);
  });
  c.delete('/events/deliveries', (ctx) => {
    ev.delivery.clear();
    return ctx.json({ ok: true });
  });

  c.get('/events/settings', (ctx) => ctx.json(ev.settings()));
  c.post('/events/settings', async (ctx) => {
    const p = await readBody(ctx, settingsPatch);
    if (!p.ok) return p.response;
    const d = p.data;
    return ctx.json(
      ev.configure({
        ...(d.ack_timeout_ms !== undefined ? { ackTimeoutMs: d.ack_timeout_ms } : {}),
        ...(d.retry_delays_ms !== undefined ? { retryDelaysMs: d.retry_delays_ms } : {}),
        ...(d.redeliver_acked !== undefined ? { redeliverAcked: d.redeliver_acked } : {}),
        ...(d.redeliver_delay_ms !== undefined ? { redeliverDelayMs: d.redeliver_delay_ms } : {}),
        ...(d.challenge_timeout_ms !== undefined ? { challengeTimeoutMs: d.challenge_timeout_ms } : {}),
      }),
    );
  });
  c.post('/events/redeliver-acked', async (ctx) => {
    const p = await readBody(ctx, z.object({ enabled: z.boolean(), delay_ms: z.number().nonnegative().optional() }).strict());
    if (!p.ok) return p.response;
    ev.setRedeliverAcked(p.data.enabled, p.data.delay_ms);
    return ctx.json({ redeliver_acked: ev.settings().redeliverAcked, redeliver_delay_ms: ev.settings().redeliverDelayMs });
  });

  c.post('/events/url-verification', async (ctx) => {
    const p = await readBody(ctx, z.object({ app_id: z.string().min(1), target: z.enum(['event', 'card']).default('event'), url: z.string().url().optional() }).strict());
    if (!p.ok) return p.response;
    if (!k.apps.get(p.data.app_id)) return ctx.json({ error: 'unknown_app' }, 404);
    const app = k.apps.get(p.data.app_id)!;
    const url = p.data.url ?? (p.data.target === 'card' ? app.card_url : app.event_url);
    if (!url) return ctx.json({ error: 'no_url', message: `app has no ${p.data.target === 'card' ? 'card_url' : 'event_url'}` }, 400);
    return ctx.json(await ev.verifyUrl(p.data.app_id, { target: p.data.target, url }));
  });

  c.get('/events/subscriptions', (ctx) => ctx.json(ev.subscriptions.list()));
}
