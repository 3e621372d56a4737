import { findStage, findStageByLabel, type Journey } from '../domain/journey.js';
import type { FitFact, Grade, ScoringRules } from '../domain/scoring.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, optionsOf, problemsText, readRuleFile, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 评分规则 rows → the scoring rules. Columns: 规则 (name), 类别, 匹配, 分值, 周期上限, 周期天数, 启用.
 * 类别 says what a row scores:
 * - 来源渠道 / 行业 / 公司规模 / 地区: 匹配 is one or more options of that field of 线索 (、-separated);
 * - 职位: 匹配 is keywords; a title containing one scores;
 * - 行为: 匹配 is an 活动类型 option; 周期上限 with 周期天数 caps its points over a rolling window;
 * - 沉默衰减: 匹配 is a number of days without interaction; 分值 is negative;
 * - 等级: 匹配 is A, B or C; 分值 is the fit points (industry, size, title, region) it takes;
 * - 阈值: 匹配 is a stage; 分值 is the score at which a lead moves there (or asks to, through its gate).
 */
export const SCORING_CATEGORIES = ['来源渠道', '行业', '公司规模', '职位', '地区', '行为', '沉默衰减', '等级', '阈值'] as const;
type Category = (typeof SCORING_CATEGORIES)[number];
const FIT_OF: Partial<Record<Category, FitFact>> = { 行业: 'industry', 公司规模: 'size', 职位: 'title', 地区: 'region' };
const FIELD_OF: Partial<Record<Category, string>> = { 来源渠道: '来源渠道', 行业: '行业', 公司规模: '公司规模', 地区: '地区' };

export type ScoringRow =
  | { category: '来源渠道'; match: string[]; points: number; label: string }
  | { category: 'fit'; fact: FitFact; match: string[]; points: number; label: string }
  | { category: '行为'; match: string; points: number; cap?: { points: number; days: number }; label: string }
  | { category: '沉默衰减'; days: number; points: number }
  | { category: '等级'; grade: Grade; minFit: number }
  | { category: '阈值'; stage: string; score: number };

const keyOf = (r: ScoringRow): string => {
  switch (r.category) {
    case '来源渠道':
      return `source:${[...r.match].sort().join('|')}`;
    case 'fit':
      return `${r.fact}:${[...r.match].sort().join('|')}`;
    case '行为':
      return `act:${r.match}`;
    case '沉默衰减':
      return `decay:${r.days}`;
    case '等级':
      return `grade:${r.grade}`;
    case '阈值':
      return `threshold:${r.stage}`;
  }
};

export function scoringRowChecker(journey: Journey, template: BaseTemplate) {
  const activityTypes = optionsOf(template, 'activities', '活动类型');
  return function check(r: RuleRow): RowCheck<ScoringRow> {
    const category = str(r['类别']) as Category;
    if (!SCORING_CATEGORIES.includes(category)) return rowError(`「类别」须为 ${SCORING_CATEGORIES.join('、')} 之一`, `类别 must be one of ${SCORING_CATEGORIES.join(', ')}`);
    const points = num(r['分值']);
    if (points === undefined || Number.isNaN(points)) return rowError('「分值」须为数字', '分值 must be a number');
    if (Math.abs(points) > 1000) return rowError('「分值」须在 -1000 到 1000 之间', '分值 must be between -1000 and 1000');
    const name = str(r['规则']);
    const field = FIELD_OF[category];
    if (field || category === '职位') {
      const match = list(r['匹配']);
      if (!match.length) return rowError('「匹配」不能为空', '匹配 cannot be empty');
      if (field) {
        const options = optionsOf(template, 'leads', field);
        const bad = match.filter((m) => !options.includes(m));
        if (bad.length) return rowError(`「${bad.join('、')}」不是「${field}」的选项（可选：${options.join('、')}）`, `"${bad.join(', ')}" is not an option of ${field} (${options.join(', ')})`);
      }
      const label = name || match.join('、');
      if (category === '来源渠道') return rowOk({ category, match, points, label });
      return rowOk({ category: 'fit', fact: FIT_OF[category]!, match, points, label });
    }
    if (category === '行为') {
      const match = str(r['匹配']);
      if (!activityTypes.includes(match)) return rowError(`「${match}」不是「活动类型」的选项（可选：${activityTypes.join('、')}）`, `"${match}" is not an 活动类型 option (${activityTypes.join(', ')})`);
      const capPoints = num(r['周期上限']);
      const capDays = num(r['周期天数']);
      if ((capPoints === undefined) !== (capDays === undefined)) return rowError('「周期上限」和「周期天数」须同时填写或同时留空', '周期上限 and 周期天数 go together');
      if (capPoints !== undefined && (Number.isNaN(capPoints) || capPoints <= 0)) return rowError('「周期上限」须为正数', '周期上限 must be a positive number');
      if (capDays !== undefined && (Number.isNaN(capDays) || !Number.isInteger(capDays) || capDays < 1 || capDays > 365)) return rowError('「周期天数」须为 1–365 的整数', '周期天数 must be a whole number from 1 to 365');
      if (points <= 0) return rowError('行为的「分值」须为正数', 'a behaviour scores positive points');
      return rowOk({ category, match, points, label: name || match, ...(capPoints !== undefined ? { cap: { points: capPoints, days: capDays! } } : {}) });
    }
    if (category === '沉默衰减') {
      const days = num(r['匹配']);
      if (days === undefined || Number.isNaN(days) || !Number.isInteger(days) || days < 1 || days > 730) return rowError('沉默衰减的「匹配」须为天数（1–730 的整数）', 'for 沉默衰减, 匹配 is a number of days (1–730)');
      if (points >= 0) return rowError('沉默衰减的「分值」须为负数（扣分）', 'a decay tier takes points off: 分值 must be negative');
      return rowOk({ category, days, points });
    }
    if (category === '等级') {
      const grade = str(r['匹配']).toUpperCase();
      if (!['A', 'B', 'C'].includes(grade)) return rowError('等级的「匹配」须为 A、B 或 C（其余为 D）', 'for 等级, 匹配 is A, B or C (the rest is D)');
      if (points < 0) return rowError('等级的「分值」是所需的画像分，须 ≥ 0', 'for 等级, 分值 is the fit points it takes (≥ 0)');
      return rowOk({ category, grade: grade as Grade, minFit: points });
    }
    const stageName = str(r['匹配']);
    const stage = findStage(journey, stageName) ?? findStage(journey, stageName.toLowerCase()) ?? findStageByLabel(journey, stageName);
    if (!stage) return rowError(`「${stageName}」不是旅程「${journey.name.zh}」的阶段`, `"${stageName}" is not a stage of journey ${journey.id}`);
    if (!journey.transitions.some((t) => t.to === stage.id && t.kind === 'forward')) return rowError(`没有前进到「${stage.label.zh}」的转换，阈值不会生效`, `no forward transition leads to ${stage.label.en}`);
    if (points < 0) return rowError('阈值的「分值」须 ≥ 0', 'a threshold is ≥ 0');
    return rowOk({ category: '阈值', stage: stage.id, score: points });
  };
}

export function checkScoringRows(rows: readonly RuleRow[], journey: Journey, template: BaseTemplate): CheckedRows<ScoringRow> {
  return checkRows(rows, '规则', scoringRowChecker(journey, template), keyOf);
}

export function compileScoring(rows: ReadonlyArray<{ value: ScoringRow }>): ScoringRules {
  const source = new Map<string, { points: number; label: string }>();
  const fit: Array<ScoringRules['fit'][number]> = [];
  const behaviour = new Map<string, { points: number; cap?: { points: number; days: number }; label: string }>();
  const decay: Array<{ days: number; points: number }> = [];
  const grades: Array<{ grade: Grade; minFit: number }> = [];
  const thresholds = new Map<string, number>();
  for (const { value: r } of rows) {
    if (r.category === '来源渠道') for (const m of r.match) source.set(m, { points: r.points, label: r.label });
    else if (r.category === 'fit') fit.push({ fact: r.fact, match: r.match, points: r.points, label: r.label });
    else if (r.category === '行为') behaviour.set(r.match, { points: r.points, label: r.label, ...(r.cap ? { cap: r.cap } : {}) });
    else if (r.category === '沉默衰减') decay.push({ days: r.days, points: r.points });
    else if (r.category === '等级') grades.push({ grade: r.grade, minFit: r.minFit });
    else thresholds.set(r.stage, r.score);
  }
  return { source, fit, behaviour, decay: decay.sort((a, b) => a.days - b.days), grades: grades.sort((a, b) => b.minFit - a.minFit), thresholds };
}

/** The shipped 评分规则 (bitable-templates/rules/scoring.json): every row must be valid. */
export function loadScoringRules(journey: Journey, template: BaseTemplate, file?: string): ScoringRules {
  const f = readRuleFile('scoring', file);
  const checked = checkScoringRows(f.rows, journey, template);
  if (checked.problems.length) throw new Error(`评分规则有误 / scoring rules are not usable: ${problemsText(f.file, checked.problems)}`);
  return compileScoring(checked.values);
}
