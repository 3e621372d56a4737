import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import type { CardReceiver, EventReceiver } from './inbound.js';
import { RECORD_CHANGED } from './record-changed.js';
import { isRecord } from '../lib/is-record.js';

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
const SOCKET_RECONCILE_QUICK_MS = 2_000;
const SOCKET_RECORD_EVENTS_TRUSTED_MS = 10 * 60_000;
/** …and how often that reconciliation is a full pass, which alone sees deleted rows (every row is read) */
export const SOCKET_FULL_PASS_MS = 10 * 60_000;
const SOCKET_FULL_PASS_QUICK_MS = 15_000;
/** After the SDK gave up (onError): the first new client 1–2 s later, then doubling, at most 5 min apart (30 s in the sandbox). */
const RESTART_BASE_MS = 2_000;
const RESTART_CAP_MS = 5 * 60_000;
const RESTART_CAP_QUICK_MS = 30_000;
/** a record change on the socket is reported (`onRecordEvent`) at most this often */
const NOTE_EVERY_MS = 60_000;
/** sync_cursors: when a record change last came over the long connection (npm run doctor reads it) */
export const SOCKET_RECORD_EVENT_CURSOR = 'feishu.long_connection.record_event';

export interface LongConnectionDeps {
  domain: string;
  appId: string;
  appSecret: Secret;
  log: Logger;
  events: EventReceiver;
  cards: CardReceiver;
  /**
   * Grid enforcement while record changes do not come on the socket: a reconciliation pass (`full`: every
   * row, the only way to see deleted ones). Asked every few seconds (`quick`: the sandbox's shorter times).
   */
  reconcile: (full: boolean) => void;
  quick?: boolean;
  /** a `drive.file.bitable_record_changed_v1` came on the socket (told at most once a minute; npm run doctor shows it) */
  onRecordEvent?: (at: Date) => void;
  /** for the restart's jitter (tests) */
  random?: () => number;
}

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
  let standIn: NodeJS.Timeout | undefined;
  /** wall ms of the last record change on the socket, and of the last one reported */
  let recordEventAt = 0;
  let notedAt = 0;

  async function onEnvelope(data: unknown): Promise<unknown> {
    const header = isRecord(data) && isRecord(data.header) ? data.header : undefined;
    const eventId = header?.event_id;
    const eventType = header?.event_type;
    if (!isRecord(data) || typeof eventId !== 'string' || !eventId || typeof eventType !== 'string' || !eventType) {
      log.warn({ schema: isRecord(data) ? data.schema : undefined }, 'long connection: a frame without a v2 event header; ignored');
      return undefined;
    }
    if (eventType === 'card.action.trigger') {
      const got = await deps.cards(isRecord(data.event) ? data.event : undefined);
      if (!got) {
        log.warn({ eventId }, 'long connection: a card callback without an operator; nothing done');
        return {};
      }
      log.info({ eventId, toast: got.answer.toast.type, card: got.answer.card !== undefined }, 'card callback answered (long connection)');
      return got.body;
    }
    const { fresh } = await deps.events({ eventId, eventType, envelope: data });
    log.debug({ eventId, eventType, duplicate: !fresh }, 'event received (long connection)');
    if (eventType === RECORD_CHANGED) {
      recordEventAt = Date.now();
      if (recordEventAt - notedAt >= NOTE_EVERY_MS) {
        notedAt = recordEventAt;
        deps.onRecordEvent?.(new Date(recordEventAt));
      }
    }
    return undefined;
  }

  /** The SDK's dispatcher, handed the whole envelope: the receivers work on the v2 envelope, as over HTTP. */
  class EnvelopeDispatcher extends lark.EventDispatcher {
    override async invoke(data: unknown): Promise<unknown> {
      return onEnvelope(data);
    }
  }

  let stopped = true;
  let restartTimer: NodeJS.Timeout | undefined;
  /** SDK give-ups in a row (reset once a connection opens), and restarts in all */
  let failures = 0;
  let restarts = 0;

  function open(): void {
    const c = new lark.WSClient({
      appId: deps.appId,
      appSecret: deps.appSecret.reveal(),
      domain: deps.domain,
      logger: sdkLogger(log),
      loggerLevel: lark.LoggerLevel.info,
      // a handshake that hangs (a proxy, a NAT) is given up and retried rather than waited on forever
      handshakeTimeoutMs: 15_000,
      onReady: () => {
        failures = 0;
        log.info({}, 'Feishu long connection open');
      },
      onReconnecting: () => {
        log.warn({}, 'Feishu long connection lost; reconnecting');
      },
      onReconnected: () => {
        failures = 0;
        log.info({}, 'Feishu long connection open again');
      },
      onError: (e) => {
        // The SDK stops for good when Feishu refuses the endpoint with a code it does not retry (a
        // wrong secret, an app not set to the long connection, too many connections) or when the
        // ClientConfig's reconnect count runs out. A server cannot stay deaf: it starts a new client
        // after a capped, jittered wait (half the ceiling, then up to the ceiling), doubling per failure.
        if (stopped || client !== c) return;
        failures++;
        const ceiling = Math.min(deps.quick ? RESTART_CAP_QUICK_MS : RESTART_CAP_MS, RESTART_BASE_MS * 2 ** Math.min(failures - 1, 20));
        const wait = Math.round(ceiling / 2 + (deps.random ?? Math.random)() * (ceiling / 2));
        log.warn({ err: e.message, failures, retryInMs: wait }, 'Feishu long connection refused: trying again later; check FEISHU_APP_ID/SECRET and that the console subscribes by long connection (npm run doctor)');
        c.close({ force: true });
        client = undefined;
        restartTimer = setTimeout(() => {
          if (stopped) return;
          restarts++;
          open();
        }, wait);
      },
    });
    client = c;
    void c.start({ eventDispatcher: new EnvelopeDispatcher({ logger: sdkLogger(log), loggerLevel: lark.LoggerLevel.error }) });
  }

  return {
    /** Opens the connection in the background (the SDK retries until it holds) and starts the stand-in reconciliation. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      open();
      // Until record changes come on the socket (and whenever none has for a while), reconcile instead.
      let fullAt = Date.now();
      standIn = setInterval(
        () => {
          const now = Date.now();
          if (now - recordEventAt <= SOCKET_RECORD_EVENTS_TRUSTED_MS) return;
          const full = now - fullAt >= (deps.quick ? SOCKET_FULL_PASS_QUICK_MS : SOCKET_FULL_PASS_MS);
          if (full) fullAt = now;
          deps.reconcile(full);
        },
        deps.quick ? SOCKET_RECONCILE_QUICK_MS : SOCKET_RECONCILE_MS,
      );
    },
    /** How many times the SDK gave up and a new client was started (`npm run doctor`, tests). */
    restarts: (): number => restarts,
    stop(): void {
      stopped = true;
      clearInterval(standIn);
      clearTimeout(restartTimer);
      client?.close({ force: true });
      client = undefined;
    },
  };
}
