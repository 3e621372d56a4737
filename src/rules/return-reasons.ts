import type { Text } from '../domain/text.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, optionsOf, problemsText, readRuleFile, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 退回原因 rows → the return taxonomy: what a rep's "return" with a reason does next. Columns: 原因 (an
 * option of the 线索 table's 退回原因 field), 英文 (the label in English), 扣分 (points off the score),
 * 去向 (培育池 / 无效 / 输单 / 数据清洗 / 合并), 重新激活天数 (a re-engage reminder that many days later;
 * empty: none), 通知 (roles of 销售团队 to tell, and/or 直属上级 — the returning rep's manager).
 */
export type ReturnDestination = 'nurture' | 'disqualified' | 'lost' | 'cleansing' | 'merge';
export const DESTINATIONS: Record<string, ReturnDestination> = { 培育池: 'nurture', 无效: 'disqualified', 输单: 'lost', 数据清洗: 'cleansing', 合并: 'merge' };
export const MANAGER = 'manager';

export interface ReturnReason {
  option: string;
  label: Text;
  penalty: number;
  destination: ReturnDestination;
  reengageDays: number | undefined;
  /** role ids of 销售团队, or MANAGER */
  notify: string[];
}

export function returnRowChecker(template: BaseTemplate) {
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
    const notify: string[] = [];
    for (const n of list(r['通知'])) {
      if (n === '直属上级') notify.push(MANAGER);
      else if (roleNames[n]) notify.push(roleNames[n]);
      else return rowError(`「通知」中的「${n}」不是角色（可选：${[...Object.keys(roleNames), '直属上级'].join('、')}）`, `"${n}" in 通知 is not a role`);
    }
    const en = str(r['英文']) || option;
    return rowOk({ option, label: { zh: option, en }, penalty, destination, reengageDays: days, notify });
  };
}

export function checkReturnRows(rows: readonly RuleRow[], template: BaseTemplate): CheckedRows<ReturnReason> {
  return checkRows(rows, '原因', returnRowChecker(template), (v) => v.option);
}

export function loadReturnReasons(template: BaseTemplate, file?: string): ReturnReason[] {
  const f = readRuleFile('returns', file);
  const checked = checkReturnRows(f.rows, template);
  if (checked.problems.length) throw new Error(`退回原因有误 / return reasons are not usable: ${problemsText(f.file, checked.problems)}`);
  if (!checked.values.length) throw new Error(`${f.file}: at least one return reason is needed`);
  return checked.values.map((v) => v.value);
}
