import { dayOf, type Text } from '../domain/text.js';
import type { Report } from '../usecases/report.js';

/**
 * The report's tables as cells, once for every output (terminal, HTML): a header, rows of text, and
 * which columns are numbers (right-aligned). Chinese by default, or English.
 */
export type Locale = 'zh-CN' | 'en';

export interface Table {
  header: string[];
  rows: string[][];
  numeric: ReadonlySet<number>;
}

export const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
export const num = (v: number) => v.toLocaleString('en-US');
export const days = (v: number) => v.toFixed(1);
export const yuan = (v: number | undefined) => (v === undefined ? '—' : `¥${Math.round(v).toLocaleString('en-US')}`);
const cols = (n: number, from = 1) => new Set(Array.from({ length: n }, (_, i) => i + from));

/** Words and cells in one language, for one report. */
export function reportWords(r: Report, locale: Locale, names: ReadonlyMap<string, string> = new Map(Object.entries(r.people ?? {}))) {
  const t = (x: Text) => (locale === 'en' ? x.en : x.zh);
  const stage = (id: string) => (r.stages[id] ? t(r.stages[id]) : id);
  const who = (id: string | null) => (id ? (names.get(id) ?? id) : '—');
  const paren = (x: string) => (locale === 'en' ? ` (${x})` : `（${x}）`);
  const rate = (c: { met: number; missed: number; rate: number | undefined }) => `${pct(c.rate)}${paren(`${c.met}/${c.met + c.missed}`)}`;
  const mlg = (m: Report['mlg']['period']) => `${pct(m.index)}${paren(`${m.marketing}/${m.won}`)}`;
  const period = `${dayOf(Date.parse(r.since))} – ${dayOf(Date.parse(r.until) - 1)}`;

  const tables = {
    funnel: (): Table => ({
      header: [t({ zh: '阶段', en: 'Stage' }), t({ zh: '到达', en: 'Reached' }), t({ zh: '较上一阶段', en: 'From previous' }), t({ zh: '较首阶段', en: 'From first' })],
      rows: r.funnel.map((s) => [stage(s.stage), num(s.reached), pct(s.fromPrevious), pct(s.fromFirst)]),
      numeric: cols(3),
    }),
    cohorts: (): Table => ({
      header: [t({ zh: '月份', en: 'Month' }), ...r.funnel.map((s) => stage(s.stage))],
      rows: r.cohorts.map((c) => [c.month, ...c.steps.map((s) => num(s.reached))]),
      numeric: cols(r.funnel.length),
    }),
    velocity: (): Table => ({
      header: [t({ zh: '阶段', en: 'Stage' }), t({ zh: '推进次数', en: 'Moves' }), t({ zh: '平均', en: 'Mean' }), t({ zh: '中位数', en: 'Median' })],
      rows: r.velocity.overall.map((v) => [stage(v.stage), num(v.count), days(v.meanDays), days(v.medianDays)]),
      numeric: cols(3),
    }),
    velocityByMonth: (): Table => {
      const months = [...new Set(r.velocity.byMonth.map((v) => v.month))].sort();
      const stages = r.velocity.overall.map((v) => v.stage);
      return {
        header: [t({ zh: '月份', en: 'Month' }), ...stages.map(stage)],
        rows: months.map((m) => [m, ...stages.map((s) => r.velocity.byMonth.find((v) => v.month === m && v.stage === s)).map((v) => (v ? days(v.medianDays) : '—'))]),
        numeric: cols(stages.length),
      };
    },
    channels: (): Table => ({
      header: [
        t({ zh: '来源渠道', en: 'Channel' }),
        t({ zh: '线索', en: 'Leads' }),
        'MQL',
        t({ zh: '商机', en: 'Opps' }),
        t({ zh: '成单', en: 'Wins' }),
        t({ zh: '费用', en: 'Cost' }),
        t({ zh: '单条线索成本', en: 'Per lead' }),
        t({ zh: '单个成单成本', en: 'Per win' }),
      ],
      rows: r.channels.map((c) => [c.source, num(c.leads), num(c.mqls), num(c.opportunities), num(c.wins), yuan(c.cost), yuan(c.costPerLead), yuan(c.costPerWin)]),
      numeric: cols(7),
    }),
    sla: (): Table => ({
      header: [t({ zh: '销售', en: 'Rep' }), t({ zh: '认领', en: 'Accept' }), t({ zh: '首次跟进', en: 'First follow-up' })],
      rows: [...r.sla.reps.map((s) => [who(s.ownerId), rate(s.accept), rate(s.followUp)]), [t({ zh: '团队', en: 'Team' }), rate(r.sla.team.accept), rate(r.sla.team.followUp)]],
      numeric: cols(2),
    }),
    returns: (): Table => ({ header: [t({ zh: '原因', en: 'Reason' }), t({ zh: '次数', en: 'Count' })], rows: r.returns.map((x) => [x.reason, num(x.count)]), numeric: cols(1) }),
    stuck: (limit = Number.POSITIVE_INFINITY): Table => ({
      header: [
        t({ zh: '线索编号', en: 'Lead' }),
        t({ zh: '公司', en: 'Company' }),
        t({ zh: '阶段', en: 'Stage' }),
        t({ zh: '已停留（天）', en: 'Days in stage' }),
        t({ zh: '通常（天）', en: 'Usual days' }),
        t({ zh: '跟进人', en: 'Owner' }),
      ],
      rows: r.stuck.slowest.slice(0, limit).map((s) => [s.key, s.company ?? '—', stage(s.stage), days(s.days), days(s.usualDays), who(s.owner)]),
      numeric: new Set([3, 4]),
    }),
    stuckByStage: (): Table => ({
      header: [t({ zh: '阶段', en: 'Stage' }), t({ zh: '停滞线索', en: 'Stuck leads' }), t({ zh: '通常（天）', en: 'Usual days' })],
      rows: r.stuck.byStage.map((s) => [stage(s.stage), num(s.count), days(s.usualDays)]),
      numeric: cols(2),
    }),
  };

  /** Section titles and the sentences a report says. */
  const say = {
    title: t({ zh: '线索旅程报表', en: 'Lead Journey report' }),
    subtitle: `${t(r.journey.name)} · ${period}${t({ zh: '（北京时间）', en: ' (Asia/Shanghai)' })}`,
    newLeads: t({ zh: `本期新线索 ${num(r.leads)} 条`, en: `${num(r.leads)} new leads in the period` }),
    funnel: t({ zh: '漏斗转化（本期新线索）', en: 'Funnel (new leads of the period)' }),
    cohorts: t({ zh: '按进入月份（同期群）：各阶段到达数', en: 'By month the leads came in (cohorts): reached per stage' }),
    velocity: t({ zh: '阶段速度（天，进入到推进到下一阶段；重复进入各自计时）', en: 'Stage velocity (days from entering to moving on; each re-entry timed on its own)' }),
    velocityByMonth: t({ zh: '按月（中位数，天）', en: 'By month (median days)' }),
    noMoves: t({ zh: '本期没有阶段推进。', en: 'No lead moved forward in the period.' }),
    mlgTitle: t({ zh: 'MLG 指数（市场获客的成交新客户 ÷ 全部成交新客户）', en: 'MLG index (new customers sourced by marketing ÷ all new customers)' }),
    mlg: t({ zh: `本期 ${mlg(r.mlg.period)} · 累计 ${mlg(r.mlg.allTime)}`, en: `This period ${mlg(r.mlg.period)} · all time ${mlg(r.mlg.allTime)}` }),
    marketing: t({ zh: `市场获客渠道：${r.mlg.marketingSources.join('、')}`, en: `Marketing channels: ${r.mlg.marketingSources.join(', ')}` }),
    channels: t({ zh: '渠道（本期新线索）', en: 'Channels (new leads of the period)' }),
    sla: t({ zh: 'SLA 达成（本期分配）', en: 'SLA compliance (offers of the period)' }),
    returns: t({ zh: '退回原因（本期）', en: 'Returns by reason (the period)' }),
    noReturns: t({ zh: '本期没有退回。', en: 'No returns in the period.' }),
    stuck: t({ zh: '停滞线索（在当前阶段超过该阶段通常时长）', en: 'Stuck leads (in their stage longer than its usual time)' }),
    noStuck: t({ zh: '没有停滞的线索。', en: 'No lead is stuck.' }),
    /** under the list of the slowest, when it does not hold them all */
    stuckShown: (shown: number) => t({ zh: `以上为最慢的 ${num(shown)} 条，共 ${num(r.stuck.total)} 条`, en: `The slowest ${num(shown)} of ${num(r.stuck.total)}` }),
  };
  return { t, stage, tables, say, period };
}
