import { findStage, findStageByLabel, type Journey } from '../domain/journey.js';
import type { PoolAnnounce, PoolRule } from '../domain/pool.js';
import { checkRows, list, num, problemsText, readRuleFile, rowError, rowOk, stagesOf, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 公海规则 rows → the lead pools. Columns: 规则 (name), 阶段 (the stages whose unowned leads are in this
 * pool), 每日领取上限 (claims per rep per day), 持有上限 (a rep may claim while holding fewer open leads),
 * 退回后禁领天数 (a rep cannot claim back a lead they gave back for this many days), 群内推送 (when the group
 * gets a card to claim from: 回流时 a lead someone followed comes back, 全部 every lead, 不推送 never).
 * Empty caps: no limit.
 */
export type { PoolRule } from '../domain/pool.js';

const cap = (v: unknown): number | undefined | 'bad' => {
  const n = num(v);
  if (n === undefined) return undefined;
  return Number.isNaN(n) || !Number.isInteger(n) || n < 1 || n > 10_000 ? 'bad' : n;
};

const ANNOUNCE: Record<string, PoolAnnounce> = { 回流时: 'returned', 全部: 'all', 不推送: 'none' };

export function poolRowChecker(journey: Journey) {
  return function check(r: RuleRow): RowCheck<PoolRule> {
    const name = str(r['规则']);
    if (!name) return rowError('「规则」（名称）不能为空', '规则 (the name) cannot be empty');
    const named = stagesOf(journey, r['阶段'], '「阶段」不能为空：选择哪些阶段的无人跟进线索属于公海');
    if (!named.ok) return named.error;
    const won = named.stages.find((st) => st.kind === 'won');
    if (won) return rowError(`「${won.label.zh}」是成单阶段，不能作为公海`, `"${won.label.en}" is a won stage, not a pool`);
    const stages = named.stages.map((st) => st.id);
    const perDay = cap(r['每日领取上限']);
    if (perDay === 'bad') return rowError('「每日领取上限」须为 1–10000 的整数，或留空（不限）', '每日领取上限 must be a whole number from 1 to 10000, or empty');
    const holding = cap(r['持有上限']);
    if (holding === 'bad') return rowError('「持有上限」须为 1–10000 的整数，或留空（不限）', '持有上限 must be a whole number from 1 to 10000, or empty');
    const days = num(r['退回后禁领天数']);
    if (days !== undefined && (Number.isNaN(days) || !Number.isInteger(days) || days < 0 || days > 365)) return rowError('「退回后禁领天数」须为 0–365 的整数，或留空', '退回后禁领天数 must be a whole number from 0 to 365, or empty');
    const announce = ANNOUNCE[str(r['群内推送']) || '回流时'];
    if (!announce) return rowError(`「群内推送」须为 ${Object.keys(ANNOUNCE).join('、')} 之一，或留空（回流时）`, `群内推送 must be one of ${Object.keys(ANNOUNCE).join(', ')}, or empty`);
    return rowOk({ name, stages, perDay, holding, reclaimAfterDays: days ?? 0, announce });
  };
}

/** A stage in two pools is refused on the later row (the stage would not know its rules). */
export function checkPoolRows(rows: readonly RuleRow[], journey: Journey): CheckedRows<PoolRule> {
  const checked = checkRows(rows, '规则', poolRowChecker(journey), (v) => v.name);
  const seen = new Map<string, number>();
  const values: CheckedRows<PoolRule>['values'] = [];
  for (const v of checked.values) {
    const clash = v.value.stages.find((s) => seen.has(s));
    if (clash !== undefined) {
      checked.problems.push({
        row: v.row,
        name: v.value.name,
        message: { zh: `阶段「${findStage(journey, clash)?.label.zh ?? clash}」已属于第 ${seen.get(clash)} 行的公海（每个阶段只属于一条规则）`, en: `stage ${clash} is already in the pool of row ${seen.get(clash)}` },
      });
      continue;
    }
    for (const s of v.value.stages) seen.set(s, v.row);
    values.push(v);
  }
  checked.problems.sort((a, b) => a.row - b.row);
  return { values, problems: checked.problems };
}

/** The shipped 公海规则; rows naming stages the journey lacks are left out (the presets differ). */
export function loadPoolRules(journey: Journey, file?: string): PoolRule[] {
  const f = readRuleFile('pool', file);
  const rows = f.rows.filter((r) => list(r['阶段']).every((s) => findStageByLabel(journey, s) ?? findStage(journey, s)));
  const checked = checkPoolRows(rows, journey);
  if (checked.problems.length) throw new Error(`公海规则有误 / pool rules are not usable: ${problemsText(f.file, checked.problems)}`);
  return checked.values.map((v) => v.value);
}
