import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Text, whenWithYear } from '../domain/text.js';
import type { Report } from '../usecases/report.js';
import { type Locale, num, pct, reportWords, type Table } from './report-tables.js';

/**
 * The report as one self-contained HTML file (`npm run report`): headline figures, charts (the funnel,
 * velocity over months, channels) drawn by ECharts, which is inlined, and the tables. It opens from disk
 * with no network. The data is embedded as JSON; nothing in it is trusted as HTML.
 */
let echartsSource: string | undefined;
function echarts(): string {
  echartsSource ??= readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return echartsSource;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(x: Table): string {
  const cell = (tag: 'th' | 'td', c: string, i: number) => `<${tag}${x.numeric.has(i) ? ' class="n"' : ''}>${esc(c)}</${tag}>`;
  return `<table><thead><tr>${x.header.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${x.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(r: Report, locale: Locale = 'zh-CN', names: ReadonlyMap<string, string> = new Map(Object.entries(r.people ?? {}))): string {
  const { t, stage, tables, say, period } = reportWords(r, locale, names);
  const months = [...new Set(r.velocity.byMonth.map((v) => v.month))].sort();
  const chartData = {
    funnel: r.funnel.map((s) => ({ name: stage(s.stage), value: s.reached })),
    velocity: {
      months,
      series: r.velocity.overall.map((o) => ({ name: stage(o.stage), data: months.map((m) => r.velocity.byMonth.find((v) => v.month === m && v.stage === o.stage)?.medianDays ?? null) })),
    },
    channels: {
      names: r.channels.map((c) => c.source),
      series: [
        { name: t({ zh: '线索', en: 'Leads' }), data: r.channels.map((c) => c.leads) },
        { name: 'MQL', data: r.channels.map((c) => c.mqls) },
        { name: t({ zh: '商机', en: 'Opportunities' }), data: r.channels.map((c) => c.opportunities) },
        { name: t({ zh: '成单', en: 'Wins' }), data: r.channels.map((c) => c.wins) },
      ],
    },
    labels: { days: t({ zh: '天（中位数）', en: 'days (median)' }) },
  };
  const kpi = (label: Text, value: string, note: string) => `<div class="kpi"><div class="label">${esc(t(label))}</div><div class="value">${esc(value)}</div><div class="note">${esc(note)}</div></div>`;
  const section = (title: string, content: string) => `<section><h2>${esc(title)}</h2>${content}</section>`;
  const chart = (id: string) => `<div class="chart" id="${id}"></div>`;
  const note = (x: string) => `<p class="note">${esc(x)}</p>`;
  const won = r.funnel.at(-1)?.reached ?? 0;
  const accept = r.sla.team.accept;

  const body = [
    `<header><h1>${esc(say.title)}</h1><p>${esc(say.subtitle)}</p></header>`,
    `<div class="kpis">${[
      kpi({ zh: '本期新线索', en: 'New leads' }, num(r.leads), t({ zh: `成单 ${won}`, en: `won ${won}` })),
      kpi({ zh: 'MLG 指数（本期）', en: 'MLG index (period)' }, pct(r.mlg.period.index), t({ zh: `${r.mlg.period.marketing}/${r.mlg.period.won} 来自市场获客`, en: `${r.mlg.period.marketing} of ${r.mlg.period.won} sourced by marketing` })),
      kpi({ zh: '认领 SLA 达成率', en: 'Accept SLA met' }, pct(accept.rate), `${accept.met}/${accept.met + accept.missed}`),
      kpi({ zh: '停滞线索', en: 'Stuck leads' }, num(r.stuck.total), t({ zh: '超过阶段通常时长', en: "past their stage's usual time" })),
    ].join('')}</div>`,
    section(say.funnel, chart('funnel') + html(tables.funnel()) + (r.cohorts.length > 1 ? note(say.cohorts) + html(tables.cohorts()) : '')),
    section(say.velocity, r.velocity.overall.length ? chart('velocity') + html(tables.velocity()) : note(say.noMoves)),
    section(say.channels, chart('channels') + html(tables.channels()) + note(`${say.mlgTitle}: ${say.mlg}`) + note(say.marketing)),
    section(say.sla, html(tables.sla())),
    section(say.returns, r.returns.length ? html(tables.returns()) : note(say.noReturns)),
    section(say.stuck, r.stuck.total ? html(tables.stuckByStage()) + html(tables.stuck()) + (r.stuck.total > r.stuck.slowest.length ? note(say.stuckShown(r.stuck.slowest.length)) : '') : note(say.noStuck)),
    `<footer>${esc(t({ zh: `生成于 ${whenWithYear(r.generatedAt)}（北京时间）· 口径见 docs/metrics.md`, en: `Generated ${whenWithYear(r.generatedAt)} (Beijing time) · definitions: docs/metrics.md` }))}</footer>`,
  ].join('\n');

  return `<!doctype html>
<html lang="${locale === 'en' ? 'en' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(say.title)} · ${esc(period)}</title>
<style>
body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0; color: #1f2329; background: #f5f6f7; }
header { background: #1456f0; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .9; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; padding: 16px 32px 0; }
.kpi { background: #fff; border-radius: 8px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.06); }
.kpi .label { color: #646a73; font-size: 13px; }
.kpi .value { font-size: 28px; font-weight: 600; margin: 4px 0; }
.kpi .note { color: #8f959e; font-size: 12px; }
section { background: #fff; margin: 16px 32px; padding: 16px 20px; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.06); }
section h2 { font-size: 16px; margin: 0 0 12px; }
.chart { height: 320px; margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eef0f1; }
th { background: #f7f8fa; font-weight: 600; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #646a73; font-size: 13px; }
footer { color: #8f959e; font-size: 12px; padding: 8px 32px 24px; }
</style>
</head>
<body>
${body}
<script type="application/json" id="chart-data">${JSON.stringify(chartData).replace(/</g, '\\u003c')}</script>
<script>${echarts()}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('chart-data').textContent);
  var draw = function (id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: 'svg' });
    option.animation = false;
    chart.setOption(option);
    window.addEventListener('resize', function () { chart.resize(); });
  };
  draw('funnel', { tooltip: { trigger: 'item' }, series: [{ type: 'funnel', sort: 'none', left: '15%', width: '70%', minSize: '8%', label: { show: true, position: 'inside', formatter: '{b}  {c}' }, data: d.funnel }] });
  if (d.velocity.months.length) draw('velocity', { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 24, top: 40, bottom: 32 }, xAxis: { type: 'category', data: d.velocity.months }, yAxis: { type: 'value', name: d.labels.days }, series: d.velocity.series.map(function (s) { return { type: 'line', name: s.name, data: s.data, connectNulls: true }; }) });
  draw('channels', { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 24, top: 40, bottom: 56 }, xAxis: { type: 'category', data: d.channels.names, axisLabel: { interval: 0, rotate: d.channels.names.length > 6 ? 30 : 0 } }, yAxis: { type: 'value' }, series: d.channels.series.map(function (s) { return { type: 'bar', name: s.name, data: s.data }; }) });
})();
</script>
</body>
</html>
`;
}
