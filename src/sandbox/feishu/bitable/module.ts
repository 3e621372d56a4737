import type { EmulatorModule } from '../emulator.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { registerBitableControl } from './control-routes.js';
import { registerRecordRoutes } from './routes-records.js';
import { registerSchemaRoutes } from './routes-schema.js';
import { BitableService } from './service.js';
import { createServiceSlot } from '../kernel/service-slot.js';

const slot = createServiceSlot<BitableService>('bitable');

/**
 * The Bitable part of the Feishu emulator (docs/platform/feishu.md §2, §7 "Bitable"). One module object serves
 * any number of emulators; each kernel gets its own BitableService, reachable with getBitable(kernel).
 */
export const bitableModule: EmulatorModule = {
  name: 'bitable',
  register(k) {
    const svc = slot.attach(k, (kk) => new BitableService(kk));
    registerSchemaRoutes(k, svc);
    registerRecordRoutes(k, svc);
    registerBitableControl(k, svc);
  },
};

/** The in-process Bitable of an emulator (for main.ts seeding, a UI, tests). */
export const getBitable = (k: EmuKernel): BitableService => slot.get(k);
