import type { EmulatorModule } from './emulator.js';

/**
 * Every feature module of the Feishu emulator, in registration order. `createFeishuEmulator` callers
 * (main.ts sandbox mode, tests) pass this list, or a subset for focused tests.
 */
export const ALL_MODULES: EmulatorModule[] = [];
