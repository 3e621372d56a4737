import type { RecordChanged } from '../kernel/bus.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { EventDelivery, type DeliveryRecord, type DeliverySettings } from './delivery.js';
import { buildV2Envelope } from './envelope.js';
import { RECORD_CHANGED_EVENT, toRecordChangedEvent } from './record-changed.js';
import { Subscriptions } from './subscriptions.js';
import { tenantKeyOf } from './tenant.js';
import { sendUrlVerification, type UrlVerificationResult } from './url-verification.js';
import { createServiceSlot } from '../kernel/service-slot.js';

/**
 * The events side of the emulator as an in-process object: what the control routes expose, for the
 * sandbox UI and main.ts. Obtain it with `getEvents(kernel)` once `eventsModule` is registered.
 */
export class EventsService {
  readonly delivery: EventDelivery;
  readonly subscriptions = new Subscriptions();

  private readonly k: EmuKernel;
  constructor(k: EmuKernel) {
    this.k = k;
    this.delivery = new EventDelivery(k);
  }

  /** Send any v2 event to one app (fresh event_id, header.token = its Verification Token). */
  emit(appId: string, eventType: string, event: unknown): DeliveryRecord {
    const app = this.k.apps.get(appId);
    if (!app) throw new Error(`unknown app ${appId}`);
    return this.delivery.deliver(buildV2Envelope(app, tenantKeyOf(this.k), eventType, event, this.k.clock.now()));
  }

  /** A Bitable record change → one `bitable_record_changed_v1` per app subscribed to that Base (docs/platform/feishu.md §3.6). */
  onRecordChanged(rc: RecordChanged): DeliveryRecord[] {
    const event = toRecordChangedEvent(this.k, rc);
    return this.subscriptions.subscribers(rc.appToken, RECORD_CHANGED_EVENT).map((s) => this.emit(s.app_id, RECORD_CHANGED_EVENT, event));
  }

  deliveries(filter: { app_id?: string; event_type?: string } = {}): DeliveryRecord[] {
    return this.delivery.list(filter);
  }

  settings(): Readonly<DeliverySettings> {
    return this.delivery.settings;
  }

  configure(patch: Partial<DeliverySettings>): Readonly<DeliverySettings> {
    Object.assign(this.delivery.settings, patch);
    return this.delivery.settings;
  }

  /** The "re-deliver acknowledged events" switch (§3.5: at-least-once). */
  setRedeliverAcked(enabled: boolean, delayMs?: number): void {
    this.configure({ redeliverAcked: enabled, ...(delayMs !== undefined ? { redeliverDelayMs: delayMs } : {}) });
  }

  /** Send a url_verification challenge to the app's event URL (or callback URL, or `url`). */
  async verifyUrl(appId: string, opts: { target?: 'event' | 'card'; url?: string } = {}): Promise<UrlVerificationResult> {
    const app = this.k.apps.get(appId);
    if (!app) throw new Error(`unknown app ${appId}`);
    const url = opts.url ?? (opts.target === 'card' ? app.card_url : app.event_url);
    if (!url) throw new Error(`app ${appId} has no ${opts.target === 'card' ? 'card_url' : 'event_url'}`);
    return sendUrlVerification(app, url, this.delivery.settings.challengeTimeoutMs, this.k.clock.now());
  }

  /** Resolves once no delivery attempt is in flight (tests). */
  idle(): Promise<void> {
    return this.delivery.idle();
  }
}

const slot = createServiceSlot<EventsService>('events');

export const attachEvents = (k: EmuKernel): EventsService => slot.attach(k, (kk) => new EventsService(kk));
export const getEvents = (k: EmuKernel): EventsService => slot.get(k);
