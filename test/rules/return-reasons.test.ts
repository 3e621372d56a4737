import { describe, expect, it } from 'vitest';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { checkReturnRows, loadReturnReasons } from '../../src/rules/return-reasons.js';

const template = loadBaseTemplate();
const journey = loadJourney('default');

describe('退回原因 rows: where and to whom a returned lead comes back', () => {
  it('the shipped reasons: 预计一年后采购 and 暂无预算 back to MQL for the rep; 需求不明确 to MQL for the pool; 被竞争对手拿下 to 培育池', () => {
    const r = Object.fromEntries(loadReturnReasons(template, journey).map((x) => [x.option, [x.reengageDays, x.reengage.stage, x.reengage.to]]));
    expect(r).toEqual({
      预计一年后采购: [300, 'mql', 'owner'],
      需求不明确: [60, 'mql', 'pool'],
      被竞争对手拿下: [330, 'nurture', 'pool'],
      联系方式错误: [undefined, undefined, 'owner'],
      重复线索: [undefined, undefined, 'owner'],
      暂无预算: [180, 'mql', 'owner'],
      非目标客户: [undefined, undefined, 'owner'],
    });
  });

  it('another journey without those stages keeps the rows, without a stage to come back to', () => {
    const r = loadReturnReasons(template, loadJourney('lifecycle-9'));
    expect(r.find((x) => x.option === '预计一年后采购')!.reengage).toEqual({ stage: 'mql', to: 'owner' }); // its MQL (市场认可线索, code MQL)
    expect(r.find((x) => x.option === '被竞争对手拿下')!.reengage).toEqual({ stage: undefined, to: 'pool' });
  });

  it('a wrong row is named with what is wrong; the good rows stand', () => {
    const checked = checkReturnRows(
      [
        { 原因: '预计一年后采购', 扣分: 10, 去向: '培育池', 重新激活天数: 300, 重新激活阶段: '商机', 重新激活给: '重新分配' },
        { 原因: '需求不明确', 扣分: 10, 去向: '培育池', 重新激活天数: 60, 重新激活阶段: '火星' },
        { 原因: '暂无预算', 扣分: 10, 去向: '培育池', 重新激活天数: 60, 重新激活给: '老板' },
        { 原因: '非目标客户', 扣分: 10, 去向: '无效', 重新激活阶段: 'MQL' },
        // the card's 退回原因 menu needs unique values (the card documents: duplicates break the select)
        { 原因: '预计一年后采购', 扣分: 5, 去向: '培育池' },
      ],
      template,
      journey,
    );
    expect(checked.values.map((v) => [v.value.option, v.value.reengage])).toEqual([['预计一年后采购', { stage: 'opportunity', to: 'routing' }]]);
    expect(checked.problems.map((p) => [p.row, p.message.zh])).toEqual([
      [2, '「重新激活阶段」中的「火星」不是旅程的阶段（可选：线索、MQL、SQL、商机、成单、培育池、无效、输单）'],
      [3, '「重新激活给」须为 原跟进人、重新分配、线索池 之一'],
      [4, '填写了「重新激活阶段」或「重新激活给」，但「重新激活天数」为空'],
      [5, '与第 1 行重复（同一条件只能有一行）'],
    ]);
  });
});
