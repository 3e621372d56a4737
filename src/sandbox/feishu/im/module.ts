import type { EmulatorModule } from '../emulator.js';
import { registerCardUpdateRoute } from './card-update-route.js';
import { registerChatRoutes } from './chat-routes.js';
import { registerContactRoutes } from './contact-routes.js';
import { registerImControl } from './control.js';
import { registerMessageRoutes } from './message-routes.js';
import { attachIm } from './service.js';

/**
 * IM messages and cards: send/get/patch, chats and members, contact users, simulated card clicks with
 * `card.action.trigger` callbacks, and delayed card updates (docs/platform/feishu.md §4, §7 "IM and cards").
 */
export const imModule: EmulatorModule = {
  name: 'im',
  register(k) {
    // App-level limits of the read and update APIs (1000/min & 50/s per the API pages); the kernel's
    // table covers send (im.send), per chat (im.chat) and per message (im.patch).
    k.rates.setRule('im.read', { perSecond: 50, perMinute: 1000 });
    k.rates.setRule('im.update', { perSecond: 50, perMinute: 1000 });
    const im = attachIm(k);
    registerMessageRoutes(k, im);
    registerChatRoutes(k);
    registerContactRoutes(k);
    registerCardUpdateRoute(k, im);
    registerImControl(k, im);
  },
};
