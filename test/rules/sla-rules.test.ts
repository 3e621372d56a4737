import { describe, expect, it } from 'vitest';
import { applySla, checkSlaRows, loadSla } from '../../src/rules/sla-rules.js';

describe('SLA 策略 rows: service times and what happens when nobody acts', () => {
  it('the shipped policy: accept within 4 working hours, first feedback within 5 working days, approval within 4; ladders in time order', () => {
    expect(loadSla()).toEqual({
      acceptWithinWorkingHours: 4,
      followUpWithinWorkingDays: 5,
      approvalWithinWorkingHours: 4,
      escalation: {
        accept: [
          { step: 'remind', afterWorkingHours: 0 },
          { step: 'manager', afterWorkingHours: 2 },
          { step: 'reassign', afterWorkingHours: 4 },
        ],
        followUp: [
          { step: 'remind', afterWorkingHours: 0 },
          { step: 'manager', afterWorkingHours: 7.5 },
        ],
        approval: [
          { step: 'remind', afterWorkingHours: 0 },
          { step: 'manager', afterWorkingHours: 4 },
        ],
      },
    });
  });

  it.each([
    [{ 环节: '报价', 时限: 4 }, '「环节」须为 接受线索、首次跟进、审批 之一'],
    [{ 环节: '接受线索' }, '「接受线索」的「时限」按工作小时计，须为大于 0、不超过 720 的数字'],
    [{ 环节: '首次跟进', 时限: 120 }, '「首次跟进」的「时限」按工作日计，须为大于 0、不超过 90 的数字'],
    [{ 环节: '接受线索', 时限: '四小时' }, '「接受线索」的「时限」按工作小时计'],
    [{ 环节: '接受线索', 时限: 4, 通知直属上级: -1 }, '「通知直属上级」是超时后多少个工作小时，须为 0–720 的数字，或留空（不做这一步）'],
    [{ 环节: '审批', 时限: 4, 改派他人: 8 }, '审批不改派'],
  ])('%o is refused: %s', (row, says) => {
    const checked = checkSlaRows([row]);
    expect(checked.values).toEqual([]);
    expect(checked.problems[0]!.message.zh).toContain(says);
    expect(checked.problems[0]!.message.en).toMatch(/\w/);
  });

  it('one row per 环节; steps sort by their hours (a tie keeps remind → manager → reassign); empty steps are not taken', () => {
    const checked = checkSlaRows([
      { 环节: '接受线索', 时限: 2, 提醒跟进人: 1, 通知直属上级: 1, 改派他人: 0.5 },
      { 环节: '接受线索', 时限: 3 },
    ]);
    expect(checked.problems.map((p) => [p.row, p.message.zh])).toEqual([[2, '与第 1 行重复（同一条件只能有一行）']]);
    expect(checked.values[0]!.value.ladder).toEqual([
      { step: 'reassign', afterWorkingHours: 0.5 },
      { step: 'remind', afterWorkingHours: 1 },
      { step: 'manager', afterWorkingHours: 1 },
    ]);
  });

  it('applied in place: a 环节 without a row keeps its setting', () => {
    const policy = loadSla();
    const held = policy;
    const before = structuredClone(policy);
    applySla(
      policy,
      checkSlaRows([{ 环节: '首次跟进', 时限: 3, 通知直属上级: 4 }]).values.map((v) => v.value),
    );
    expect(policy).toBe(held);
    expect(policy).toEqual({ ...before, followUpWithinWorkingDays: 3, escalation: { ...before.escalation, followUp: [{ step: 'manager', afterWorkingHours: 4 }] } });
  });
});
