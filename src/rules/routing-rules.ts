import { isPersonId } from '../domain/people.js';
import type { RouteMode, RouteWhen, RoutingRule } from '../domain/routing.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, optionsOf, problemsText, readRuleFile, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 分配规则 rows → ordered routing rules. Columns: 规则 (name), 适用 (新线索 and/or 移交: when a lead comes
 * in, or when it enters a hand-off stage such as SQL), the conditions 来源渠道 / 地区 / 行业 / 公司规模
 * (options of those 线索 fields; empty: any) and 最低分 / 最高分, then 分配方式:
 * 团队 (round robin in 团队), 按地区行业 (the reps whose 负责地区 and 负责行业 fit), 全部销售, 线索池
 * (nurture until the score crosses the threshold), 分享人 (the rep in 分享人), 指定成员 (成员), and 分配时段
 * (工作时间: a lead arriving outside working time waits for the next working period; 全天 or empty: at
 * any hour). Rows apply in order (顺序, then row order); the first that can place the lead decides.
 */
const MODES: Record<string, RouteMode> = { 团队: 'team', 按地区行业: 'territory', 全部销售: 'all', 线索池: 'pool', 分享人: 'sharer', 指定成员: 'person' };
const WHEN: Record<string, RouteWhen> = { 新线索: 'new', 移交: 'handoff' };
const HOURS: Record<string, 'working' | 'always'> = { 工作时间: 'working', 全天: 'always' };

export function routingRowChecker(template: BaseTemplate) {
  const teams = optionsOf(template, 'reps', '团队');
  return function check(r: RuleRow): RowCheck<RoutingRule & { order: number }> {
    const name = str(r['规则']);
    if (!name) return rowError('「规则」（名称）不能为空', '规则 (the name) cannot be empty');
    const whenNames = list(r['适用']);
    const when = whenNames.map((w) => WHEN[w]);
    if (!whenNames.length || when.some((w) => !w)) return rowError(`「适用」须为 ${Object.keys(WHEN).join('、')}（可多选）`, `适用 must be ${Object.keys(WHEN).join(' and/or ')}`);
    const conditions: Record<string, string[]> = {};
    for (const field of ['来源渠道', '地区', '行业', '公司规模']) {
      const values = list(r[field]);
      const options = optionsOf(template, 'leads', field);
      const bad = values.filter((v) => !options.includes(v));
      if (bad.length) return rowError(`「${bad.join('、')}」不是「${field}」的选项（可选：${options.join('、')}）`, `"${bad.join(', ')}" is not an option of ${field}`);
      conditions[field] = values;
    }
    const minScore = num(r['最低分']);
    const maxScore = num(r['最高分']);
    if (Number.isNaN(minScore) || Number.isNaN(maxScore)) return rowError('「最低分」「最高分」须为数字', '最低分 and 最高分 must be numbers');
    if (minScore !== undefined && maxScore !== undefined && minScore > maxScore) return rowError('「最低分」不能大于「最高分」', '最低分 cannot be above 最高分');
    const modeName = str(r['分配方式']);
    const mode = MODES[modeName];
    if (!mode) return rowError(`「分配方式」须为 ${Object.keys(MODES).join('、')} 之一`, `分配方式 must be one of ${Object.keys(MODES).join(', ')}`);
    if (mode === 'pool' && !when.includes('new')) return rowError('「线索池」只适用于新线索（已移交的线索不回池，请用退回原因）', 'the pool is for new leads only (a handed-off lead goes back through a return reason)');
    const team = str(r['团队']);
    if (mode === 'team' && !teams.includes(team)) return rowError(`分配方式为「团队」时须选择团队（可选：${teams.join('、')}）`, `分配方式 团队 needs a 团队 (${teams.join(', ')})`);
    const person = list(r['成员'])[0];
    if (mode === 'person' && !isPersonId(person)) return rowError('分配方式为「指定成员」时须填写「成员」', '分配方式 指定成员 needs a 成员');
    const hours = HOURS[str(r['分配时段']) || '全天'];
    if (!hours) return rowError(`「分配时段」须为 ${Object.keys(HOURS).join('、')} 之一，或留空（全天）`, `分配时段 must be one of ${Object.keys(HOURS).join(', ')}, or empty`);
    const order = num(r['顺序']);
    if (Number.isNaN(order)) return rowError('「顺序」须为数字', '顺序 must be a number');
    return rowOk({
      name,
      order: order ?? Number.MAX_SAFE_INTEGER,
      when: when as RouteWhen[],
      sources: conditions['来源渠道']!,
      regions: conditions['地区']!,
      industries: conditions['行业']!,
      sizes: conditions['公司规模']!,
      ...(minScore !== undefined ? { minScore } : {}),
      ...(maxScore !== undefined ? { maxScore } : {}),
      mode,
      ...(mode === 'team' ? { team } : {}),
      ...(mode === 'person' ? { person: person! } : {}),
      ...(hours === 'working' ? { hours } : {}),
    });
  };
}

export function checkRoutingRows(rows: readonly RuleRow[], template: BaseTemplate): CheckedRows<RoutingRule & { order: number }> {
  return checkRows(rows, '规则', routingRowChecker(template), (v) => v.name);
}

/** In order: 顺序 first, then the order of the rows. */
export function compileRouting(rows: ReadonlyArray<{ row: number; value: RoutingRule & { order: number } }>): RoutingRule[] {
  return [...rows].sort((a, b) => a.value.order - b.value.order || a.row - b.row).map(({ value: { order: _o, ...rule } }) => rule);
}

export function loadRoutingRules(template: BaseTemplate, file?: string): RoutingRule[] {
  const f = readRuleFile('routing', file);
  const checked = checkRoutingRows(f.rows, template);
  if (checked.problems.length) throw new Error(`分配规则有误 / routing rules are not usable: ${problemsText(f.file, checked.problems)}`);
  return compileRouting(checked.values);
}
