import type { EmuKernel } from '../kernel/kernel.js';
import { registerUiStream } from './stream.js';
import { chatMessages, uiState } from './ui-state.js';

/**
 * Control routes the sandbox page needs beyond the other modules' own (mounted at /__control):
 * - GET /ui/state                       people, chats (group and one-to-one), apps, running modules
 * - GET /ui/chats/:chat_id/messages     messages with cards rendered to HTML (current + every version)
 * - GET /ui/stream                      server-sent events: bitable / im / delivery
 * Writes go through the owning module: record edits via /bases/…/edit (Bitable), card clicks via
 * /cards/click (IM), so a UI action is the same code path as an API write, with the user as operator.
 */
export function registerUiControl(k: EmuKernel): void {
  const c = k.control;
  c.get('/ui/state', (ctx) => ctx.json(uiState(k)));
  c.get('/ui/chats/:chat_id/messages', (ctx) => {
    const list = chatMessages(k, ctx.req.param('chat_id'));
    return list ? ctx.json(list) : ctx.json({ error: 'im_module_not_registered' }, 404);
  });
  registerUiStream(k);
}
