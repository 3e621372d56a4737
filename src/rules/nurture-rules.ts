import { findStage, findStageByLabel, type Journey } from '../domain/journey.js';
import type { NurtureStep, NurtureTrigger } from '../domain/nurture.js';
import type { BaseTemplate } from './base-template.js';
import { checkRows, list, num, problemsText, readRuleFile, rowError, rowOk, stagesOf, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * 培育步骤 rows → nurture steps, each on the lead's own clock. Columns: 步骤 (name), 序列 (the sequence it
 * belongs to), 触发 (进入阶段: days after the lead entered one of 阶段; 沉默: days without any activity
 * while in one of 阶段 — the 30/45/60-day re-activation), 阶段 (stages, 、-separated), 第几天, 动作
 * (提醒卡片: a card to the owner with 内容, what to send; Webhook: a signed POST to Webhook地址 for a
 * marketing-automation tool), 内容, 接收人 (跟进人 and/or roles, the first that has someone), 遇互动停止 /
 * 分配后停止 (an activity, or an assignment, after the lead entered the stage ends its sequence).
 */
export type { NurtureStep, NurtureTrigger } from '../domain/nurture.js';

export const OWNER = 'owner';
const TRIGGERS: Record<string, NurtureTrigger> = { 进入阶段: 'stage', 沉默: 'silence' };
const ACTIONS: Record<string, NurtureStep['action']> = { 提醒卡片: 'card', Webhook: 'webhook' };

export function nurtureRowChecker(journey: Journey, template: BaseTemplate) {
  const roleIds = template.roles ?? {};
  return function check(r: RuleRow): RowCheck<NurtureStep> {
    const name = str(r['步骤']);
    if (!name) return rowError('「步骤」（名称）不能为空', '步骤 (the name) cannot be empty');
    const trigger = TRIGGERS[str(r['触发'])];
    if (!trigger) return rowError(`「触发」须为 ${Object.keys(TRIGGERS).join('、')} 之一`, `触发 must be one of ${Object.keys(TRIGGERS).join(', ')}`);
    const named = stagesOf(journey, r['阶段']);
    if (!named.ok) return named.error;
    const stages = named.stages.map((st) => st.id);
    const day = num(r['第几天']);
    if (day === undefined || Number.isNaN(day) || !Number.isInteger(day) || day < 0 || day > 730) return rowError('「第几天」须为 0–730 的整数', '第几天 must be a whole number from 0 to 730');
    const action = ACTIONS[str(r['动作'])];
    if (!action) return rowError(`「动作」须为 ${Object.keys(ACTIONS).join('、')} 之一`, `动作 must be one of ${Object.keys(ACTIONS).join(', ')}`);
    const content = str(r['内容']);
    if (!content) return rowError('「内容」不能为空：写明这一步要发送或要做的事', '内容 cannot be empty: say what to send or do');
    if (content.length > 500) return rowError('「内容」最多 500 字', '内容 is at most 500 characters');
    const url = str(r['Webhook地址']);
    if (action === 'webhook') {
      let u: URL | undefined;
      try {
        u = new URL(url);
      } catch {
        u = undefined;
      }
      if (!u || !(u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))))
        return rowError('动作为 Webhook 时须填写 https:// 开头的「Webhook地址」（本机测试可用 http://127.0.0.1）', 'a Webhook step needs an https:// Webhook地址 (http://127.0.0.1 for local tests)');
    }
    const recipients: string[] = [];
    for (const n of list(r['接收人']).length ? list(r['接收人']) : ['跟进人']) {
      if (n === '跟进人') recipients.push(OWNER);
      else if (roleIds[n]) recipients.push(roleIds[n]);
      else return rowError(`「接收人」中的「${n}」不是跟进人或角色（可选：跟进人、${Object.keys(roleIds).join('、')}）`, `"${n}" in 接收人 is neither 跟进人 nor a role`);
    }
    return rowOk({ name, sequence: str(r['序列']) || name, trigger, stages, day, action, content, recipients, ...(action === 'webhook' ? { url } : {}), stopOnActivity: r['遇互动停止'] === true, stopOnAssignment: r['分配后停止'] === true });
  };
}

export function checkNurtureRows(rows: readonly RuleRow[], journey: Journey, template: BaseTemplate): CheckedRows<NurtureStep> {
  return checkRows(rows, '步骤', nurtureRowChecker(journey, template), (v) => `${v.sequence}:${v.name}`);
}

/** The shipped 培育步骤; rows naming stages the journey does not have are left out (the presets differ). */
export function loadNurtureSteps(journey: Journey, template: BaseTemplate, file?: string): NurtureStep[] {
  const f = readRuleFile('nurture', file);
  const rows = f.rows.filter((r) => list(r['阶段']).some((s) => findStageByLabel(journey, s) ?? findStage(journey, s)));
  const checked = checkNurtureRows(
    rows.map((r) => ({ ...r, 阶段: list(r['阶段']).filter((s) => findStageByLabel(journey, s) ?? findStage(journey, s)) })),
    journey,
    template,
  );
  if (checked.problems.length) throw new Error(`培育步骤有误 / nurture steps are not usable: ${problemsText(f.file, checked.problems)}`);
  return checked.values.map((v) => v.value);
}
