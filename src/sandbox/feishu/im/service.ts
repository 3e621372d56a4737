import { buildV2Envelope, type V2Envelope } from '../events/envelope.js';
import { LONG_CONNECTION } from '../events/delivery.js';
import { encodeBody, type PostResult, postWithDeadline, signedHeaders } from '../events/signed-request.js';
import { tenantKeyOf } from '../events/tenant.js';
import type { EmuKernel } from '../kernel/kernel.js';
import { newId } from '../kernel/ids.js';
import { interpretCallbackAnswer, type Toast } from './callback-response.js';
import { checkOperator, ClickRejected, describeElement, listInteractive, resolveClick, type CardAction, type ClickInput } from './card-click.js';
import { CardTokens } from './card-tokens.js';
import { MessageStore, type CardVersion, type StoredMessage } from './store.js';
import { createServiceSlot } from '../kernel/service-slot.js';

/** Feishu shows this when the card callback is missing, fails or is late (docs/platform/feishu.md#44-card-callbacks [3rd]). */
/** How long after sending a card can be clicked or updated (card JSON 2.0 release notes: 14 days). */
export const CARD_INTERACTIVE_MS = 14 * 24 * 60 * 60_000;

export const CALLBACK_FAILED_CODE = 200340;

export interface ImSettings {
  /** real ms the app has to answer a card callback (§4.4: 3 s; no retry) */
  callbackTimeoutMs: number;
}

export interface ClickResult {
  click_id: string;
  message_id: string;
  operator_open_id: string;
  /** emulator ms */
  at: number;
  /** the component used */
  element: Record<string, unknown>;
  /** whether a callback request was sent */
  delivered: boolean;
  /** false when the user would see an error */
  ok: boolean;
  /** why no callback was sent (a UI-level outcome, not an error) */
  reason?: string;
  action?: CardAction;
  request?: { url: string; headers: Record<string, string>; body: string; envelope: V2Envelope };
  status?: number | 'timeout' | 'error';
  elapsed_ms?: number;
  response_body?: string;
  error_code?: number;
  error?: string;
  toast?: Toast;
  warnings?: string[];
  /** the card version the answer produced, if any */
  card_version?: number;
  /** the delayed-update token handed to the app */
  token?: string;
}

interface InFlight {
  startVersion: number;
  raced: boolean;
}

/**
 * The IM side of the emulator as an in-process object (sent messages, card versions, simulated
 * clicks) for the control API, the sandbox UI and main.ts. Obtain it with `getIm(kernel)`.
 */
export class ImService {
  readonly store = new MessageStore();
  readonly tokens = new CardTokens();
  readonly settings: ImSettings = { callbackTimeoutMs: 3000 };
  private readonly clickLog: ClickResult[] = [];
  private readonly inFlight = new Map<string, InFlight[]>();

  private readonly k: EmuKernel;
  constructor(k: EmuKernel) {
    this.k = k;
  }

  /** Can `appId`'s bot read this message? (it sent it, or it is in the group) */
  canSee(appId: string, m: StoredMessage): boolean {
    if (m.app_id === appId) return true;
    if (m.chat_type === 'p2p') return false;
    return this.k.directory.findChat(m.chat_id)?.bots.includes(appId) ?? false;
  }

  /**
   * Store a new card state. An update that lands while a callback for the same message is still
   * unanswered races it: Feishu may drop it or revert it right after (delayed-update doc, §4.4 [3rd]).
   */
  applyCard(m: StoredMessage, v: Omit<CardVersion, 'version'>): CardVersion {
    if (v.source === 'patch' || v.source === 'card_update') for (const f of this.inFlight.get(m.message_id) ?? []) f.raced = true;
    const version = this.store.addVersion(m, v);
    this.k.bus.emit('im.message_updated', { messageId: m.message_id, chatId: m.chat_id });
    return version;
  }

  messages(filter: { chat_id?: string; app_id?: string; msg_type?: string } = {}): StoredMessage[] {
    return this.store.list(filter);
  }

  message(id: string): StoredMessage | undefined {
    return this.store.get(id);
  }

  /** Sent cards with their current state and clickable components. */
  cards(filter: { chat_id?: string; app_id?: string } = {}): Array<Record<string, unknown>> {
    return this.store.list({ ...filter, msg_type: 'interactive' }).map((m) => {
      const cur = this.store.currentCard(m);
      return {
        message_id: m.message_id,
        chat_id: m.chat_id,
        app_id: m.app_id,
        create_time: m.create_time,
        version: cur?.version,
        kind: cur?.kind,
        card: cur?.card,
        mentions: m.mentions,
        interactive: cur ? listInteractive(cur.card, cur.kind) : [],
      };
    });
  }

  clicks(filter: { message_id?: string } = {}): ClickResult[] {
    return this.clickLog.filter((c) => !filter.message_id || c.message_id === filter.message_id);
  }

  /**
   * A user interacts with a stored card: builds the `card.action.trigger` callback (§4.4), posts it
   * signed (and encrypted when the app has an Encrypt Key) to the sending app's card_url, waits at most
   * 3 s with no retry, and applies the answer's toast and card. Throws ClickRejected for bad input.
   */
  async click(input: ClickInput & { message_id: string; operator_open_id: string }): Promise<ClickResult> {
    const m = this.store.get(input.message_id);
    if (!m) throw new ClickRejected(404, 'unknown message_id');
    const cur = this.store.currentCard(m);
    if (m.msg_type !== 'interactive' || !cur) throw new ClickRejected(400, 'message is not an interactive card');
    // A JSON 2.0 card can be clicked for 14 days after it was sent ("卡片可交互和可更新时间统一为 14 天",
    // card JSON 2.0 release notes); after that the client no longer sends the action.
    if (this.k.clock.now() - m.create_time > CARD_INTERACTIVE_MS) throw new ClickRejected(410, 'the card was sent more than 14 days ago and can no longer be clicked (card expired)');
    const members = m.chat_type === 'p2p' ? [this.store.p2pInfo(m.chat_id)?.open_id ?? ''] : (this.k.directory.findChat(m.chat_id)?.members ?? []);
    const user = checkOperator(this.k.directory.findUser(input.operator_open_id), members);
    const resolved = resolveClick(cur.card, cur.kind, input);
    const at = this.k.clock.now();
    const element = describeElement(resolved.element);
    const result: ClickResult = { click_id: newId.uuid(), message_id: m.message_id, operator_open_id: user.open_id, at, element, delivered: false, ok: true };
    this.clickLog.push(result);
    if (!resolved.send) return Object.assign(result, { reason: resolved.reason });
    result.action = resolved.action;

    const app = this.k.apps.get(m.app_id);
    const socket = app?.callback_mode === 'long_connection';
    if (!app || (!socket && !app.card_url)) return Object.assign(result, { ok: false, error_code: CALLBACK_FAILED_CODE, error: 'the app has no card callback URL configured' });
    if (this.k.faults.take('card.callback')?.kind === 'drop') {
      return Object.assign(result, { ok: false, error_code: CALLBACK_FAILED_CODE, error: 'callback dropped by fault rule card.callback' });
    }
    const tenantKey = tenantKeyOf(this.k);
    const token = this.tokens.issue(m.message_id, app.app_id, user.open_id, at);
    const envelope = buildV2Envelope(
      app,
      tenantKey,
      'card.action.trigger',
      {
        operator: { tenant_key: tenantKey, open_id: user.open_id, union_id: user.union_id, user_id: user.user_id },
        token: token.token,
        action: resolved.action,
        host: 'im_message',
        context: { open_message_id: m.message_id, open_chat_id: m.chat_id },
      },
      at,
    );
    // Over the long connection the callback travels plain (§5.5); to a URL, signed and maybe encrypted.
    const body = socket ? JSON.stringify(envelope) : encodeBody(app, envelope);
    const headers = socket ? {} : signedHeaders(app, body, at);
    Object.assign(result, { delivered: true, token: token.token, request: { url: socket ? LONG_CONNECTION : app.card_url, headers, body, envelope } });

    const flight: InFlight = { startVersion: cur.version, raced: false };
    this.inFlight.set(m.message_id, [...(this.inFlight.get(m.message_id) ?? []), flight]);
    try {
      const noGateway: PostResult = { status: 'error', elapsedMs: 0, error: 'the app receives callbacks over the long connection, and this emulator has none' };
      const res = socket ? await (this.k.longConnection?.push(app, envelope, this.settings.callbackTimeoutMs) ?? noGateway) : await postWithDeadline(app.card_url!, { headers, body }, this.settings.callbackTimeoutMs);
      Object.assign(result, { status: res.status, elapsed_ms: res.elapsedMs, ...(res.responseBody !== undefined ? { response_body: res.responseBody } : {}) });
      // §4.4: HTTP 200 within 3 s or the user sees an error; there is no retry.
      if (res.status !== 200) return Object.assign(result, { ok: false, error_code: CALLBACK_FAILED_CODE, error: res.error ?? `callback answered HTTP ${res.status}` });
      const answer = interpretCallbackAnswer(res.responseBody ?? '');
      if (answer.warnings.length) result.warnings = answer.warnings;
      if (answer.error) return Object.assign(result, { ok: false, error_code: CALLBACK_FAILED_CODE, error: answer.error });
      if (answer.toast) result.toast = answer.toast;
      if (answer.card) {
        result.card_version = this.applyCard(m, { at: this.k.clock.now(), source: 'callback', kind: answer.card.kind, card: answer.card.card }).version;
      } else if (flight.raced) {
        const before = m.versions[flight.startVersion - 1]!;
        result.card_version = this.applyCard(m, {
          at: this.k.clock.now(),
          source: 'revert',
          kind: before.kind,
          card: before.card,
          note: 'an update made before the callback was answered was reverted; update after answering the callback',
        }).version;
      }
      return result;
    } finally {
      const rest = (this.inFlight.get(m.message_id) ?? []).filter((f) => f !== flight);
      if (rest.length) this.inFlight.set(m.message_id, rest);
      else this.inFlight.delete(m.message_id);
    }
  }
}

const slot = createServiceSlot<ImService>('im');

export const attachIm = (k: EmuKernel): ImService => slot.attach(k, (kk) => new ImService(kk));
export const getIm = (k: EmuKernel): ImService => slot.get(k);
