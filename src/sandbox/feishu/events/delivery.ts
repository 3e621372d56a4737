import type { EmuKernel } from '../kernel/kernel.js';
import type { V2Envelope } from './envelope.js';
import { encodeBody, type PostResult, postWithDeadline, signedHeaders } from './signed-request.js';

/**
 * Webhook delivery of events (docs/platform/feishu.md#35-acknowledgement-and-retries): HTTP 200 within 3 s acknowledges; otherwise
 * Feishu retries after 15 s, 5 min, 1 h and 6 h (at most 4 retries). Delivery is at least once, so a
 * switch re-delivers acknowledged events with the same event_id. Retry delays are platform time and
 * run on the emulator clock (timeScale / advance shorten them); the ack deadline is a real network
 * timeout.
 */
export const DOC_RETRY_DELAYS_MS: readonly number[] = [15_000, 5 * 60_000, 60 * 60_000, 6 * 60 * 60_000];

export interface DeliverySettings {
  /** real ms the app has to answer HTTP 200 (§3.5: 3 s) */
  ackTimeoutMs: number;
  /** platform ms before each retry; its length is the retry cap (§3.5: 4) */
  retryDelaysMs: number[];
  /** re-deliver every acknowledged event once more, same event_id (§3.5 "duplicates even after a 200") */
  redeliverAcked: boolean;
  /** platform ms between the ack and the duplicate */
  redeliverDelayMs: number;
  /** real ms the app has to echo a url_verification challenge (§3.2: 1 s) */
  challengeTimeoutMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: Readonly<DeliverySettings> = {
  ackTimeoutMs: 3000,
  retryDelaysMs: [...DOC_RETRY_DELAYS_MS],
  redeliverAcked: false,
  redeliverDelayMs: 15_000,
  challengeTimeoutMs: 1000,
};

/** Deliveries kept for the control API and UI; older ones are forgotten so a long sandbox session stays small. */
export const DELIVERY_LOG_LIMIT = 5000;

/** The `url` of an attempt made over the app's long connection. */
export const LONG_CONNECTION = 'long-connection';

export type AttemptKind = 'first' | 'retry' | 'duplicate';

export interface DeliveryAttempt {
  /** 1-based across the whole delivery */
  n: number;
  kind: AttemptKind;
  /** emulator ms when sent */
  at: number;
  /** platform ms waited before this attempt (retries and duplicates) */
  delay_ms?: number;
  url: string;
  headers: Record<string, string>;
  /** the exact bytes sent */
  body: string;
  status: number | 'timeout' | 'error';
  acked: boolean;
  elapsed_ms: number;
  response_body?: string;
  error?: string;
}

export type DeliveryState = 'pending' | 'retrying' | 'acked' | 'failed' | 'dropped' | 'no_url';

export interface DeliveryRecord {
  event_id: string;
  event_type: string;
  app_id: string;
  /** emulator ms */
  created_at: number;
  /** the envelope before encryption */
  envelope: V2Envelope;
  encrypted: boolean;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  /** emulator ms of the scheduled retry or duplicate, if any */
  next_attempt_at?: number;
  /** why nothing (more) was sent */
  note?: string;
}

export class EventDelivery {
  readonly settings: DeliverySettings = { ...DEFAULT_DELIVERY_SETTINGS, retryDelaysMs: [...DEFAULT_DELIVERY_SETTINGS.retryDelaysMs] };
  private readonly log: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  private readonly k: EmuKernel;
  constructor(k: EmuKernel) {
    this.k = k;
  }

  /** Queue an envelope for its app's event URL and send the first attempt now. */
  deliver(envelope: V2Envelope): DeliveryRecord {
    const app = this.k.apps.get(envelope.header.app_id);
    const rec: DeliveryRecord = {
      event_id: envelope.header.event_id,
      event_type: envelope.header.event_type,
      app_id: envelope.header.app_id,
      created_at: this.k.clock.now(),
      envelope,
      encrypted: Boolean(app?.encrypt_key) && app?.event_mode !== 'long_connection',
      state: 'pending',
      attempts: [],
    };
    this.log.push(rec);
    if (this.log.length > DELIVERY_LOG_LIMIT) this.log.splice(0, this.log.length - DELIVERY_LOG_LIMIT);
    const fault = this.k.faults.take('event.deliver');
    if (fault?.kind === 'drop') {
      rec.state = 'dropped';
      rec.note = 'dropped by fault rule event.deliver';
      return rec;
    }
    const duplicateByFault = fault?.kind === 'duplicate';
    if (app?.event_mode === 'long_connection') {
      // Over the long connection the envelope travels plain: the socket itself is authenticated (§5.5).
      if (!this.k.longConnection?.carries(rec.event_type)) {
        rec.state = 'dropped';
        rec.note = this.k.longConnection ? `${rec.event_type} is not pushed over the long connection (the longconn record_events switch)` : 'the app receives over the long connection, and this emulator has none';
        return rec;
      }
      this.track(this.attempt(rec, JSON.stringify(envelope), 'first', undefined, duplicateByFault));
      return rec;
    }
    if (!app?.event_url) {
      rec.state = 'no_url';
      rec.note = app ? 'app has no event_url' : 'unknown app';
      return rec;
    }
    // Encrypt once: retries and duplicates carry the same body; only the signature headers change.
    const body = encodeBody(app, envelope);
    this.track(this.attempt(rec, body, 'first', undefined, duplicateByFault));
    return rec;
  }

  list(filter: { app_id?: string; event_type?: string } = {}): DeliveryRecord[] {
    return this.log.filter((r) => (!filter.app_id || r.app_id === filter.app_id) && (!filter.event_type || r.event_type === filter.event_type));
  }

  get(eventId: string): DeliveryRecord | undefined {
    return this.log.find((r) => r.event_id === eventId);
  }

  clear(): void {
    this.log.length = 0;
  }

  /** Resolves when every attempt started so far (and those they trigger synchronously) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async attempt(rec: DeliveryRecord, body: string, kind: AttemptKind, delayMs: number | undefined, duplicateAfterAck: boolean): Promise<void> {
    delete rec.next_attempt_at;
    const app = this.k.apps.get(rec.app_id);
    const socket = app?.event_mode === 'long_connection';
    const url = socket ? LONG_CONNECTION : app?.event_url;
    const n = rec.attempts.length + 1;
    const at = this.k.clock.now();
    if (!app || !url) {
      rec.attempts.push({ n, kind, at, ...(delayMs !== undefined ? { delay_ms: delayMs } : {}), url: '', headers: {}, body, status: 'error', acked: false, elapsed_ms: 0, error: 'app has no event_url' });
      this.afterFailure(rec, body);
      return;
    }
    const headers = socket ? {} : signedHeaders(app, body, at);
    const noGateway: PostResult = { status: 'error', elapsedMs: 0, error: 'no long connection gateway' };
    const res = socket ? await (this.k.longConnection?.push(app, rec.envelope, this.settings.ackTimeoutMs) ?? noGateway) : await postWithDeadline(url, { headers, body }, this.settings.ackTimeoutMs);
    const acked = res.status === 200;
    rec.attempts.push({
      n,
      kind,
      at,
      ...(delayMs !== undefined ? { delay_ms: delayMs } : {}),
      url,
      headers,
      body,
      status: res.status,
      acked,
      elapsed_ms: res.elapsedMs,
      ...(res.responseBody !== undefined ? { response_body: res.responseBody } : {}),
      ...(res.error !== undefined ? { error: res.error } : {}),
    });
    this.k.bus.emit('event.delivered', { eventId: rec.event_id, appId: rec.app_id, attempt: n, status: res.status });
    this.k.log('debug', 'event delivery attempt', { event_id: rec.event_id, n, kind, status: res.status });
    if (kind === 'duplicate') return; // a duplicate's outcome changes nothing: the event was already acked
    if (acked) {
      rec.state = 'acked';
      if (this.settings.redeliverAcked || duplicateAfterAck) this.schedule(rec, this.settings.redeliverDelayMs, () => this.attempt(rec, body, 'duplicate', this.settings.redeliverDelayMs, false));
      return;
    }
    this.afterFailure(rec, body);
  }

  private afterFailure(rec: DeliveryRecord, body: string): void {
    const retriesSoFar = rec.attempts.filter((a) => a.kind === 'retry').length;
    const delay = this.settings.retryDelaysMs[retriesSoFar];
    if (delay === undefined) {
      rec.state = 'failed';
      rec.note = `gave up after ${retriesSoFar} retries`;
      return;
    }
    rec.state = 'retrying';
    this.schedule(rec, delay, () => this.attempt(rec, body, 'retry', delay, false));
  }

  private schedule(rec: DeliveryRecord, delayMs: number, run: () => Promise<void>): void {
    // Virtual due time: a frozen clock reaches it only through advance(); a running one in delay × timeScale.
    rec.next_attempt_at = this.k.clock.now() + delayMs * this.k.clock.timeScale;
    this.k.clock.schedule(delayMs, () => this.track(run()));
  }
}
