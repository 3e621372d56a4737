import { z } from 'zod';
import type { EmuKernel } from '../kernel/kernel.js';
import { ClickRejected } from './card-click.js';
import type { ImService } from './service.js';
import { readBody } from '../kernel/control-body.js';

const clickBody = z
  .object({
    message_id: z.string().min(1),
    operator_open_id: z.string().min(1),
    element_id: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    value: z.record(z.string(), z.unknown()).optional(),
    path: z.string().min(1).optional(),
    form_value: z.record(z.string(), z.unknown()).optional(),
    option: z.string().optional(),
    options: z.array(z.string()).optional(),
    input_value: z.string().optional(),
    checked: z.boolean().optional(),
    timezone: z.string().optional(),
  })
  .strict()
  .refine((b) => b.element_id ?? b.name ?? b.text ?? b.value ?? b.path, { message: 'select the component with element_id, name, text, value or path' });

/** Control API for IM (mounted at /__control): messages, card versions, simulated card clicks. */
export function registerImControl(k: EmuKernel, im: ImService): void {
  const c = k.control;

  c.get('/im/chats/:chat_id/messages', (ctx) => ctx.json(im.messages({ chat_id: ctx.req.param('chat_id') })));
  c.get('/im/messages', (ctx) => {
    const chatId = ctx.req.query('chat_id');
    const appId = ctx.req.query('app_id');
    return ctx.json(im.messages({ ...(chatId ? { chat_id: chatId } : {}), ...(appId ? { app_id: appId } : {}) }));
  });
  c.get('/im/messages/:message_id', (ctx) => {
    const m = im.message(ctx.req.param('message_id'));
    return m ? ctx.json(m) : ctx.json({ error: 'unknown_message' }, 404);
  });
  c.get('/im/messages/:message_id/versions', (ctx) => {
    const m = im.message(ctx.req.param('message_id'));
    return m ? ctx.json(m.versions) : ctx.json({ error: 'unknown_message' }, 404);
  });
  c.get('/im/cards', (ctx) => {
    const chatId = ctx.req.query('chat_id');
    const appId = ctx.req.query('app_id');
    return ctx.json(im.cards({ ...(chatId ? { chat_id: chatId } : {}), ...(appId ? { app_id: appId } : {}) }));
  });

  c.post('/cards/click', async (ctx) => {
    const p = await readBody(ctx, clickBody);
    if (!p.ok) return p.response;
    const { message_id, operator_open_id, element_id, name, text, value, path, ...rest } = p.data;
    try {
      const result = await im.click({
        message_id,
        operator_open_id,
        selector: { ...(element_id ? { element_id } : {}), ...(name ? { name } : {}), ...(text ? { text } : {}), ...(value ? { value } : {}), ...(path ? { path } : {}) },
        ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      });
      return ctx.json(result);
    } catch (e) {
      if (e instanceof ClickRejected) return ctx.json({ error: 'click_rejected', message: e.message, ...(e.detail !== undefined ? { detail: e.detail } : {}) }, e.status);
      throw e;
    }
  });
  c.get('/cards/clicks', (ctx) => {
    const messageId = ctx.req.query('message_id');
    return ctx.json(im.clicks(messageId ? { message_id: messageId } : {}));
  });

  c.get('/im/settings', (ctx) => ctx.json(im.settings));
  c.post('/im/settings', async (ctx) => {
    const p = await readBody(ctx, z.object({ callback_timeout_ms: z.number().int().positive() }).partial().strict());
    if (!p.ok) return p.response;
    if (p.data.callback_timeout_ms !== undefined) im.settings.callbackTimeoutMs = p.data.callback_timeout_ms;
    return ctx.json(im.settings);
  });
}
