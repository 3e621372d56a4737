import type { Text } from '../domain/text.js';
import type { Report } from '../usecases/report.js';

/**
 * The report as terminal tables (`npm run report`), in Chinese by default or English. Columns are
 * aligned by display width: a Chinese character takes two columns.
 */
export type Locale = 'zh-CN' | 'en';

const wide = (cp: number) =>
  (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6);

/** Columns a string takes in a terminal. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += wide(ch.codePointAt(0)!) ? 2 : 1;
  return w;
}

/** Rows under a header, each column as wide as its widest cell; numbers (the first row's shape) right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - displayWidth(c));
        return right.has(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number) => v.toLocaleString('en-US');
const days = (v: number) => v.toFixed(1);
const yuan = (v: number | undefined) => (v === undefined ? '—' : `¥${Math.round(v).toLocaleString('en-US')}`);

export function renderText(r: Report, locale: Locale = 'zh-CN', names: ReadonlyMap<string, string> = new Map()): string {
  const t = (x: Text) => (locale === 'en' ? x.en : x.zh);
  const stage = (id: string) => (r.stages[id] ? t(r.stages[id]) : id);
  const who = (id: string | null) => (id ? (names.get(id) ?? id) : '—');
  const day = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const paren = (x: string) => (locale === 'en' ? ` (${x})` : `（${x}）`);
  const out: string[] = [];
  const section = (title: Text) => out.push('', `■ ${t(title)}`);

  out.push(
    t({
      zh: `线索旅程报表 · ${t(r.journey.name)} · ${day(r.since)} 至 ${day(new Date(new Date(r.until).getTime() - 1).toISOString())}（北京时间）`,
      en: `Lead Journey report · ${t(r.journey.name)} · ${day(r.since)} to ${day(new Date(new Date(r.until).getTime() - 1).toISOString())} (Asia/Shanghai)`,
    }),
    t({ zh: `本期新线索 ${num(r.leads)} 条`, en: `${num(r.leads)} new leads in the period` }),
  );

  section({ zh: '漏斗转化（本期新线索）', en: 'Funnel (new leads of the period)' });
  out.push(
    table(
      [t({ zh: '阶段', en: 'Stage' }), t({ zh: '到达', en: 'Reached' }), t({ zh: '较上一阶段', en: 'From previous' }), t({ zh: '较首阶段', en: 'From first' })],
      r.funnel.map((s) => [stage(s.stage), num(s.reached), pct(s.fromPrevious), pct(s.fromFirst)]),
      new Set([1, 2, 3]),
    ),
  );
  if (r.cohorts.length > 1) {
    out.push('', t({ zh: '按进入月份（同期群）：各阶段到达数', en: 'By month the leads came in (cohorts): reached per stage' }));
    out.push(
      table(
        [t({ zh: '月份', en: 'Month' }), ...r.funnel.map((s) => stage(s.stage))],
        r.cohorts.map((c) => [c.month, ...c.steps.map((s) => num(s.reached))]),
        new Set(r.funnel.map((_, i) => i + 1)),
      ),
    );
  }

  section({ zh: '阶段速度（天，进入到推进到下一阶段；重复进入各自计时）', en: 'Stage velocity (days from entering to moving on; each re-entry timed on its own)' });
  if (!r.velocity.overall.length) out.push(t({ zh: '本期没有阶段推进。', en: 'No lead moved forward in the period.' }));
  else {
    out.push(
      table(
        [t({ zh: '阶段', en: 'Stage' }), t({ zh: '推进次数', en: 'Moves' }), t({ zh: '平均', en: 'Mean' }), t({ zh: '中位数', en: 'Median' })],
        r.velocity.overall.map((v) => [stage(v.stage), num(v.count), days(v.meanDays), days(v.medianDays)]),
        new Set([1, 2, 3]),
      ),
    );
    const months = [...new Set(r.velocity.byMonth.map((v) => v.month))].sort();
    if (months.length > 1) {
      const stages = r.velocity.overall.map((v) => v.stage);
      out.push('', t({ zh: '按月（中位数，天）', en: 'By month (median days)' }));
      out.push(
        table(
          [t({ zh: '月份', en: 'Month' }), ...stages.map(stage)],
          months.map((m) => [m, ...stages.map((s) => r.velocity.byMonth.find((v) => v.month === m && v.stage === s)).map((v) => (v ? days(v.medianDays) : '—'))]),
          new Set(stages.map((_, i) => i + 1)),
        ),
      );
    }
  }

  section({ zh: 'MLG 指数（市场获客的成交新客户 ÷ 全部成交新客户）', en: 'MLG index (new customers sourced by marketing ÷ all new customers)' });
  const mlg = (m: Report['mlg']['period']) => `${pct(m.index)}${paren(`${m.marketing}/${m.won}`)}`;
  out.push(
    t({ zh: `本期 ${mlg(r.mlg.period)} · 累计 ${mlg(r.mlg.allTime)}`, en: `This period ${mlg(r.mlg.period)} · all time ${mlg(r.mlg.allTime)}` }),
    t({ zh: `市场获客渠道：${r.mlg.marketingSources.join('、')}`, en: `Marketing channels: ${r.mlg.marketingSources.join(', ')}` }),
  );

  section({ zh: '渠道（本期新线索）', en: 'Channels (new leads of the period)' });
  out.push(
    table(
      [
        t({ zh: '来源渠道', en: 'Channel' }),
        t({ zh: '线索', en: 'Leads' }),
        'MQL',
        t({ zh: '商机', en: 'Opps' }),
        t({ zh: '成单', en: 'Wins' }),
        t({ zh: '费用', en: 'Cost' }),
        t({ zh: '单条线索成本', en: 'Per lead' }),
        t({ zh: '单个成单成本', en: 'Per win' }),
      ],
      r.channels.map((c) => [c.source, num(c.leads), num(c.mqls), num(c.opportunities), num(c.wins), yuan(c.cost), yuan(c.costPerLead), yuan(c.costPerWin)]),
      new Set([1, 2, 3, 4, 5, 6, 7]),
    ),
  );

  section({ zh: 'SLA 达成（本期分配）', en: 'SLA compliance (offers of the period)' });
  const sla = (c: { met: number; missed: number; rate: number | undefined }) => `${pct(c.rate)}${paren(`${c.met}/${c.met + c.missed}`)}`;
  out.push(
    table(
      [t({ zh: '销售', en: 'Rep' }), t({ zh: '认领', en: 'Accept' }), t({ zh: '首次跟进', en: 'First follow-up' })],
      [...r.sla.reps.map((s) => [who(s.ownerId), sla(s.accept), sla(s.followUp)]), [t({ zh: '团队', en: 'Team' }), sla(r.sla.team.accept), sla(r.sla.team.followUp)]],
      new Set([1, 2]),
    ),
  );

  section({ zh: '退回原因（本期）', en: 'Returns by reason (the period)' });
  out.push(
    r.returns.length
      ? table(
          [t({ zh: '原因', en: 'Reason' }), t({ zh: '次数', en: 'Count' })],
          r.returns.map((x) => [x.reason, num(x.count)]),
          new Set([1]),
        )
      : t({ zh: '本期没有退回。', en: 'No returns in the period.' }),
  );

  section({ zh: '停滞线索（在当前阶段超过该阶段通常时长）', en: 'Stuck leads (in their stage longer than its usual time)' });
  out.push(
    r.stuck.length
      ? table(
          [t({ zh: '线索编号', en: 'Lead' }), t({ zh: '公司', en: 'Company' }), t({ zh: '阶段', en: 'Stage' }), t({ zh: '已停留（天）', en: 'Days in stage' }), t({ zh: '通常（天）', en: 'Usual days' }), t({ zh: '跟进人', en: 'Owner' })],
          r.stuck.slice(0, 20).map((s) => [s.key, s.company ?? '—', stage(s.stage), days(s.days), days(s.usualDays), who(s.owner)]),
          new Set([3, 4]),
        ) + (r.stuck.length > 20 ? `\n${t({ zh: `……共 ${r.stuck.length} 条`, en: `… ${r.stuck.length} in all` })}` : '')
      : t({ zh: '没有停滞的线索。', en: 'No lead is stuck.' }),
  );
  return `${out.join('\n')}\n`;
}
