import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import type { CardReceiver, EventReceiver } from './inbound.js';
import { RECORD_CHANGED } from './record-changed.js';

/**
 * Feishu's long connection (长连接, docs/platform/feishu.md#55-long-connection): the server opens a socket
 * to Feishu with the SDK's own WSClient, unmodified, and events and card callbacks arrive on it, so no
 * public URL is needed. The connection itself is authenticated (the app's id and secret fetch its
 * URL), so frames carry no signature to check. Each envelope goes to the same receivers as a verified
 * HTTP request: an event is stored (deduplicated by its id) and acknowledged; a card click is answered,
 * toast and card travelling back in the ack. The SDK reconnects by itself, at the pace Feishu's
 * ClientConfig sets.
 */
/**
 * Over the long connection: how often the grid is reconciled while record changes do not come on the
 * socket (a pass reads the rows changed since its cursor: one search call when few changed), and how
 * long after the last one that came it is trusted to keep coming.
 */
export const SOCKET_RECONCILE_MS = 5_000;
/** the same in the sandbox, where people watch and reads cost nothing */
export const SOCKET_RECONCILE_QUICK_MS = 2_000;
export const SOCKET_RECORD_EVENTS_TRUSTED_MS = 10 * 60_000;
/** …and how often that reconciliation is a full pass, which alone sees deleted rows (every row is read) */
export const SOCKET_FULL_PASS_MS = 10 * 60_000;
export const SOCKET_FULL_PASS_QUICK_MS = 15_000;
/** sync_cursors: when a record change last came over the long connection (npm run doctor reads it) */
export const SOCKET_RECORD_EVENT_CURSOR = 'feishu.long_connection.record_event';

export interface LongConnectionDeps {
  domain: string;
  appId: string;
  appSecret: Secret;
  log: Logger;
  events: EventReceiver;
  cards: CardReceiver;
  /** a `drive.file.bitable_record_changed_v1` arrived on the socket (Feishu may not push it this way) */
  onRecordEvent?: () => void;
}

export type LongConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The SDK's logger, quietened: its lines go to debug, and what it would print of a frame's content (an
 * event can carry a phone number) or of the socket URL (it holds a short-lived ticket) is cut off.
 */
function sdkLogger(log: Logger) {
  const redact = (a: unknown) => (a instanceof Error ? a.message : typeof a === 'string' ? a.replace(/(data|ws url): .*/s, '$1: [redacted]') : '[object]');
  const sink = (...args: unknown[]) => log.debug({ sdk: args.map(redact) }, 'feishu long connection (sdk)');
  return { error: sink, warn: sink, info: sink, debug: sink, trace: sink };
}

export function createFeishuLongConnection(deps: LongConnectionDeps) {
  const log = deps.log.child({ component: 'feishu-long-connection' });
  let client: lark.WSClient | undefined;
  let state: LongConnectionState = 'idle';

  async function onEnvelope(data: unknown): Promise<unknown> {
    const header = isObj(data) && isObj(data.header) ? data.header : undefined;
    const eventId = header?.event_id;
    const eventType = header?.event_type;
    if (!isObj(data) || typeof eventId !== 'string' || !eventId || typeof eventType !== 'string' || !eventType) {
      log.warn({ schema: isObj(data) ? data.schema : undefined }, 'long connection: a frame without a v2 event header; ignored');
      return undefined;
    }
    if (eventType === 'card.action.trigger') {
      const got = await deps.cards(isObj(data.event) ? data.event : undefined);
      if (!got) {
        log.warn({ eventId }, 'long connection: a card callback without an operator; nothing done');
        return {};
      }
      log.info({ eventId, toast: got.answer.toast.type, card: got.answer.card !== undefined }, 'card callback answered (long connection)');
      return got.body;
    }
    const { fresh } = await deps.events({ eventId, eventType, envelope: data });
    log.debug({ eventId, eventType, duplicate: !fresh }, 'event received (long connection)');
    if (eventType === RECORD_CHANGED) deps.onRecordEvent?.();
    return undefined;
  }

  /** The SDK's dispatcher, handed the whole envelope: the receivers work on the v2 envelope, as over HTTP. */
  class EnvelopeDispatcher extends lark.EventDispatcher {
    override async invoke(data: unknown): Promise<unknown> {
      return onEnvelope(data);
    }
  }

  return {
    /** Opens the connection in the background; the SDK retries until it holds. */
    start(): void {
      if (client) return;
      state = 'connecting';
      client = new lark.WSClient({
        appId: deps.appId,
        appSecret: deps.appSecret.reveal(),
        domain: deps.domain,
        logger: sdkLogger(log),
        loggerLevel: lark.LoggerLevel.info,
        // a handshake that hangs (a proxy, a NAT) is given up and retried rather than waited on forever
        handshakeTimeoutMs: 15_000,
        onReady: () => {
          state = 'connected';
          log.info({}, 'Feishu long connection open');
        },
        onReconnecting: () => {
          state = 'reconnecting';
          log.warn({}, 'Feishu long connection lost; reconnecting');
        },
        onReconnected: () => {
          state = 'connected';
          log.info({}, 'Feishu long connection open again');
        },
        onError: (e) => {
          state = 'failed';
          log.error({ err: e.message }, 'Feishu long connection failed for good: check FEISHU_APP_ID/SECRET and that the console subscribes by long connection (npm run doctor)');
        },
      });
      void client.start({ eventDispatcher: new EnvelopeDispatcher({ logger: sdkLogger(log), loggerLevel: lark.LoggerLevel.error }) });
    },
    state: (): LongConnectionState => state,
    stop(): void {
      client?.close({ force: true });
      client = undefined;
      state = 'idle';
    },
  };
}

export type FeishuLongConnection = ReturnType<typeof createFeishuLongConnection>;
