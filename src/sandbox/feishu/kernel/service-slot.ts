import type { EmuKernel } from './kernel.js';

/**
 * One feature service per emulator kernel (Bitable, events, IM …), so any number of emulators can run
 * in one process without module-level singletons.
 */
export interface ServiceSlot<T> {
  attach(k: EmuKernel, make: (k: EmuKernel) => T): T;
  get(k: EmuKernel): T;
}

export function createServiceSlot<T>(moduleName: string): ServiceSlot<T> {
  const services = new WeakMap<EmuKernel, T>();
  return {
    attach(k, make) {
      const s = make(k);
      services.set(k, s);
      return s;
    },
    get(k) {
      const s = services.get(k);
      if (s === undefined) throw new Error(`${moduleName} module is not registered on this emulator`);
      return s;
    },
  };
}
