import { findStageByLabel, type Journey, type StageDef } from '../domain/journey.js';
import type { Text } from '../domain/text.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, optionsOf, problemsText, readRuleFile, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 退回原因 rows → the return taxonomy: what a rep's "return" with a reason does next. Columns: 原因 (an
 * option of the 线索 table's 退回原因 field), 英文 (the label in English), 扣分 (points off the score),
 * 去向 (培育池 / 无效 / 输单 / 数据清洗 / 合并), 重新激活天数 (the lead comes back that many days later;
 * empty: never), 通知 (roles of 销售团队 to tell, and/or 直属上级 — the returning rep's manager).
 * On the re-engage date: 重新激活阶段 (the stage it comes back to, e.g. MQL; empty: it stays where it is)
 * and 重新激活给 (原跟进人: offered again to the rep who returned it; 重新分配: to whom the 分配规则 pick;
 * 线索池: nobody owns it, the 通知 roles are reminded). Default 原跟进人.
 */
export type ReturnDestination = 'nurture' | 'disqualified' | 'lost' | 'cleansing' | 'merge';
export const DESTINATIONS: Record<string, ReturnDestination> = { 培育池: 'nurture', 无效: 'disqualified', 输单: 'lost', 数据清洗: 'cleansing', 合并: 'merge' };
export const MANAGER = 'manager';
export type ReengageTo = 'owner' | 'routing' | 'pool';
export const REENGAGE_TO: Record<string, ReengageTo> = { 原跟进人: 'owner', 重新分配: 'routing', 线索池: 'pool' };

export interface ReturnReason {
  option: string;
  label: Text;
  penalty: number;
  destination: ReturnDestination;
  reengageDays: number | undefined;
  /** on the re-engage date: the stage the lead comes back to (undefined: it stays) and who gets it */
  reengage: { stage: string | undefined; to: ReengageTo };
  /** role ids of 销售团队, or MANAGER */
  notify: string[];
}

/** A stage named by its label (zh or en), code (MQL) or id. */
const stageNamed = (journey: Journey, name: string): StageDef | undefined => findStageByLabel(journey, name) ?? journey.stages.find((s) => s.code === name);

export function returnRowChecker(template: BaseTemplate, journey: Journey) {
  const options = optionsOf(template, 'leads', '退回原因');
  const roleNames = template.roles ?? {};
  return function check(r: RuleRow): RowCheck<ReturnReason> {
    const option = str(r['原因']);
    if (!options.includes(option)) return rowError(`「${option}」不是「退回原因」字段的选项（可选：${options.join('、')}）`, `"${option}" is not an option of 退回原因 (${options.join(', ')})`);
    const penalty = num(r['扣分']) ?? 0;
    if (Number.isNaN(penalty) || penalty < 0 || penalty > 1000) return rowError('「扣分」须为 0–1000 的数字', '扣分 must be a number from 0 to 1000');
    const destination = DESTINATIONS[str(r['去向'])];
    if (!destination) return rowError(`「去向」须为 ${Object.keys(DESTINATIONS).join('、')} 之一`, `去向 must be one of ${Object.keys(DESTINATIONS).join(', ')}`);
    const days = num(r['重新激活天数']);
    if (days !== undefined && (Number.isNaN(days) || !Number.isInteger(days) || days < 1 || days > 1095)) return rowError('「重新激活天数」须为 1–1095 的整数，或留空', '重新激活天数 must be a whole number from 1 to 1095, or empty');
    const stageText = str(r['重新激活阶段']);
    const stage = stageText ? stageNamed(journey, stageText)?.id : undefined;
    if (stageText && !stage) return rowError(`「重新激活阶段」中的「${stageText}」不是旅程的阶段（可选：${journey.stages.map((s) => s.label.zh).join('、')}）`, `"${stageText}" in 重新激活阶段 is not a stage of the journey`);
    const toText = str(r['重新激活给']) || '原跟进人';
    const to = REENGAGE_TO[toText];
    if (!to) return rowError(`「重新激活给」须为 ${Object.keys(REENGAGE_TO).join('、')} 之一`, `重新激活给 must be one of ${Object.keys(REENGAGE_TO).join(', ')}`);
    if ((stage || str(r['重新激活给'])) && days === undefined) return rowError('填写了「重新激活阶段」或「重新激活给」，但「重新激活天数」为空', '重新激活阶段 or 重新激活给 is set but 重新激活天数 is empty');
    const notify: string[] = [];
    for (const n of list(r['通知'])) {
      if (n === '直属上级') notify.push(MANAGER);
      else if (roleNames[n]) notify.push(roleNames[n]);
      else return rowError(`「通知」中的「${n}」不是角色（可选：${[...Object.keys(roleNames), '直属上级'].join('、')}）`, `"${n}" in 通知 is not a role`);
    }
    const en = str(r['英文']) || option;
    return rowOk({ option, label: { zh: option, en }, penalty, destination, reengageDays: days, reengage: { stage, to }, notify });
  };
}

export function checkReturnRows(rows: readonly RuleRow[], template: BaseTemplate, journey: Journey): CheckedRows<ReturnReason> {
  return checkRows(rows, '原因', returnRowChecker(template, journey), (v) => v.option);
}

export function loadReturnReasons(template: BaseTemplate, journey: Journey, file?: string): ReturnReason[] {
  const f = readRuleFile('returns', file);
  // the shipped rows name the default journey's stages: for another journey a stage it lacks is left out
  const rows = f.rows.map((r) => (str(r['重新激活阶段']) && !stageNamed(journey, str(r['重新激活阶段'])) ? { ...r, 重新激活阶段: '' } : r));
  const checked = checkReturnRows(rows, template, journey);
  if (checked.problems.length) throw new Error(`退回原因有误 / return reasons are not usable: ${problemsText(f.file, checked.problems)}`);
  if (!checked.values.length) throw new Error(`${f.file}: at least one return reason is needed`);
  return checked.values.map((v) => v.value);
}
