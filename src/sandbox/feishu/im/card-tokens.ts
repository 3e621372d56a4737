import { newId } from '../kernel/ids.js';

/**
 * Delayed-update tokens (`c-…`) handed out in each `card.action.trigger` (docs/platform/feishu.md §4.4, §4.6):
 * valid for 30 minutes, at most 2 updates, only for the card the user interacted with.
 */
export const CARD_TOKEN_TTL_MS = 30 * 60_000;
export const CARD_TOKEN_MAX_USES = 2;

/**
 * Error codes for a refused delayed update. Feishu's documents do not give them (docs/platform/feishu.md#46-delayed-card-update); these are the
 * emulator's choice (in the 300xxx card range next to the reported 300090) with explicit messages.
 */
export const CARD_UPDATE_ERRORS = {
  invalidToken: { code: 300001, msg: 'invalid card update token' },
  expired: { code: 300002, msg: 'card update token expired (tokens are valid for 30 minutes)' },
  usedUp: { code: 300003, msg: 'card update token used up (at most 2 updates per token)' },
  /** [3rd] reported for 1.0 cards sent without `open_ids` (§4.6) */
  needOpenIds: { code: 300090, msg: 'card.open_ids is required to update a 1.0 card' },
} as const;

export interface CardToken {
  token: string;
  message_id: string;
  app_id: string;
  operator_open_id: string;
  /** emulator ms */
  issued_at: number;
  uses: number;
}

export class CardTokens {
  private readonly tokens = new Map<string, CardToken>();

  issue(messageId: string, appId: string, operatorOpenId: string, now: number): CardToken {
    const t: CardToken = { token: newId.cardToken(), message_id: messageId, app_id: appId, operator_open_id: operatorOpenId, issued_at: now, uses: 0 };
    this.tokens.set(t.token, t);
    return t;
  }

  /** May `appId` use this token now? The caller counts the use (`uses++`) once the update is applied. */
  check(token: string, appId: string, now: number): { ok: true; token: CardToken } | { ok: false; error: keyof typeof CARD_UPDATE_ERRORS } {
    const t = this.tokens.get(token);
    if (!t || t.app_id !== appId) return { ok: false, error: 'invalidToken' };
    if (now - t.issued_at > CARD_TOKEN_TTL_MS) return { ok: false, error: 'expired' };
    if (t.uses >= CARD_TOKEN_MAX_USES) return { ok: false, error: 'usedUp' };
    return { ok: true, token: t };
  }

  get(token: string): CardToken | undefined {
    return this.tokens.get(token);
  }
}
