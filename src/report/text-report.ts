import type { Report } from '../usecases/report.js';
import { type Locale, reportWords, type Table } from './report-tables.js';

/**
 * The report as terminal tables (`npm run report`), in Chinese by default or English. Columns are
 * aligned by display width: a Chinese character takes two columns.
 */
export type { Locale } from './report-tables.js';

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

/** The tables as aligned text. */
const show = (x: Table) => table(x.header, x.rows, x.numeric);

export function renderText(r: Report, locale: Locale = 'zh-CN', names: ReadonlyMap<string, string> = new Map(Object.entries(r.people ?? {}))): string {
  const { tables, say } = reportWords(r, locale, names);
  const out: string[] = [`${say.title} · ${say.subtitle}`, say.newLeads];
  const section = (title: string, body: string) => out.push('', `■ ${title}`, body);
  section(say.funnel, show(tables.funnel()));
  if (r.cohorts.length > 1) out.push('', say.cohorts, show(tables.cohorts()));
  section(say.velocity, r.velocity.overall.length ? show(tables.velocity()) : say.noMoves);
  if (new Set(r.velocity.byMonth.map((v) => v.month)).size > 1) out.push('', say.velocityByMonth, show(tables.velocityByMonth()));
  section(say.mlgTitle, `${say.mlg}\n${say.marketing}`);
  section(say.channels, show(tables.channels()));
  section(say.sla, show(tables.sla()));
  section(say.returns, r.returns.length ? show(tables.returns()) : say.noReturns);
  const shown = Math.min(20, r.stuck.slowest.length);
  const more = r.stuck.total > shown ? `\n${say.stuckShown(shown)}` : '';
  section(say.stuck, r.stuck.total ? `${show(tables.stuckByStage())}\n\n${show(tables.stuck(shown))}${more}` : say.noStuck);
  return `${out.join('\n')}\n`;
}
