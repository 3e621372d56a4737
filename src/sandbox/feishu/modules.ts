import { dingTalkModule } from '../dingtalk/module.js';
import { bitableModule } from './bitable/module.js';
import type { EmulatorModule } from './emulator.js';
import { eventsModule } from './events/module.js';
import { imModule } from './im/module.js';
import { longConnModule } from './longconn/module.js';
import { uiModule } from './ui/module.js';

/**
 * Every feature module of the emulator (Feishu's, and DingTalk's beside it), in registration order. `createFeishuEmulator` callers
 * (main.ts sandbox mode, tests) pass this list, or a subset for focused tests.
 */
export const ALL_MODULES: EmulatorModule[] = [bitableModule, eventsModule, imModule, longConnModule, dingTalkModule, uiModule];
