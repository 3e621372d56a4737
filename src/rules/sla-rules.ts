import { checkRows, num, problemsText, readRuleFile, rowError, rowOk, str, type CheckedRows, type RowCheck, type RuleRow } from './rule-table.js';

/**
 * SLA 策略 rows → the service-level times and their escalation ladders. Columns: 环节 (接受线索: an
 * offered lead accepted, in working hours; 首次跟进: the first feedback after accepting, in working
 * days; 审批: an MQL→SQL approval card answered, in working hours), 时限, then the ladder — 提醒跟进人,
 * 通知直属上级, 改派他人: how many working hours after the time passes each step is taken (empty: not
 * taken; an approval is never reassigned). One row per 环节; a 环节 without a row keeps what is in force.
 * Hours and days count on the working calendar (docs/domain.md#slas-and-escalation).
 */
export type SlaStage = 'accept' | 'followUp' | 'approval';
export type LadderStep = { step: 'remind' | 'manager' | 'reassign'; afterWorkingHours: number };
export interface SlaRow {
  stage: SlaStage;
  /** working hours (accept, approval) or working days (followUp) */
  within: number;
  ladder: LadderStep[];
}

const STAGES: Record<string, { stage: SlaStage; unit: { zh: string; en: string }; max: number }> = {
  接受线索: { stage: 'accept', unit: { zh: '工作小时', en: 'working hours' }, max: 720 },
  首次跟进: { stage: 'followUp', unit: { zh: '工作日', en: 'working days' }, max: 90 },
  审批: { stage: 'approval', unit: { zh: '工作小时', en: 'working hours' }, max: 720 },
};
const STEPS: Array<[string, LadderStep['step']]> = [
  ['提醒跟进人', 'remind'],
  ['通知直属上级', 'manager'],
  ['改派他人', 'reassign'],
];
const MAX_AFTER = 720;

export function slaRowChecker() {
  return function check(r: RuleRow): RowCheck<SlaRow> {
    const name = str(r['环节']);
    const s = STAGES[name];
    if (!s) return rowError(`「环节」须为 ${Object.keys(STAGES).join('、')} 之一`, `环节 must be one of ${Object.keys(STAGES).join(', ')}`);
    const within = num(r['时限']);
    if (within === undefined || Number.isNaN(within) || within <= 0 || within > s.max)
      return rowError(`「${name}」的「时限」按${s.unit.zh}计，须为大于 0、不超过 ${s.max} 的数字`, `时限 of ${name} counts ${s.unit.en}: a number above 0 and at most ${s.max}`);
    const ladder: LadderStep[] = [];
    for (const [column, step] of STEPS) {
      const after = num(r[column]);
      if (after === undefined) continue;
      if (Number.isNaN(after) || after < 0 || after > MAX_AFTER)
        return rowError(`「${column}」是超时后多少个工作小时，须为 0–${MAX_AFTER} 的数字，或留空（不做这一步）`, `${column} is working hours after the time passes: 0–${MAX_AFTER}, or empty (no such step)`);
      if (step === 'reassign' && s.stage === 'approval') return rowError('审批不改派：「改派他人」请留空，用提醒和通知直属上级', 'an approval is not reassigned: leave 改派他人 empty');
      ladder.push({ step, afterWorkingHours: after });
    }
    // in time order; on a tie, remind → manager → reassign (the columns' order)
    ladder.sort((a, b) => a.afterWorkingHours - b.afterWorkingHours);
    return rowOk({ stage: s.stage, within, ladder });
  };
}

export function checkSlaRows(rows: readonly RuleRow[]): CheckedRows<SlaRow> {
  return checkRows(rows, '环节', slaRowChecker(), (v) => v.stage);
}

/** The SLA part of the assignment rules: the times and, when one passes with nobody acting, the ladder (each step once). */
export interface SlaPolicy {
  acceptWithinWorkingHours: number;
  followUpWithinWorkingDays: number;
  /** an approval card waiting longer than this starts the approval ladder */
  approvalWithinWorkingHours: number;
  escalation: Record<SlaStage, LadderStep[]>;
}

/** Put checked rows in force over `policy` (in place: the use cases hold this object); a 环节 without a row keeps its setting. */
export function applySla(policy: SlaPolicy, rows: readonly SlaRow[]): void {
  for (const r of rows) {
    if (r.stage === 'accept') policy.acceptWithinWorkingHours = r.within;
    else if (r.stage === 'followUp') policy.followUpWithinWorkingDays = r.within;
    else policy.approvalWithinWorkingHours = r.within;
    policy.escalation = { ...policy.escalation, [r.stage]: r.ladder };
  }
}

/** The shipped SLA 策略 (bitable-templates/rules/sla.json): every row valid and every 环节 present. */
export function loadSla(file?: string): SlaPolicy {
  const f = readRuleFile('sla', file);
  const checked = checkSlaRows(f.rows);
  if (checked.problems.length) throw new Error(`SLA 策略有误 / the SLA policy is not usable: ${problemsText(f.file, checked.problems)}`);
  const missing = Object.entries(STAGES).filter(([, s]) => !checked.values.some((v) => v.value.stage === s.stage));
  if (missing.length) throw new Error(`${f.file}: 缺少环节 / missing rows: ${missing.map(([n]) => n).join('、')}`);
  const policy = { escalation: {} } as SlaPolicy;
  applySla(
    policy,
    checked.values.map((v) => v.value),
  );
  return policy;
}
