import { describe, expect, it } from 'vitest';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { checkNurtureRows, loadNurtureSteps } from '../../src/rules/nurture-rules.js';

const template = loadBaseTemplate();
const journey = loadJourney('default');

describe('培育步骤 rows', () => {
  it('the shipped steps: day 1, 3, 7 after entering the pool; 30, 45, 60 days of silence', () => {
    const steps = loadNurtureSteps(journey, template);
    expect(steps.filter((s) => s.trigger === 'stage').map((s) => [s.stages, s.day])).toEqual([
      [['nurture'], 1],
      [['nurture'], 3],
      [['nurture'], 7],
    ]);
    expect(steps.filter((s) => s.trigger === 'silence').map((s) => s.day)).toEqual([30, 45, 60]);
    expect(steps[0]!.recipients).toEqual(['owner', 'sdr']);
  });

  it('a wrong row gets a message naming what is wrong; the good rows stand', () => {
    const checked = checkNurtureRows(
      [
        { 步骤: '好', 触发: '进入阶段', 阶段: '培育池', 第几天: 2, 动作: '提醒卡片', 内容: '发资料' },
        { 步骤: '坏阶段', 触发: '进入阶段', 阶段: '火星', 第几天: 2, 动作: '提醒卡片', 内容: '发资料' },
        { 步骤: '坏天数', 触发: '沉默', 阶段: '培育池', 第几天: 'abc', 动作: '提醒卡片', 内容: '发资料' },
        { 步骤: '坏地址', 触发: '沉默', 阶段: '培育池', 第几天: 30, 动作: 'Webhook', 内容: '推送', Webhook地址: 'http://example.com/hook' },
        { 步骤: '坏接收人', 触发: '沉默', 阶段: '培育池', 第几天: 30, 动作: '提醒卡片', 内容: '推送', 接收人: '老板' },
      ],
      journey,
      template,
    );
    expect(checked.values.map((v) => v.value.name)).toEqual(['好']);
    expect(checked.problems.map((p) => [p.row, p.message.zh])).toEqual([
      [2, '「火星」不是旅程「默认线索旅程」的阶段'],
      [3, '「第几天」须为 0–730 的整数'],
      [4, '动作为 Webhook 时须填写 https:// 开头的「Webhook地址」（本机测试可用 http://127.0.0.1）'],
      [5, '「接收人」中的「老板」不是跟进人或角色（可选：跟进人、销售、SDR、市场总监、销售总监、法务、财务）'],
    ]);
  });
});
