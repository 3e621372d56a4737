import type { EmulatorModule } from '../emulator.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { registerBitableControl } from './control-routes.js';
import { registerRecordRoutes } from './routes-records.js';
import { registerSchemaRoutes } from './routes-schema.js';
import { BitableService } from './service.js';

const services = new WeakMap<EmuKernel, BitableService>();

/**
 * The Bitable part of the Feishu emulator (feishu-api.md §2, §7 "Bitable"). One module object serves
 * any number of emulators; each kernel gets its own BitableService, reachable with getBitable(kernel).
 */
export const bitableModule: EmulatorModule = {
  name: 'bitable',
  register(k) {
    const svc = new BitableService(k);
    services.set(k, svc);
    registerSchemaRoutes(k, svc);
    registerRecordRoutes(k, svc);
    registerBitableControl(k, svc);
  },
};

/** The in-process Bitable of an emulator (for main.ts seeding, a UI, tests). */
export function getBitable(k: EmuKernel): BitableService {
  const svc = services.get(k);
  if (!svc) throw new Error('bitableModule is not registered on this emulator');
  return svc;
}
