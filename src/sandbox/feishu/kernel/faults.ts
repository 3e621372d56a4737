/**
 * Fault injection, switchable per route key (e.g. 'bitable.record.create', 'event.deliver',
 * 'card.callback') or '*' for every route. Rules are consumed in the order they were added.
 */
export type FaultKind =
  /** answer with a Feishu error code (status from the error table unless given) */
  | { kind: 'error'; code: number; msg?: string; status?: number }
  /** answer 429 + 99991400 with an x-ogw-ratelimit-reset header */
  | { kind: 'rate_limit'; resetSeconds?: number }
  /** a bare HTTP failure such as 500/502/503 with a non-JSON or JSON body */
  | { kind: 'http'; status: number; body?: string }
  /** hold the request this long (real ms) before handling it: makes client timeouts */
  | { kind: 'delay'; ms: number }
  /** 1254607 "data not ready" */
  | { kind: 'not_ready' }
  /** events/callbacks: do not deliver this one */
  | { kind: 'drop' }
  /** events: deliver again after a successful ack */
  | { kind: 'duplicate'; times?: number };

export type FaultRule = FaultKind & {
  route: string;
  /** how many matching calls to affect (default: unlimited) */
  times?: number;
  /** let this many matching calls through first */
  skip?: number;
};

interface LiveRule {
  rule: FaultRule;
  seen: number;
  used: number;
}

export class Faults {
  private rules: LiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, used: 0 });
  }

  clear(route?: string): void {
    this.rules = route ? this.rules.filter((r) => r.rule.route !== route) : [];
  }

  /** the rules, each with how many calls it has affected so far */
  list(): Array<FaultRule & { used: number }> {
    return this.rules.map((r) => ({ ...r.rule, used: r.used }));
  }

  /** The fault to apply to this call of `route`, if any (and count it). */
  take(route: string): FaultKind | undefined {
    for (const r of this.rules) {
      if (r.rule.route !== route && r.rule.route !== '*') continue;
      if (r.rule.times !== undefined && r.used >= r.rule.times) continue;
      r.seen++;
      if (r.seen <= (r.rule.skip ?? 0)) continue;
      r.used++;
      return r.rule;
    }
    return undefined;
  }
}
