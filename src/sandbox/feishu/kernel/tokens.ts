import type { EmuClock } from './clock.js';
import { newId } from './ids.js';

/**
 * tenant_access_token issuance (docs/platform/feishu.md#1-tenant-access-token): lifetime 2 h; asking again while ≥30 min remain
 * returns the same token; with <30 min left a new token is issued and the old one stays valid
 * until it expires. `revoke` simulates a token invalidated server-side (99991663 afterwards).
 */
export const TOKEN_LIFETIME_S = 7200;
export const REISSUE_WINDOW_MS = 30 * 60 * 1000;

interface TokenRow {
  token: string;
  appId: string;
  expiresAt: number;
  revoked: boolean;
}

export class TokenStore {
  private readonly byToken = new Map<string, TokenRow>();
  private readonly latest = new Map<string, TokenRow>();

  private readonly clock: EmuClock;
  constructor(clock: EmuClock) {
    this.clock = clock;
  }

  issue(appId: string): { token: string; expire: number } {
    const now = this.clock.now();
    const cur = this.latest.get(appId);
    if (cur && !cur.revoked && cur.expiresAt - now >= REISSUE_WINDOW_MS) {
      return { token: cur.token, expire: Math.floor((cur.expiresAt - now) / 1000) };
    }
    const row: TokenRow = { token: newId.tenantToken(), appId, expiresAt: now + TOKEN_LIFETIME_S * 1000, revoked: false };
    this.byToken.set(row.token, row);
    this.latest.set(appId, row);
    return { token: row.token, expire: TOKEN_LIFETIME_S };
  }

  /** The app id a valid token belongs to, or undefined if unknown, expired or revoked. */
  verify(token: string): string | undefined {
    const row = this.byToken.get(token);
    if (!row || row.revoked || row.expiresAt <= this.clock.now()) return undefined;
    return row.appId;
  }

  /** Revoke every token (of one app, or all apps). */
  revoke(appId?: string): number {
    let n = 0;
    for (const row of this.byToken.values()) {
      if (!appId || row.appId === appId) {
        if (!row.revoked) n++;
        row.revoked = true;
      }
    }
    return n;
  }
}
