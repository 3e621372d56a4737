import { z } from 'zod';
import type { EmulatorModule } from '../feishu/emulator.js';
import { readBody } from '../feishu/kernel/control-body.js';
import type { EmuKernel } from '../feishu/kernel/kernel.js';
import { createServiceSlot } from '../feishu/kernel/service-slot.js';
import { clickCard, sayInGroup } from './clicks.js';
import { type DtApiDeps, registerDtApi } from './openapi.js';
import { DtOrg } from './org.js';
import { StreamGateway } from './stream-gateway.js';

/** The DingTalk side of the emulator, beside Feishu's on the same server (its own paths under /v1.0). */
export interface DingTalkEmulator {
  org: DtOrg;
  stream: StreamGateway;
}

const slot = createServiceSlot<DingTalkEmulator>('dingtalk');
export const dingTalkOf = (k: EmuKernel) => slot.get(k);

/** Where the Stream sockets open (the endpoint the registration answers). */
export const STREAM_PATH = '/dingtalk/connect';

const settingsPatch = z
  .object({
    refuse_open_status: z.number().int().min(400).max(599).nullable(),
    refuse_handshake: z.boolean(),
    ping_ms: z.number().int().min(0),
    redeliver_ms: z.number().int().min(0),
    max_deliveries: z.number().int().min(1),
    duplicate_after_ack: z.boolean(),
    disconnect_grace_ms: z.number().int().min(0),
  })
  .partial()
  .strict();

/**
 * DingTalk (docs/platform/dingtalk.md): the token, card-instance and robot-message APIs, and the Stream
 * gateway the real `dingtalk-stream` client connects to. Control (under /__control/dingtalk): the org
 * (apps, people, groups), the cards as they are now, a click as a person, and the gateway's settings,
 * counters, connections and switches (drop, disconnect).
 */
export const dingTalkModule: EmulatorModule = {
  name: 'dingtalk',
  register(k) {
    const org = new DtOrg();
    org.onCard = (card, kind) => k.bus.emit('dingtalk.chat', { id: card.outTrackId, openConversationId: card.openConversationId, kind });
    org.onMessage = (m) => k.bus.emit('dingtalk.chat', { id: m.msgId, openConversationId: m.openConversationId, kind: 'new' });
    const stream = new StreamGateway(org, STREAM_PATH);
    slot.attach(k, () => ({ org, stream }));
    const now = () => k.clock.now();
    const route: DtApiDeps['route'] = (method, path, key, handler) => k.route({ method, path, key, auth: false }, handler);
    registerDtApi({ org, now, route, log: (level, msg, fields) => k.log(level, msg, fields) });
    route('POST', '/v1.0/gateway/connections/open', 'dingtalk.gateway.open', async (c) => {
      const r = stream.open(await c.req.json().catch(() => undefined), new URL(c.req.url).origin);
      return c.json(r.body, r.status as 200);
    });
    k.upgrades.set(STREAM_PATH, (req, socket, head) => stream.upgrade(req, socket, head));
    k.disposers.push(() => stream.close());

    const view = () => ({
      settings: stream.settings,
      stats: stream.stats,
      connections: stream.list().map(({ socket: _s, ...rest }) => rest),
    });
    k.control.get('/dingtalk', (ctx) => ctx.json({ corpId: org.corpId, apps: [...org.apps.values()].map(({ appSecret: _s, ...a }) => a), users: [...org.users.values()], groups: [...org.groups.values()], ...view() }));
    k.control.get('/dingtalk/cards', (ctx) => {
      const cid = ctx.req.query('conversation');
      return ctx.json([...org.cards.values()].filter((c) => !cid || c.openConversationId === cid));
    });
    k.control.get('/dingtalk/messages', (ctx) => {
      const cid = ctx.req.query('conversation');
      return ctx.json(org.messages.filter((m) => !cid || m.openConversationId === cid));
    });
    // a person writes in a group (with atRobot: @-mentioning the app's robot, which then gets it over Stream)
    k.control.post('/dingtalk/messages', async (ctx) => {
      const p = await readBody(ctx, z.object({ conversation: z.string().min(1), userId: z.string().min(1), text: z.string().min(1).max(2000), atRobot: z.boolean().default(false) }).strict());
      if (!p.ok) return p.response;
      return ctx.json(await sayInGroup(org, stream, p.data, now));
    });
    k.control.post('/dingtalk/settings', async (ctx) => {
      const p = await readBody(ctx, settingsPatch);
      if (!p.ok) return p.response;
      const d = p.data;
      const s = stream.settings;
      if (d.refuse_open_status !== undefined) s.refuseOpenStatus = d.refuse_open_status ?? undefined;
      if (d.refuse_handshake !== undefined) s.refuseHandshake = d.refuse_handshake;
      if (d.redeliver_ms !== undefined) s.redeliverMs = d.redeliver_ms;
      if (d.max_deliveries !== undefined) s.maxDeliveries = d.max_deliveries;
      if (d.duplicate_after_ack !== undefined) s.duplicateAfterAck = d.duplicate_after_ack;
      if (d.disconnect_grace_ms !== undefined) s.disconnectGraceMs = d.disconnect_grace_ms;
      if (d.ping_ms !== undefined) {
        s.pingMs = d.ping_ms;
        stream.schedulePings();
      }
      return ctx.json(view());
    });
    // someone joins the company (and groups) on DingTalk: e.g. a colleague not in 销售团队
    k.control.post('/dingtalk/users', async (ctx) => {
      const p = await readBody(
        ctx,
        z
          .object({
            name: z.string().min(1),
            userId: z
              .string()
              .regex(/^[A-Za-z0-9_$:-]{1,64}$/)
              .optional(),
            groups: z.array(z.string()).default([]),
          })
          .strict(),
      );
      if (!p.ok) return p.response;
      if (p.data.userId && org.users.has(p.data.userId)) return ctx.json({ error: 'user_exists' }, 409);
      const user = org.addUser({ name: p.data.name, ...(p.data.userId ? { userId: p.data.userId } : {}) });
      for (const cid of p.data.groups) org.groups.get(cid)?.members.push(user.userId);
      return ctx.json(user);
    });
    k.control.post('/dingtalk/drop', (ctx) => ctx.json({ dropped: stream.drop() }));
    k.control.post('/dingtalk/disconnect', (ctx) => ctx.json({ disconnected: stream.disconnect() }));
    k.control.post('/dingtalk/cards/click', async (ctx) => {
      const p = await readBody(ctx, z.object({ outTrackId: z.string().min(1), userId: z.string().min(1), actionId: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) }).strict());
      if (!p.ok) return p.response;
      return ctx.json(await clickCard(org, stream, p.data, now));
    });
  },
};
