import { describe, expect, it } from 'vitest';
import { loadJourney } from '../../src/rules/load-journey.js';
import { checkPoolRows, loadPoolRules } from '../../src/rules/pool-rules.js';

const journey = loadJourney('default');

describe('公海规则 rows: which leads are in the pool, and its caps', () => {
  it('the shipped pool: 培育池, 10 claims a day, 50 held, 7 days before a lead given back may be claimed again', () => {
    expect(loadPoolRules(journey)).toEqual([{ name: '培育池公海', stages: ['nurture'], perDay: 10, holding: 50, reclaimAfterDays: 7, announce: 'returned' }]);
  });

  it.each([
    [{ 规则: '', 阶段: '培育池' }, '「规则」（名称）不能为空'],
    [{ 规则: 'A', 阶段: '' }, '「阶段」不能为空'],
    [{ 规则: 'A', 阶段: '火星' }, '「火星」不是旅程'],
    [{ 规则: 'A', 阶段: '成单' }, '「成单」是成单阶段，不能作为公海'],
    [{ 规则: 'A', 阶段: '培育池', 每日领取上限: 0 }, '「每日领取上限」须为 1–10000 的整数'],
    [{ 规则: 'A', 阶段: '培育池', 持有上限: 2.5 }, '「持有上限」须为 1–10000 的整数'],
    [{ 规则: 'A', 阶段: '培育池', 退回后禁领天数: 400 }, '「退回后禁领天数」须为 0–365 的整数'],
    [{ 规则: 'A', 阶段: '培育池', 群内推送: '每小时' }, '「群内推送」须为 回流时、全部、不推送 之一'],
  ])('%o is refused: %s', (row, says) => {
    const { values, problems } = checkPoolRows([row], journey);
    expect(values).toEqual([]);
    expect(problems[0]!.message.zh).toContain(says);
  });

  it.each([
    ['回流时', 'returned'],
    ['全部', 'all'],
    ['不推送', 'none'],
    ['', 'returned'],
  ])('群内推送 %o → %s', (cell, announce) => {
    expect(checkPoolRows([{ 规则: 'A', 阶段: '培育池', 群内推送: cell }], journey).values[0]!.value.announce).toBe(announce);
  });

  it('a stage belongs to one pool: the later row naming it is refused', () => {
    const { values, problems } = checkPoolRows(
      [
        { 规则: '培育池公海', 阶段: ['培育池'] },
        { 规则: '输单公海', 阶段: ['输单', '培育池'] },
      ],
      journey,
    );
    expect(values.map((v) => v.value.name)).toEqual(['培育池公海']);
    expect(problems.map((p) => [p.row, p.message.zh])).toEqual([[2, '阶段「培育池」已属于第 1 行的公海（每个阶段只属于一条规则）']]);
  });
});
