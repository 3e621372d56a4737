import { z } from 'zod';
import type { EmulatorModule } from '../emulator.js';
import { readBody } from '../kernel/control-body.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { createServiceSlot } from '../kernel/service-slot.js';
import { LongConnGateway } from './gateway.js';

const slot = createServiceSlot<LongConnGateway>('longconn');
export const longConnOf = (k: EmuKernel) => slot.get(k);

const settingsPatch = z
  .object({
    ping_interval_s: z.number().positive(),
    reconnect_count: z.number().int().min(-1),
    reconnect_interval_s: z.number().positive(),
    reconnect_nonce_s: z.number().nonnegative(),
    refuse_endpoint_code: z.number().int().nullable(),
    refuse_handshake: z.boolean(),
    fragment_bytes: z.number().int().positive(),
    record_events: z.boolean(),
  })
  .partial()
  .strict();

/**
 * The long connection (docs/platform/feishu.md §5.5): `POST /callback/ws/endpoint` and the socket at
 * `/ws/v2`, used for the apps whose event_mode or callback_mode is long_connection. Control (under
 * /__control/longconn): its settings and counters, the open connections, and a switch that cuts them.
 */
export const longConnModule: EmulatorModule = {
  name: 'longconn',
  register(k) {
    const gw = slot.attach(k, (kernel) => new LongConnGateway(kernel));
    k.longConnection = gw;
    k.upgrades.set('/ws/v2', (req, socket, head) => gw.upgrade(req, socket, head));
    k.disposers.push(() => gw.close());
    k.route({ method: 'POST', path: '/callback/ws/endpoint', key: 'longconn.endpoint', auth: false }, async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { AppID?: unknown; AppSecret?: unknown };
      return c.json(gw.endpoint(body.AppID, body.AppSecret, new URL(c.req.url).origin));
    });

    const view = () => ({
      settings: gw.settings,
      stats: gw.stats,
      connections: gw.list().map(({ socket: _s, ...rest }) => rest),
    });
    k.control.get('/longconn', (ctx) => ctx.json(view()));
    k.control.post('/longconn/settings', async (ctx) => {
      const p = await readBody(ctx, settingsPatch);
      if (!p.ok) return p.response;
      const d = p.data;
      const s = gw.settings;
      if (d.ping_interval_s !== undefined) s.pingIntervalS = d.ping_interval_s;
      if (d.reconnect_count !== undefined) s.reconnectCount = d.reconnect_count;
      if (d.reconnect_interval_s !== undefined) s.reconnectIntervalS = d.reconnect_interval_s;
      if (d.reconnect_nonce_s !== undefined) s.reconnectNonceS = d.reconnect_nonce_s;
      if (d.refuse_endpoint_code !== undefined) s.refuseEndpointCode = d.refuse_endpoint_code ?? undefined;
      if (d.refuse_handshake !== undefined) s.refuseHandshake = d.refuse_handshake;
      if (d.fragment_bytes !== undefined) s.fragmentBytes = d.fragment_bytes;
      if (d.record_events !== undefined) s.recordEvents = d.record_events;
      return ctx.json(view());
    });
    k.control.post('/longconn/drop', async (ctx) => {
      const p = await readBody(ctx, z.object({ app_id: z.string().optional() }).strict());
      if (!p.ok) return p.response;
      return ctx.json({ dropped: gw.drop(p.data.app_id) });
    });
  },
};
