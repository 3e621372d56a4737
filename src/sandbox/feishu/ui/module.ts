import type { EmulatorModule } from '../emulator.js';
import { registerUiControl } from './control-routes.js';
import { registerStaticRoutes } from './static-routes.js';

/**
 * The sandbox's browser UI (Chinese by default, English toggle): Base tables as editable grids, group
 * chats with their cards, an "act as" switch, and the delivered-events log. Served from the emulator
 * root (`GET /`, `/ui/*`); it reads and writes only through control routes, so an edit or a card click
 * in the page runs the same code as the API and emits the same events, with the chosen user as operator.
 */
export const uiModule: EmulatorModule = {
  name: 'ui',
  register(k, root) {
    registerUiControl(k);
    registerStaticRoutes(root);
  },
};
