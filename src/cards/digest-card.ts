import { dayOf } from '../domain/text.js';
import type { DigestCardState, DigestPace } from '../ports/chat.js';
import { card, hr, nameOrDash, plain, t, text, type CardCtx, type CardJson } from './card-kit.js';

export type { DigestCardState } from '../ports/chat.js';

const DAY_MS = 86_400_000;
/** a day as every card writes it: "11-24" (Beijing time) */
const day = (at: number) => dayOf(at).slice(5);
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—');
const days = (ctx: CardCtx, d: number) => (ctx.locale === 'en' ? `${d.toFixed(1)} d` : `${d.toFixed(1)} 天`);
const ms = (at: string | number | Date) => new Date(at).getTime();

/** "+3", "−2", "±0" against last week. */
function change(ctx: CardCtx, now: number, before: number): string {
  const d = now - before;
  const sign = d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '±0';
  return ctx.locale === 'en' ? `(last week ${before}, ${sign})` : `（上周 ${before}，${sign}）`;
}

function paceLine(ctx: CardCtx, p: DigestPace): string {
  const step = `${t(ctx, p.from)} → ${t(ctx, p.to)}`;
  const now = p.thisWeek
    ? t(ctx, { zh: `中位 ${days(ctx, p.thisWeek.medianDays)}（${p.thisWeek.count} 次）`, en: `median ${days(ctx, p.thisWeek.medianDays)} (${p.thisWeek.count} moves)` })
    : t(ctx, { zh: '本周无推进', en: 'no moves this week' });
  const before = p.lastWeek ? t(ctx, { zh: `上周 ${days(ctx, p.lastWeek.medianDays)}`, en: `last week ${days(ctx, p.lastWeek.medianDays)}` }) : t(ctx, { zh: '上周无推进', en: 'none last week' });
  let trend = '';
  if (p.thisWeek && p.lastWeek && p.thisWeek.medianDays !== p.lastWeek.medianDays) trend = p.thisWeek.medianDays < p.lastWeek.medianDays ? t(ctx, { zh: '，变快', en: ', faster' }) : t(ctx, { zh: '，变慢', en: ', slower' });
  return ctx.locale === 'en' ? `${step}: ${now}; ${before}${trend}` : `${step}：${now}；${before}${trend}`;
}

/**
 * 线索周报: this week's new opportunities first (the boss's question), then the funnel against last week
 * (a bar chart), stage velocity, the MLG index, the SLAs missed and who missed them, the leads stuck, and
 * eight weeks of new leads and opportunities (a line chart). Charts use the card's chart component, a
 * VChart spec (docs/platform/feishu.md#421-chart-component). Labels and names only ever go into plain text.
 */
export function digestCard(s: DigestCardState, ctx: CardCtx): CardJson {
  const from = ms(s.from);
  const lastDay = ms(s.to) - DAY_MS;
  const range = `${day(from)} – ${day(lastDay)}`;
  const thisWeek = t(ctx, { zh: '本周', en: 'This week' });
  const lastWeek = t(ctx, { zh: '上周', en: 'Last week' });
  const elements: CardJson[] = [];

  const o = s.opportunities;
  if (o)
    elements.push({
      tag: 'div',
      text: {
        ...plain(t(ctx, { zh: `本周新增${t(ctx, o.label)} ${o.thisWeek} 个${change(ctx, o.thisWeek, o.lastWeek)}`, en: `New ${t(ctx, o.label)} this week: ${o.thisWeek} ${change(ctx, o.thisWeek, o.lastWeek)}` })),
        text_size: 'heading',
      },
    });

  elements.push(text(t(ctx, { zh: '漏斗：本周首次进入各阶段的线索', en: 'Funnel: leads that first reached each stage this week' })));
  elements.push(text(s.stages.map((x) => `${t(ctx, x.label)} ${x.thisWeek}${change(ctx, x.thisWeek, x.lastWeek)}`).join(ctx.locale === 'en' ? '; ' : '；')));
  elements.push({
    tag: 'chart',
    aspect_ratio: '16:9',
    chart_spec: {
      type: 'bar',
      title: { visible: true, text: t(ctx, { zh: '各阶段新增：本周与上周', en: 'Reached each stage: this week and last' }) },
      data: {
        values: s.stages.flatMap((x) => [
          { stage: t(ctx, x.label), week: lastWeek, count: x.lastWeek },
          { stage: t(ctx, x.label), week: thisWeek, count: x.thisWeek },
        ]),
      },
      xField: ['stage', 'week'],
      yField: 'count',
      seriesField: 'week',
      label: { visible: true },
      legends: { visible: true, orient: 'bottom' },
    },
  });

  elements.push(hr());
  elements.push(text(t(ctx, { zh: '阶段推进速度（进入该阶段到推进至下一阶段的天数）', en: 'Stage velocity (days from entering a stage to moving on)' })));
  const moved = s.pace.filter((p) => p.thisWeek || p.lastWeek);
  if (moved.length) for (const p of moved) elements.push(text(paceLine(ctx, p)));
  else elements.push(text(t(ctx, { zh: '本周与上周都没有线索推进', en: 'No lead moved on this week or last' })));

  if (s.mlg) {
    const m = s.mlg;
    elements.push(
      text(
        t(ctx, {
          zh: `MLG 指数（近 ${m.days} 天）：${pct(m.marketing, m.won)}（赢单新客户 ${m.won} 个，其中市场来源 ${m.marketing} 个）`,
          en: `MLG index (last ${m.days} days): ${pct(m.marketing, m.won)} (${m.won} new customers won, ${m.marketing} sourced by marketing)`,
        }),
      ),
    );
  }

  elements.push(hr());
  const a = s.sla.accept;
  const f = s.sla.followUp;
  if (a.met + a.missed + f.met + f.missed === 0) elements.push(text(t(ctx, { zh: '本周分配的线索：暂无到期的认领或跟进时限', en: 'Leads offered this week: no accept or follow-up deadline has come yet' })));
  else
    elements.push(
      text(
        t(ctx, {
          zh: `本周分配的线索：认领及时率 ${pct(a.met, a.met + a.missed)}（超时 ${a.missed} 条），首次跟进及时率 ${pct(f.met, f.met + f.missed)}（超时 ${f.missed} 条）`,
          en: `Leads offered this week: accepted in time ${pct(a.met, a.met + a.missed)} (${a.missed} late), first follow-up in time ${pct(f.met, f.met + f.missed)} (${f.missed} late)`,
        }),
      ),
    );
  const late = s.sla.reps.filter((r) => r.acceptMissed + r.followUpMissed > 0);
  if (late.length)
    elements.push(
      text(
        late
          .map((r) => t(ctx, { zh: `${nameOrDash(ctx, r.id)}：认领超时 ${r.acceptMissed}，跟进超时 ${r.followUpMissed}`, en: `${nameOrDash(ctx, r.id)}: ${r.acceptMissed} accepted late, ${r.followUpMissed} followed up late` }))
          .join(ctx.locale === 'en' ? '; ' : '；'),
      ),
    );
  elements.push(text(t(ctx, { zh: `停留超过常规时长的线索：${s.stuck} 条`, en: `Leads in their stage longer than usual: ${s.stuck}` })));

  if (s.trend.length > 1) {
    const leads = t(ctx, { zh: '新线索', en: 'New leads' });
    const opps = o ? t(ctx, { zh: `新${t(ctx, o.label)}`, en: `New ${t(ctx, o.label)}` }) : undefined;
    elements.push({
      tag: 'chart',
      aspect_ratio: '16:9',
      chart_spec: {
        type: 'line',
        title: { visible: true, text: t(ctx, { zh: `近 ${s.trend.length} 周趋势`, en: `The last ${s.trend.length} weeks` }) },
        data: { values: s.trend.flatMap((w) => [{ week: day(ms(w.week)), series: leads, value: w.leads }, ...(opps ? [{ week: day(ms(w.week)), series: opps, value: w.opportunities }] : [])]) },
        xField: 'week',
        yField: 'value',
        seriesField: 'series',
        point: { visible: true },
        legends: { visible: true, orient: 'bottom' },
      },
    });
  }
  elements.push({
    tag: 'div',
    text: {
      ...plain(t(ctx, { zh: '口径：同一线索每个阶段只计首次进入；完整报表见 npm run report 或 /api/metrics', en: 'Each lead counts once per stage, at its first entry; the full report: npm run report or /api/metrics' })),
      text_size: 'notation',
      text_color: 'grey',
    },
  });
  return card({ title: t(ctx, { zh: `线索周报：${range}`, en: `Weekly lead digest: ${range}` }), color: 'indigo', elements });
}
