import type { EmuClock } from './clock.js';

/**
 * Frequency control per API × app (docs/platform/feishu.md#rate-limiting): fixed one-second and one-minute
 * windows on the emulator clock; hitting either throttles. The reply carries x-ogw-ratelimit-limit and
 * x-ogw-ratelimit-reset (seconds until the window that was hit resets).
 */
export interface RateRule {
  perSecond?: number;
  perMinute?: number;
}

/** Documented limits by API class. Keys are what routes name in `rate`. */
export const DEFAULT_RATE_RULES: Readonly<Record<string, RateRule>> = {
  'bitable.write': { perSecond: 50, perMinute: 1000 }, // record create/update/delete/batch_*
  'bitable.read': { perSecond: 20 }, // search, batch_get, get, list
  'bitable.schema.read': { perSecond: 20 }, // tables/fields list
  'bitable.schema.write': { perSecond: 10 }, // tables/fields/views create/update
  'bitable.app.create': { perMinute: 20 }, // POST /bitable/v1/apps (§2.10)
  'im.send': { perSecond: 50, perMinute: 1000 }, // im/v1/messages create
  'im.chat': { perSecond: 5 }, // per chat (key includes the chat id), shared by all bots
  'im.patch': { perSecond: 5 }, // per message (key includes the message id)
  'contact.read': { perSecond: 50 },
  'drive.subscribe': { perSecond: 10 },
  'auth.token': { perSecond: 50, perMinute: 1000 },
};

export interface RateVerdict {
  limited: boolean;
  limit: number;
  resetSeconds: number;
}

export class RateLimiter {
  private readonly rules = new Map<string, RateRule>(Object.entries(DEFAULT_RATE_RULES));
  private readonly counters = new Map<string, { window: number; count: number }>();
  private enabled = true;

  private readonly clock: EmuClock;
  constructor(clock: EmuClock) {
    this.clock = clock;
  }

  setRule(cls: string, rule: RateRule): void {
    this.rules.set(cls, rule);
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
  }

  reset(): void {
    this.counters.clear();
  }

  /** Count one call of class `cls` for `subject` (app id, chat id …); say whether it is over a limit. */
  hit(cls: string, subject: string): RateVerdict {
    const rule = this.rules.get(cls);
    if (!this.enabled || !rule) return { limited: false, limit: 0, resetSeconds: 0 };
    const now = this.clock.now();
    const checks: Array<[number | undefined, number]> = [
      [rule.perSecond, 1000],
      [rule.perMinute, 60_000],
    ];
    // Check every window before counting, so a refused call does not eat quota.
    for (const [limit, size] of checks) {
      if (limit === undefined) continue;
      const window = Math.floor(now / size);
      const c = this.counters.get(`${cls}|${subject}|${size}`);
      if (c && c.window === window && c.count >= limit) {
        return { limited: true, limit, resetSeconds: Math.max(1, Math.ceil(((window + 1) * size - now) / 1000)) };
      }
    }
    for (const [limit, size] of checks) {
      if (limit === undefined) continue;
      const window = Math.floor(now / size);
      const key = `${cls}|${subject}|${size}`;
      const c = this.counters.get(key);
      if (c && c.window === window) c.count++;
      else this.counters.set(key, { window, count: 1 });
    }
    return { limited: false, limit: rule.perSecond ?? rule.perMinute ?? 0, resetSeconds: 0 };
  }
}
