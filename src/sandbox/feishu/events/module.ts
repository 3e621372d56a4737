import type { EmulatorModule } from '../emulator.js';
import { registerEventsControl } from './control.js';
import { attachEvents } from './service.js';
import { registerSubscriptionRoutes } from './subscription-routes.js';

/**
 * Event subscription and webhook delivery: drive file subscriptions, `bitable_record_changed_v1`
 * from every `bitable.record_changed` on the bus, signing/encryption, retries and duplicates
 * (docs/platform/feishu.md §3, §7 "Subscription and events").
 */
export const eventsModule: EmulatorModule = {
  name: 'events',
  register(k) {
    const ev = attachEvents(k);
    registerSubscriptionRoutes(k, ev.subscriptions);
    registerEventsControl(k, ev);
    k.bus.on('bitable.record_changed', (rc) => void ev.onRecordChanged(rc));
  },
};
