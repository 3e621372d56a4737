import { findStage, findStageByLabel, type Journey } from '../domain/journey.js';
import { convertedStages, type RecycleRule } from '../domain/pool.js';
import { checkRows, list, num, problemsText, readRuleFile, rowError, rowOk, stagesOf, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 回收规则 rows → 保护期 and recycling. Columns: 规则 (name), 阶段 (the stages whose owned leads are
 * protected), 来源渠道 (only leads from these sources; empty: any), 保护期天数 (days after the latest
 * follow-up), 最长保护天数 (at most this many days after the lead became the owner's; empty: no limit),
 * 到期提醒天数 (the owner is told this many days before; empty or 0: not told), 回收到 (the pool stage the
 * lead goes back to). The first row matching a lead's stage and source applies. Converted stages (商机
 * and beyond) are refused: a lead there is never recycled.
 */
export type { RecycleRule } from '../domain/pool.js';

const whole = (v: unknown, min: number, max: number): number | undefined | 'bad' => {
  const n = num(v);
  if (n === undefined) return undefined;
  return Number.isNaN(n) || !Number.isInteger(n) || n < min || n > max ? 'bad' : n;
};

export function recycleRowChecker(journey: Journey) {
  const converted = convertedStages(journey);
  return function check(r: RuleRow): RowCheck<RecycleRule> {
    const name = str(r['规则']);
    if (!name) return rowError('「规则」（名称）不能为空', '规则 (the name) cannot be empty');
    const named = stagesOf(journey, r['阶段'], '「阶段」不能为空：选择哪些阶段的线索有保护期');
    if (!named.ok) return named.error;
    const done = named.stages.find((st) => converted.has(st.id) || st.kind === 'lost' || st.kind === 'disqualified');
    if (done) return rowError(`「${done.label.zh}」的线索不回收（已转化或已关闭）`, `leads at "${done.label.en}" are never recycled (converted or closed)`);
    const days = whole(r['保护期天数'], 1, 365);
    if (days === undefined || days === 'bad') return rowError('「保护期天数」须为 1–365 的整数', '保护期天数 must be a whole number from 1 to 365');
    const maxDays = whole(r['最长保护天数'], 1, 3650);
    if (maxDays === 'bad' || (maxDays !== undefined && maxDays < days)) return rowError(`「最长保护天数」须为不小于保护期（${days} 天）的整数，或留空（不限）`, `最长保护天数 must be a whole number of at least ${days}, or empty`);
    const warnDays = whole(r['到期提醒天数'], 0, 365) ?? 0;
    if (warnDays === 'bad' || warnDays >= days) return rowError(`「到期提醒天数」须为 0 到 ${days - 1} 的整数，或留空（不提醒）`, `到期提醒天数 must be a whole number from 0 to ${days - 1}, or empty`);
    const toName = str(r['回收到']);
    const to = toName ? (findStageByLabel(journey, toName) ?? findStage(journey, toName)) : undefined;
    if (!to) return rowError(toName ? `「${toName}」不是旅程「${journey.name.zh}」的阶段` : '「回收到」不能为空：选择回收后进入的阶段（公海）', toName ? `"${toName}" is not a stage of journey ${journey.id}` : '回收到 cannot be empty');
    if (to.kind !== 'nurture' && to.kind !== 'open') return rowError(`「回收到」须为培育或进行中的阶段，不能是「${to.label.zh}」`, `回收到 must be a nurture or open stage, not "${to.label.en}"`);
    if (converted.has(to.id)) return rowError(`「回收到」不能是已转化的阶段「${to.label.zh}」`, `回收到 cannot be the converted stage "${to.label.en}"`);
    return rowOk({ name, stages: named.stages.map((s) => s.id), sources: list(r['来源渠道']), days, maxDays, warnDays, to: to.id });
  };
}

export const checkRecycleRows = (rows: readonly RuleRow[], journey: Journey): CheckedRows<RecycleRule> =>
  checkRows(
    rows,
    '规则',
    recycleRowChecker(journey),
    (v) => v.name,
    (first) => ({ zh: `与第 ${first} 行同名`, en: `has the name of row ${first}` }),
  );

/** The shipped 回收规则; rows naming stages the journey lacks are left out (the presets differ). */
export function loadRecycleRules(journey: Journey, file?: string): RecycleRule[] {
  const f = readRuleFile('recycle', file);
  const known = (s: string) => findStageByLabel(journey, s) ?? findStage(journey, s);
  const rows = f.rows.filter((r) => list(r['阶段']).every(known) && known(str(r['回收到'])));
  const checked = checkRecycleRows(rows, journey);
  if (checked.problems.length) throw new Error(`回收规则有误 / recycling rules are not usable: ${problemsText(f.file, checked.problems)}`);
  return checked.values.map((v) => v.value);
}
