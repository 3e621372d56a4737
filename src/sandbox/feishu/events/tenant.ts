import { randomBytes } from 'node:crypto';
import type { EmuKernel } from '../kernel/kernel.js';

/**
 * The emulated tenant's `tenant_key` (16 hex chars, like the doc sample `2ca1d211f64f6438`, docs/platform/feishu.md §3.1).
 * The kernel has no tenant concept; events, IM senders and card operators all need the same key, so
 * it is derived once per kernel here.
 */
const keys = new WeakMap<EmuKernel, string>();

export function tenantKeyOf(k: EmuKernel): string {
  let key = keys.get(k);
  if (!key) {
    key = randomBytes(8).toString('hex');
    keys.set(k, key);
  }
  return key;
}
