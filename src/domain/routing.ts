import type { Member } from './people.js';
import type { LeadFacts } from './lead-facts.js';
import { when as at } from './text.js';

/**
 * Who gets a lead (docs/domain.md#routing-分配), pure: ordered rules on source, region, industry, size and score send
 * it to the nurture pool, to the rep whose shared content brought it, to a named person, or to a team;
 * inside a team a **smooth weighted round robin** whose running credits are passed in and handed back
 * (the caller keeps them with the assignment, so a restart continues exactly where it stopped, and a
 * roster edit only changes the turns from then on). A rep is a candidate only while on duty, not on
 * leave, holding a candidate role and under their capacity (open leads). The same company keeps the same
 * owner while that owner can take it; leads an SDR qualified go to the reps that SDR feeds. Every
 * decision says why.
 */
export type RouteMode = 'team' | 'territory' | 'all' | 'pool' | 'sharer' | 'person';
export type RouteWhen = 'new' | 'handoff';

export interface RoutingRule {
  name: string;
  when: readonly RouteWhen[];
  sources: readonly string[];
  regions: readonly string[];
  industries: readonly string[];
  sizes: readonly string[];
  minScore?: number;
  maxScore?: number;
  mode: RouteMode;
  /** for mode team */
  team?: string;
  /** for mode person */
  person?: string;
  /** 分配时段: offer only in working time (a lead arriving outside it waits for the next working period), or at any hour */
  hours?: 'working' | 'always';
}

/** Routing reads a team member through a read-only lens (the one people type: domain/people.ts). */
export type Rep = Readonly<Omit<Member, 'roles' | 'regions' | 'industries'>> & { readonly roles: readonly string[]; readonly regions?: readonly string[] | undefined; readonly industries?: readonly string[] | undefined };

export interface RouteInput {
  facts: LeadFacts;
  score: number;
  when: RouteWhen;
  rules: readonly RoutingRule[];
  reps: ReadonlyMap<string, Rep>;
  candidateRoles: readonly string[];
  /** open leads per rep now */
  loads: ReadonlyMap<string, number>;
  /** running credits of the round robin, per pool (a rule) */
  credits: (pool: string) => ReadonlyMap<string, number>;
  /** who owns (or was last offered) another lead of the same company */
  companyOwner: string | undefined;
  /** people not to pick (the rep the lead is being taken from) */
  exclude?: ReadonlySet<string>;
  /** leads routed to each rep today (每日新线索上限) */
  today?: ReadonlyMap<string, number>;
  /** outside working time: rules for 工作时间 place nobody until `until` (the next working moment, ms) */
  offHours?: { until: number };
  now: number;
}

export type RouteDecision =
  | { kind: 'person'; ownerId: string; rule: string; why: string; credits?: { pool: string; values: Map<string, number> }; hours?: 'working' | 'always' }
  | { kind: 'pool'; rule: string; why: string }
  /** nobody now; `offHours`: only because it is outside working time (it waits for the next working period) */
  | { kind: 'none'; rule: string | undefined; why: string; offHours?: boolean };

/** A rep who can take a new lead now, and why not when they cannot. */
export function unavailable(rep: Rep, i: Pick<RouteInput, 'candidateRoles' | 'loads' | 'now' | 'exclude' | 'today'>): string | undefined {
  if (i.exclude?.has(rep.id)) return '已退回或超时';
  if (!rep.roles.some((r) => i.candidateRoles.includes(r))) return '不是可分配的角色';
  if (!rep.onDuty) return '不在岗';
  if (rep.leaveUntil !== undefined && rep.leaveUntil > i.now) return '休假中';
  if (rep.capacity !== undefined && (i.loads.get(rep.id) ?? 0) >= rep.capacity) return `已达跟进上限 ${rep.capacity}`;
  if (rep.dailyCap !== undefined && (i.today?.get(rep.id) ?? 0) >= rep.dailyCap) return `今日新线索已达上限 ${rep.dailyCap}`;
  return undefined;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function ruleMatches(rule: RoutingRule, facts: LeadFacts, score: number, when: RouteWhen): boolean {
  if (!rule.when.includes(when)) return false;
  const has = (list: readonly string[], v: unknown) => list.length === 0 || (typeof v === 'string' && list.includes(v));
  if (!has(rule.sources, facts.source) || !has(rule.regions, facts.region) || !has(rule.industries, facts.industry) || !has(rule.sizes, facts.size)) return false;
  if (rule.minScore !== undefined && score < rule.minScore) return false;
  if (rule.maxScore !== undefined && score > rule.maxScore) return false;
  return true;
}

/**
 * One turn of smooth weighted round robin (as nginx does it) over `ids`: each gains its weight, the
 * highest credit wins (ties: the stable order of open_id) and gives back the sum of the weights. Over
 * any run, each rep's picks stay within one of their weight share.
 */
export function weightedTurn(ids: readonly string[], weightOf: (id: string) => number, credits: ReadonlyMap<string, number>): { pick: string; values: Map<string, number> } {
  const values = new Map(credits);
  let total = 0;
  let best: string | undefined;
  for (const id of [...ids].sort()) {
    const w = weightOf(id);
    total += w;
    const c = (values.get(id) ?? 0) + w;
    values.set(id, c);
    if (best === undefined || c > values.get(best)!) best = id;
  }
  values.set(best!, values.get(best!)! - total);
  return { pick: best!, values };
}

const weight = (r: Rep) => (r.weight !== undefined && r.weight > 0 ? r.weight : 1);

/**
 * The first matching rule that can place the lead decides; a rule that matches but finds nobody who can
 * take it (the sharer on leave, a territory with no one on duty) hands over to the next matching rule.
 */
export function route(i: RouteInput): RouteDecision {
  const matching = i.rules.filter((r) => ruleMatches(r, i.facts, i.score, i.when));
  if (!matching.length) return { kind: 'none', rule: undefined, why: '没有匹配的分配规则' };
  const whyNot: string[] = [];
  let offHours = true;
  for (const rule of matching) {
    const found = byRule(rule, i);
    const d = found.kind === 'person' && rule.hours ? { ...found, hours: rule.hours } : found;
    if (d.kind !== 'none') return whyNot.length ? { ...d, why: `${d.why}（${whyNot.join('；')}）` } : d;
    whyNot.push(d.why);
    offHours &&= d.offHours === true;
  }
  return { kind: 'none', rule: matching.at(-1)!.name, why: whyNot.join('；'), ...(offHours ? { offHours } : {}) };
}

function byRule(rule: RoutingRule, i: RouteInput): RouteDecision {
  if (rule.mode === 'pool') return { kind: 'pool', rule: rule.name, why: `规则「${rule.name}」：进入培育池，评分达到阈值后再分配` };
  // 分配时段 工作时间: nobody is picked (no turn of the rotation used) until the next working period
  if (rule.hours === 'working' && i.offHours) return { kind: 'none', rule: rule.name, why: `规则「${rule.name}」只在工作时间分配：${at(i.offHours.until)} 起按到达顺序分配`, offHours: true };
  const ok = (id: string | undefined) => {
    const rep = id ? i.reps.get(id) : undefined;
    return rep && !unavailable(rep, i) ? rep : undefined;
  };
  // the same company stays with its owner (no two reps calling one customer) while they can take it
  const sticky = ok(i.companyOwner);
  if (sticky) return { kind: 'person', ownerId: sticky.id, rule: rule.name, why: `同一公司的线索由 ${sticky.name} 跟进` };
  if (rule.mode === 'sharer' || rule.mode === 'person') {
    const id = rule.mode === 'sharer' ? str(Array.isArray(i.facts.shared_by) ? i.facts.shared_by[0] : i.facts.shared_by) : rule.person;
    const rep = ok(id);
    if (rep) return { kind: 'person', ownerId: rep.id, rule: rule.name, why: rule.mode === 'sharer' ? `规则「${rule.name}」：来自 ${rep.name} 分享的内容` : `规则「${rule.name}」：指定 ${rep.name}` };
    const who = id ? i.reps.get(id) : undefined;
    return { kind: 'none', rule: rule.name, why: `规则「${rule.name}」：${who ? `${who.name}${unavailable(who, i)}` : rule.mode === 'sharer' ? '没有填写分享人' : '指定的成员不在销售团队表中'}` };
  }
  let reps = [...i.reps.values()].filter((r) => !unavailable(r, i));
  if (rule.mode === 'team') reps = reps.filter((r) => r.team === rule.team);
  if (rule.mode === 'territory') {
    const region = str(i.facts.region);
    const industry = str(i.facts.industry);
    const fits = (list: readonly string[] | undefined, v: string | undefined) => !list?.length || (v !== undefined && list.includes(v));
    reps = reps.filter((r) => fits(r.regions, region) && fits(r.industries, industry));
  }
  // an SDR's qualified leads go to the reps that SDR feeds (if any of them can take it)
  const sdr = str(Array.isArray(i.facts.owner) ? i.facts.owner[0] : i.facts.owner);
  const fed = sdr ? reps.filter((r) => r.sdrId === sdr) : [];
  if (fed.length) reps = fed;
  if (!reps.length)
    return { kind: 'none', rule: rule.name, why: `规则「${rule.name}」：没有可分配的人（在岗、未休假、未达跟进上限和每日新线索上限${rule.mode === 'team' ? `、属于${rule.team}` : rule.mode === 'territory' ? '、负责该地区和行业' : ''}）` };
  const pool = `rule:${rule.name}`;
  const turn = weightedTurn(
    reps.map((r) => r.id),
    (id) => weight(i.reps.get(id)!),
    i.credits(pool),
  );
  const rep = i.reps.get(turn.pick)!;
  const scope = fed.length ? '对接该 SDR 的销售中' : rule.mode === 'team' ? `${rule.team}内` : rule.mode === 'territory' ? '负责该地区和行业的销售中' : '销售中';
  return { kind: 'person', ownerId: rep.id, rule: rule.name, why: `规则「${rule.name}」：${scope}按权重轮流分配给 ${rep.name}（权重 ${weight(rep)}）`, credits: { pool, values: turn.values } };
}

/** A company name as a key: without spaces, region brackets and suffixes such as 有限公司 / 集团. */
export function companyKey(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  let s = name.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  s = s.replace(/[（(][^）)]*[）)]/g, '');
  for (let again = true; again; ) {
    again = false;
    for (const suffix of ['股份有限公司', '有限责任公司', '有限公司', '股份公司', '集团公司', '集团', '公司', 'co.,ltd.', 'co.,ltd', 'ltd.', 'ltd', 'inc.', 'inc']) {
      if (s.length > suffix.length && s.endsWith(suffix)) {
        s = s.slice(0, -suffix.length).replace(/[,.，]$/, '');
        again = true;
      }
    }
  }
  return s || undefined;
}
