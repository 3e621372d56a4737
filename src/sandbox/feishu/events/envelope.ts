import type { EmuApp } from '../kernel/apps.js';
import { newId } from '../kernel/ids.js';

/** A schema 2.0 event/callback envelope (docs/platform/feishu.md §3.1, §4.4). */
export interface V2Envelope<E = unknown> {
  schema: '2.0';
  header: {
    event_id: string;
    event_type: string;
    /** ms, as a string */
    create_time: string;
    /** the app's Verification Token — not a secret the SDK checks (§5.3) */
    token: string;
    app_id: string;
    tenant_key: string;
  };
  event: E;
}

/** Wrap `event` for `app` with a fresh event_id and header.token = the app's Verification Token. */
export function buildV2Envelope<E>(app: EmuApp, tenantKey: string, eventType: string, event: E, nowMs: number): V2Envelope<E> {
  return {
    schema: '2.0',
    header: {
      event_id: newId.eventId(),
      event_type: eventType,
      create_time: String(nowMs),
      token: app.verification_token,
      app_id: app.app_id,
      tenant_key: tenantKey,
    },
    event,
  };
}
