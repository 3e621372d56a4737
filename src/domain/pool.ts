import type { Journey } from './journey.js';
import type { Text } from './text.js';

/**
 * The lead pool (公海): leads nobody follows in a pool stage, which a rep may claim within the pool's
 * caps. Pure: the use case gathers the counts and asks.
 */
export interface PoolRule {
  name: string;
  /** stage ids whose unowned leads are in this pool */
  stages: string[];
  /** claims per rep per working day (undefined: no limit) */
  perDay: number | undefined;
  /** a rep may claim while holding fewer open leads than this (undefined: no limit) */
  holding: number | undefined;
  /** days after giving a lead back before the same rep may claim it again (0: at once) */
  reclaimAfterDays: number;
  /** when the group gets a card offering the lead: a lead someone followed comes back, every lead entering, never */
  announce: PoolAnnounce;
}

export type PoolAnnounce = 'returned' | 'all' | 'none';

/** Whether a lead entering `rule`'s pool is offered in the group (`returned`: it had an owner before). */
export const announces = (rule: PoolRule, returned: boolean): boolean => rule.announce === 'all' || (rule.announce === 'returned' && returned);

const DAY = 86_400_000;

export const poolOf = (rules: readonly PoolRule[], stage: string | null): PoolRule | undefined => (stage ? rules.find((r) => r.stages.includes(stage)) : undefined);

export interface ClaimFacts {
  rule: PoolRule | undefined;
  /** the lead's owner now (null: nobody) */
  ownerName: string | null;
  /** the claimer holds a role that takes leads */
  canTakeLeads: boolean;
  claimedToday: number;
  holding: number;
  /** when this rep last gave this lead back (null: never) */
  returnedAt: Date | null;
  now: Date;
}

/** Whether the claim may go ahead, and if not why (zh/en, for the row, the toast and the chat). */
export function claimRefusal(f: ClaimFacts): Text | undefined {
  if (f.ownerName !== null) return { zh: `这条线索已由 ${f.ownerName} 跟进，不在公海中`, en: `${f.ownerName} already follows this lead; it is not in the pool` };
  if (!f.rule) return { zh: '这条线索不在公海中（它的阶段不属于任何公海规则）', en: 'this lead is not in a pool (its stage is in no 公海规则 row)' };
  if (!f.canTakeLeads) return { zh: '只有销售团队中可分配线索的成员才能领取', en: 'only team members who take leads can claim' };
  if (f.rule.perDay !== undefined && f.claimedToday >= f.rule.perDay)
    return { zh: `今天已领取 ${f.claimedToday} 条，达到「${f.rule.name}」的每日领取上限 ${f.rule.perDay} 条，明天再来`, en: `you claimed ${f.claimedToday} today: the daily limit of ${f.rule.perDay} is reached` };
  if (f.rule.holding !== undefined && f.holding >= f.rule.holding)
    return { zh: `你正在跟进 ${f.holding} 条线索，达到持有上限 ${f.rule.holding} 条：先推进或退回一些再领取`, en: `you follow ${f.holding} open leads: the limit of ${f.rule.holding} is reached` };
  if (f.returnedAt && f.rule.reclaimAfterDays > 0) {
    const until = f.returnedAt.getTime() + f.rule.reclaimAfterDays * DAY;
    if (f.now.getTime() < until) {
      const days = Math.ceil((until - f.now.getTime()) / DAY);
      return { zh: `你退回这条线索不到 ${f.rule.reclaimAfterDays} 天，${days} 天后才能再领取`, en: `you gave this lead back less than ${f.rule.reclaimAfterDays} days ago: claim it again in ${days} days` };
    }
  }
  return undefined;
}

/**
 * 保护期 and recycling (回收规则): an owned lead in `stages` (and, when set, from `sources`) is protected
 * for `days` after its latest real follow-up (an activity, a stage move, the claim or acceptance), at most
 * `maxDays` after it became the owner's; when that runs out it goes back to the pool (`to`), and the
 * owner is told `warnDays` before. Converted leads (商机 and beyond) are never recycled.
 */
export interface RecycleRule {
  name: string;
  stages: string[];
  /** 来源渠道 values (empty: any source) */
  sources: string[];
  days: number;
  /** undefined: follow-ups extend it without limit */
  maxDays: number | undefined;
  /** 0: no warning */
  warnDays: number;
  /** the stage a recycled lead goes to (the pool) */
  to: string;
}

/** Stages a lead is converted in: won stages, and 商机 (`opportunity`) and any open stage after it. */
export function convertedStages(journey: Journey): Set<string> {
  const out = new Set(journey.stages.filter((s) => s.kind === 'won').map((s) => s.id));
  const from = journey.stages.findIndex((s) => s.id === 'opportunity');
  if (from >= 0) for (const s of journey.stages.slice(from)) if (s.kind === 'open' || s.kind === 'won') out.add(s.id);
  return out;
}

/** The first rule for a lead at `stage` from `source`. */
export const recycleRuleFor = (rules: readonly RecycleRule[], stage: string | null, source: string): RecycleRule | undefined =>
  stage ? rules.find((r) => r.stages.includes(stage) && (!r.sources.length || r.sources.includes(source))) : undefined;

export interface Protection {
  /** when the lead goes back to the pool */
  until: Date;
  /** when the owner is told (null: no warning, or its time has passed when the protection began) */
  warnAt: Date | null;
}

/** The protection of a lead owned since `ownedSince` whose latest follow-up was `lastFollowUp`. */
export function protectionOf(rule: RecycleRule, f: { ownedSince: Date; lastFollowUp: Date }): Protection {
  const last = Math.max(f.ownedSince.getTime(), f.lastFollowUp.getTime());
  const until = Math.min(last + rule.days * DAY, rule.maxDays === undefined ? Number.POSITIVE_INFINITY : f.ownedSince.getTime() + rule.maxDays * DAY);
  return { until: new Date(until), warnAt: rule.warnDays > 0 ? new Date(until - rule.warnDays * DAY) : null };
}

/** Whole days left (rounded up; 0 once due), as the row shows them. */
export const daysLeft = (until: Date, now: Date): number => Math.max(0, Math.ceil((until.getTime() - now.getTime()) / DAY));
