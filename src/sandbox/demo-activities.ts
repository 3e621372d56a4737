import type { DemoTransition } from './demo-history.js';

/**
 * What a made-up lead did while it walked the journey (demo-history.ts): the rows a team would have put
 * in 活动记录 — downloads and webinars while marketing works it, a demo request or a price-page visit
 * before it is handed to sales, calls and e-mails while a rep has it, an occasional download from the
 * nurture pool. Drawn per stay (from one stage entry to the next), inside the stay, so the score the
 * server gives them rises before a lead moves on and falls silent where it stalled. The types are the
 * default 评分规则's 行为 rows (bitable-templates/rules/scoring.json).
 */
export interface DemoActivity {
  type: string;
  at: Date;
  detail: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Beijing is UTC+8 */
const BEIJING = 8 * HOUR;

type Kind = { type: string; details: readonly string[] };
const A = {
  download: { type: '下载资料', details: ['下载《制造业数据采集白皮书》', '下载《设备联网选型指南》', '下载客户案例集', '下载产品手册'] },
  webinar: { type: '参加直播', details: ['参加直播《设备数据采集实战》', '参加直播《质量追溯怎么做》', '参加网络研讨会《能耗管理入门》'] },
  pricing: { type: '访问价格页', details: ['访问价格页', '访问价格页（私有化方案）'] },
  demo: { type: '申请演示', details: ['申请产品演示', '预约线上演示'] },
  email: { type: '回复邮件', details: ['回复邮件：确认需求范围', '回复邮件：索取报价', '回复邮件：约下次沟通'] },
  expo: { type: '到访展会', details: ['到访展会展台（工博会）', '到访展会展台（智能制造展）'] },
  call: { type: '电话沟通', details: ['电话沟通：确认预算与时间', '电话沟通：了解现有系统', '电话沟通：方案讲解', '电话沟通：商务条款'] },
} satisfies Record<string, Kind>;

/** What may happen during a stay in each stage, and what comes just before a move forward. */
const DURING: Record<string, readonly Kind[]> = {
  lead: [A.download, A.webinar, A.pricing],
  mql: [A.download, A.pricing, A.email],
  sql: [A.call, A.email],
  opportunity: [A.call, A.email, A.call, A.expo],
  nurture: [A.download, A.webinar],
};
const BEFORE: Record<string, readonly Kind[]> = {
  mql: [A.demo, A.pricing, A.webinar, A.expo],
  sql: [A.demo, A.call, A.email],
  opportunity: [A.call],
  won: [A.call, A.email],
};
/** about how many days apart activities come during a stay */
const EVERY: Record<string, number> = { lead: 6, mql: 6, sql: 5, opportunity: 10, nurture: 40 };
/** how long interest lasts in a stay that goes nowhere */
const FADE_DAYS = 14;

/**
 * The activities of one lead: for each stay, a few during it (fewer for leads that did not come through
 * marketing, none after the lead ended), and one just before a forward move. Sorted by time, all before
 * `end`. `rnd` is a stream of its own, so adding activities changes none of the stage history.
 */
export function demoActivities(transitions: readonly DemoTransition[], end: number, marketing: boolean, rnd: () => number): DemoActivity[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: DemoActivity[] = [];
  /** people call, write and visit in the daytime: 09:00–19:00 Beijing time that day, or the day before or after if the stay holds it */
  const daytime = (at: number, from: number, to: number) => {
    const day = Math.floor((at + BEIJING) / DAY) * DAY - BEIJING + (9 + 10 * rnd()) * HOUR;
    return Math.floor([day, day - DAY, day + DAY].find((x) => x >= from && x < to) ?? at);
  };
  const add = (kind: Kind, at: number) => {
    if (at < end) out.push({ type: kind.type, at: new Date(at), detail: pick(kind.details) });
  };
  for (let i = 0; i < transitions.length; i++) {
    const stay = transitions[i]!;
    const next = transitions[i + 1];
    const from = stay.at.getTime();
    const to = next ? next.at.getTime() : end;
    const during = DURING[stay.to];
    if (!during || to <= from) continue;
    const every = EVERY[stay.to]! * (marketing || stay.to === 'sql' || stay.to === 'opportunity' ? 1 : 1.8);
    const forward = next?.kind === 'forward';
    // interest that did not lead anywhere fades: a stay that ends aside, or has not ended, is busy only
    // in its first two weeks (then the silence decay takes the score down, as it would)
    const busyUntil = forward ? to : Math.min(to, from + FADE_DAYS * DAY);
    // just before a move forward: what tipped it (a demo request before SQL, a call before the win), the last of the stay
    const tipping = forward ? BEFORE[next!.to] : undefined;
    const tippedAt = tipping ? daytime(to - Math.min(to - from, DAY) * (0.2 + 0.6 * rnd()), from, to) : busyUntil;
    // during the stay: about one per `every` days, at random moments (a lead just in may have none yet)
    const until = Math.min(busyUntil, tippedAt);
    const n = Math.floor(((until - from) / DAY / every) * (0.5 + rnd()));
    for (let k = 0; k < n; k++) add(pick(during), daytime(from + rnd() * (until - from), from, until));
    if (tipping) add(pick(tipping), tippedAt);
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
