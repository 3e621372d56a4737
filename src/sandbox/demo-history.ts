import type { TransitionKind } from '../domain/journey.js';
import { type DemoActivity, demoActivities } from './demo-activities.js';

/**
 * Months of made-up history for the default journey (线索 → MQL → SQL → 商机 → 成单, with 培育池, 无效
 * and 输单), so the sandbox's report, digest and slow-down alerts show real shapes, and
 * `npm run bench:report` has a large store to read. Deterministic: the same seed gives the same leads.
 *
 * Each lead walks the journey from the day it came in: at each stage it moves on, aside or stays, after a
 * number of days drawn around the stage's typical time. What a team would see happens: an owned lead
 * left in 线索/MQL/SQL for 30 days goes back to 培育池 (保护期到期, the shipped 回收规则), some come back
 * from 培育池 as an MQL-02, SQLs are offered to reps who accept them (some late, after the SLA ladder)
 * or return them with a reason. Nothing after `to` happens: a lead still walking stays where it is.
 */
export interface DemoTransition {
  from: string | null;
  to: string;
  at: Date;
  kind: TransitionKind | 'create';
  entry: number;
  actor: string;
  reason: string | null;
}

export interface DemoAssignment {
  ownerId: string;
  offeredAt: Date;
  acceptDueAt: Date;
  acceptedAt: Date | null;
  followUpDueAt: Date | null;
  returnedAt: Date | null;
  returnReason: string | null;
  /** the accept SLA's ladder fired (accepted or returned late) */
  lateAccept: boolean;
  /** the first follow-up's ladder fired */
  lateFollowUp: boolean;
  /** withdrawn: the lead went back before the rep acted (or 保护期 ran out) */
  withdrawnAt: Date | null;
}

export interface DemoLead {
  facts: { company: string; contact_name: string; title: string; phone: string; source: string; industry: string; size: string; region: string; need: string };
  createdAt: Date;
  stage: string;
  owner: string | null;
  transitions: DemoTransition[];
  assignments: DemoAssignment[];
  /** what the lead did (活动记录), oldest first; empty unless asked for */
  activities: DemoActivity[];
}

export interface DemoHistoryOptions {
  seed: number;
  count: number;
  /** leads come in evenly over [from, to) */
  from: Date;
  to: Date;
  /** the reps SQLs are offered to */
  reps: readonly string[];
  /** who moves leads before a rep has them: the SDR, or the SDR covering the lead's region */
  sdr: string | ((region: string) => string);
  /** extra MQL → 培育池 → MQL rounds per lead that reaches MQL (the benchmark uses them to reach a million transitions) */
  cycles?: number;
  /** make up each lead's activities too (the sandbox; the benchmark has no use for them) */
  activities?: boolean;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The first choice whose cumulative chance passes `roll` (none: past them all). */
function choose<T extends { p: number }>(choices: readonly T[], roll: number): T | undefined {
  let left = roll;
  for (const c of choices) {
    left -= c.p;
    if (left < 0) return c;
  }
  return undefined;
}

/** mulberry32: a small seeded generator (deterministic demo data, not cryptography). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Next = { to: string; p: number; days: number; kind: TransitionKind; reason?: string };
/** Where a stay goes, with what chance, after how many days (typical); what is left stays. Marketing sources convert better to MQL, worse to a win. */
const MOVES: Record<string, Next[]> = {
  lead: [
    { to: 'mql', p: 0.45, days: 3, kind: 'forward' },
    { to: 'nurture', p: 0.27, days: 6, kind: 'exit', reason: '暂无需求' },
    { to: 'disqualified', p: 0.2, days: 2, kind: 'exit', reason: '非目标客户' },
  ],
  mql: [
    { to: 'sql', p: 0.58, days: 4, kind: 'forward' },
    { to: 'nurture', p: 0.3, days: 8, kind: 'recycle', reason: '预计一年后采购' },
    { to: 'disqualified', p: 0.08, days: 3, kind: 'exit', reason: '联系方式错误' },
  ],
  sql: [
    { to: 'opportunity', p: 0.62, days: 6, kind: 'forward' },
    { to: 'mql', p: 0.08, days: 5, kind: 'recycle', reason: '需求不明确' },
    { to: 'lost', p: 0.1, days: 12, kind: 'exit', reason: '被竞争对手拿下' },
  ],
  opportunity: [
    { to: 'won', p: 0.48, days: 18, kind: 'forward' },
    { to: 'lost', p: 0.32, days: 24, kind: 'exit', reason: '被竞争对手拿下' },
    { to: 'sql', p: 0.04, days: 10, kind: 'recycle', reason: '暂无预算' },
  ],
  nurture: [
    { to: 'mql', p: 0.35, days: 35, kind: 'forward' },
    { to: 'disqualified', p: 0.5, days: 50, kind: 'exit', reason: '长期无回应' },
  ],
};
/** A lead owned in these stages goes back to 培育池 after this long without moving (the shipped 回收规则: 30 days). */
const PROTECTED = new Set(['lead', 'mql', 'sql']);
const PROTECTION_DAYS = 30;

const SOURCES = [
  { name: '官网咨询', p: 0.26 },
  { name: '搜索引擎（SEM）', p: 0.2 },
  { name: '内容下载', p: 0.14 },
  { name: '线下活动', p: 0.1 },
  { name: '直播/网络研讨会', p: 0.06 },
  { name: '转介绍', p: 0.12 },
  { name: '销售分享', p: 0.08 },
  { name: '其他', p: 0.04 },
];
const INDUSTRIES = ['制造业', '信息技术', '金融', '医疗', '教育', '零售'];
const SIZES = ['1-49人', '50-199人', '200-999人', '1000人以上'];
const REGIONS = ['华东', '华北', '华南', '华中', '西南', '西北', '东北'];
const CITIES = ['苏州', '杭州', '宁波', '无锡', '合肥', '武汉', '长沙', '成都', '重庆', '西安', '天津', '青岛', '厦门', '佛山', '东莞', '南京'];
const WORDS = ['精密', '云图', '智联', '恒泰', '远航', '华信', '新元', '博锐', '海纳', '启明', '天工', '盛达', '锦程', '瑞丰', '嘉禾', '同创'];
const KINDS = ['仪器', '科技', '制造', '医疗器械', '教育科技', '供应链', '电子', '软件', '能源', '新材料'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭'];
const NEEDS = ['产线设备数据采集', '私有化部署评估', '渠道线索统一管理', '设备远程运维', '能耗监测', '质量追溯系统', '仓储可视化'];
const TITLES = ['采购经理', 'IT经理', '生产总监', '设备工程师', '总经理', '信息部负责人', '运营专员', 'CTO', '质量主管', '行政'];
const RETURNS = ['需求不明确', '预计一年后采购', '暂无预算', '联系方式错误'];

export function demoHistory(o: DemoHistoryOptions): DemoLead[] {
  const rnd = random(o.seed);
  // titles and activities from streams of their own: adding them changed none of the stage history
  const rnd2 = random(o.seed ^ 0x5bd1e995);
  const rnd3 = random(o.seed ^ 0x27d4eb2f);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  /** days around a typical value: ×0.3 to ×2.6, most near the middle */
  const around = (days: number) => days * (0.3 + 2.3 * ((rnd() + rnd() + rnd()) / 3) ** 1.6);
  const end = o.to.getTime();
  const span = end - o.from.getTime();
  const out: DemoLead[] = [];
  for (let i = 0; i < o.count; i++) {
    const source = choose(SOURCES, rnd())?.name ?? '其他';
    const marketing = !['转介绍', '销售分享', '其他'].includes(source);
    const created = o.from.getTime() + Math.floor((span * (i + rnd())) / o.count);
    const facts = {
      company: `${pick(CITIES)}${pick(WORDS)}${pick(KINDS)}有限公司`,
      contact_name: `${pick(SURNAMES)}${rnd() < 0.5 ? '先生' : '女士'}`,
      title: TITLES[Math.floor(rnd2() * TITLES.length)]!,
      phone: `13${String(100_000_000 + Math.floor(rnd() * 899_999_999)).slice(0, 9)}`,
      source,
      industry: pick(INDUSTRIES),
      size: pick(SIZES),
      region: pick(REGIONS),
      need: pick(NEEDS),
    };
    const sdr = typeof o.sdr === 'string' ? o.sdr : o.sdr(facts.region);
    const entries = new Map<string, number>();
    const transitions: DemoTransition[] = [];
    const assignments: DemoAssignment[] = [];
    let stage = 'lead';
    let at = created;
    let owner: string | null = null;
    let cycles = o.cycles ?? 0;
    const enter = (from: string | null, to: string, t: number, kind: DemoTransition['kind'], actor: string, reason: string | null) => {
      const entry = (entries.get(to) ?? 0) + 1;
      entries.set(to, entry);
      transitions.push({ from, to, at: new Date(t), kind, entry, actor, reason });
      stage = to;
      at = t;
    };
    enter(null, 'lead', created, 'create', sdr, null);
    for (let step = 0; step < 60; step++) {
      if (cycles > 0 && stage === 'mql') {
        cycles--;
        const out1 = at + around(2) * DAY;
        const back = out1 + around(3) * DAY;
        if (back >= end) break;
        enter('mql', 'nurture', out1, 'recycle', sdr, '预计一年后采购');
        enter('nurture', 'mql', back, 'forward', sdr, null);
        continue;
      }
      const moves = MOVES[stage];
      if (!moves) break; // won, lost, disqualified: the end
      let roll = rnd();
      // marketing leads qualify more often; referrals close more often
      if (stage === 'lead' && marketing) roll *= 0.9;
      if (stage === 'opportunity' && !marketing) roll *= 0.85;
      const move = choose(moves, roll);
      const due = move ? at + around(move.days) * DAY : Number.POSITIVE_INFINITY;
      // an owned lead left too long in 线索/MQL/SQL goes back to the pool (保护期到期) before it would move
      const expires = owner && PROTECTED.has(stage) ? at + PROTECTION_DAYS * DAY : Number.POSITIVE_INFINITY;
      if (expires < due) {
        if (expires >= end) break;
        const current = assignments.at(-1);
        if (current?.acceptedAt && !current.returnedAt) {
          current.returnedAt = new Date(expires);
          current.returnReason = '保护期到期';
        }
        enter(stage, 'nurture', expires, stage === 'lead' ? 'exit' : 'recycle', 'system:protection', '保护期到期');
        owner = null;
        continue;
      }
      if (!move || due >= end) break;
      const actor = owner ?? sdr;
      enter(stage, move.to, due, move.kind, actor, move.reason ?? null);
      if (move.to === 'sql' && !owner) {
        // offered to a rep: accepted (sometimes late), or returned with a reason and offered to the next
        const offerAt = due;
        for (let k = 0; k < 2 && !owner; k++) {
          const rep = o.reps[Math.floor(rnd() * o.reps.length)]!;
          const offeredAt = offerAt + k * 6 * HOUR;
          const acceptDueAt = offeredAt + 4 * HOUR;
          // most act within the 4 hours; about one in seven only after the ladder reminded them
          const actedAt = rnd() < 0.15 ? acceptDueAt + around(3) * HOUR : offeredAt + around(1.2) * HOUR;
          const lateAccept = actedAt > acceptDueAt;
          const returned = rnd() < 0.12 && k === 0;
          if (actedAt >= end) break;
          const followUpDueAt = actedAt + 5 * DAY;
          assignments.push({
            ownerId: rep,
            offeredAt: new Date(offeredAt),
            acceptDueAt: new Date(acceptDueAt),
            acceptedAt: returned ? null : new Date(actedAt),
            followUpDueAt: returned ? null : new Date(followUpDueAt),
            returnedAt: returned ? new Date(actedAt) : null,
            returnReason: returned ? pick(RETURNS) : null,
            lateAccept,
            lateFollowUp: !returned && followUpDueAt < end && rnd() < 0.1,
            withdrawnAt: null,
          });
          if (!returned) owner = rep;
        }
      }
      if (['nurture', 'disqualified', 'lost'].includes(stage) || (stage === 'mql' && move.kind === 'recycle')) {
        const current = assignments.at(-1);
        if (current?.acceptedAt && !current.returnedAt && !current.withdrawnAt) current.withdrawnAt = new Date(at);
        if (stage !== 'mql') owner = null;
      }
    }
    const activities = o.activities ? demoActivities(transitions, end, marketing, rnd3) : [];
    out.push({ facts, createdAt: new Date(created), stage, owner, transitions, assignments, activities });
  }
  return out;
}
