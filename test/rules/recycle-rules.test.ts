import { describe, expect, it } from 'vitest';
import { convertedStages, daysLeft, protectionOf, recycleRuleFor } from '../../src/domain/pool.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { checkRecycleRows, loadRecycleRules } from '../../src/rules/recycle-rules.js';

const journey = loadJourney('default');
const DAY = 86_400_000;

describe('回收规则 rows: 保护期 and recycling', () => {
  it('the shipped rules: claimed pool leads 15 days (at most 60), sales follow-up 30 (at most 90), both told 3 days before, back to 培育池', () => {
    expect(loadRecycleRules(journey)).toEqual([
      { name: '公海领取', stages: ['nurture'], sources: [], days: 15, maxDays: 60, warnDays: 3, to: 'nurture' },
      { name: '销售跟进', stages: ['lead', 'mql', 'sql'], sources: [], days: 30, maxDays: 90, warnDays: 3, to: 'nurture' },
    ]);
  });

  it('the shipped rows load under every journey preset (rows naming stages a preset lacks are left out)', () => {
    for (const id of ['funnel-4', 'lifecycle-9']) expect(() => loadRecycleRules(loadJourney(id))).not.toThrow();
  });

  it.each([
    [{ 规则: '', 阶段: 'MQL', 保护期天数: 5, 回收到: '培育池' }, '「规则」（名称）不能为空'],
    [{ 规则: 'A', 阶段: '', 保护期天数: 5, 回收到: '培育池' }, '「阶段」不能为空'],
    [{ 规则: 'A', 阶段: '商机', 保护期天数: 5, 回收到: '培育池' }, '「商机」的线索不回收（已转化或已关闭）'],
    [{ 规则: 'A', 阶段: '成单', 保护期天数: 5, 回收到: '培育池' }, '「成单」的线索不回收'],
    [{ 规则: 'A', 阶段: '输单', 保护期天数: 5, 回收到: '培育池' }, '「输单」的线索不回收'],
    [{ 规则: 'A', 阶段: 'MQL', 回收到: '培育池' }, '「保护期天数」须为 1–365 的整数'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 0, 回收到: '培育池' }, '「保护期天数」须为 1–365 的整数'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 30, 最长保护天数: 20, 回收到: '培育池' }, '「最长保护天数」须为不小于保护期（30 天）的整数'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 5, 到期提醒天数: 5, 回收到: '培育池' }, '「到期提醒天数」须为 0 到 4 的整数'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 5 }, '「回收到」不能为空'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 5, 回收到: '无效' }, '「回收到」须为培育或进行中的阶段，不能是「无效」'],
    [{ 规则: 'A', 阶段: 'MQL', 保护期天数: 5, 回收到: '商机' }, '「回收到」不能是已转化的阶段「商机」'],
  ])('%o is refused: %s', (row, says) => {
    const { values, problems } = checkRecycleRows([row], journey);
    expect(values).toEqual([]);
    expect(problems[0]!.message.zh).toContain(says);
  });

  it('two rows of one name: the later is refused', () => {
    const row = { 规则: 'A', 阶段: 'MQL', 保护期天数: 5, 回收到: '培育池' };
    expect(checkRecycleRows([row, row], journey).problems.map((p) => [p.row, p.message.zh])).toEqual([[2, '与第 1 行同名']]);
  });

  it('converted stages: won stages, and 商机 and any open stage after it', () => {
    expect([...convertedStages(journey)].sort()).toEqual(['opportunity', 'won']);
    expect([...convertedStages(loadJourney('lifecycle-9'))].sort()).toEqual(['customer', 'opportunity']);
    expect([...convertedStages(loadJourney('funnel-4'))]).toEqual([]);
  });

  it('the first row matching the stage and source applies', () => {
    const rules = checkRecycleRows(
      [
        { 规则: '下载快回收', 阶段: '培育池', 来源渠道: ['内容下载'], 保护期天数: 5, 回收到: '培育池' },
        { 规则: '其他', 阶段: '培育池、MQL', 保护期天数: 15, 回收到: '培育池' },
      ],
      journey,
    ).values.map((v) => v.value);
    expect(recycleRuleFor(rules, 'nurture', '内容下载')?.name).toBe('下载快回收');
    expect(recycleRuleFor(rules, 'nurture', '官网咨询')?.name).toBe('其他');
    expect(recycleRuleFor(rules, 'sql', '官网咨询')).toBeUndefined();
    expect(recycleRuleFor(rules, null, '')).toBeUndefined();
  });

  it.each([
    // days after the follow-up, capped by the maximum after ownership began; warned warnDays before
    [{ ownedSince: 0, lastFollowUp: 0 }, 15, 12],
    [{ ownedSince: 0, lastFollowUp: 10 }, 25, 22],
    [{ ownedSince: 0, lastFollowUp: 50 }, 60, 57],
    [{ ownedSince: 10, lastFollowUp: 5 }, 25, 22], // a follow-up before it was theirs counts from the claim
  ])('protection of %o: ends day %i, warned day %i', (f, end, warn) => {
    const rule = { name: 'x', stages: ['nurture'], sources: [], days: 15, maxDays: 60, warnDays: 3, to: 'nurture' };
    const p = protectionOf(rule, { ownedSince: new Date(f.ownedSince * DAY), lastFollowUp: new Date(f.lastFollowUp * DAY) });
    expect([p.until.getTime() / DAY, p.warnAt!.getTime() / DAY]).toEqual([end, warn]);
  });

  it('days left round up, and are 0 once due', () => {
    expect([daysLeft(new Date(15 * DAY), new Date(0)), daysLeft(new Date(15 * DAY), new Date(DAY / 2)), daysLeft(new Date(DAY), new Date(2 * DAY))]).toEqual([15, 15, 0]);
  });
});
