import { describe, expect, it } from 'vitest';
import { activityPoints, clampDelta, decayDue, gradeOf, nextDecayAt, profileDeltas, profilePoints, reasonsText, thresholdTarget, topReasons, type LedgerLine } from '../../src/domain/scoring.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { loadScoringRules } from '../../src/rules/scoring-rules.js';

const journey = loadJourney('default');
const rules = loadScoringRules(journey, loadBaseTemplate());
const DAY = 86_400_000;
const T0 = new Date(Date.UTC(2026, 10, 2, 2));
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const line = (reasonCode: string, delta: number, days: number, detail: string | null = null): LedgerLine => ({ reasonCode, delta, at: at(days), detail });

describe('profile points (shipped 评分规则)', () => {
  it.each([
    [{ source: '官网咨询' }, 25],
    [{ source: '内容下载' }, 5],
    [{ source: '内容下载', industry: '制造业', size: '1000人以上', title: '设备部经理', region: '华东' }, 5 + 10 + 15 + 10 + 5],
    [{ source: '其他', industry: '教育', size: '1-49人', title: '老师', region: '西南' }, 0],
    [{ title: 'CTO' }, 10],
    [{ title: 'cto' }, 10],
    [{ industry: '金融', size: '200-999人' }, 8 + 12],
    [{}, 0],
  ])('%j → %i points', (facts, points) => {
    expect([...profilePoints(rules, facts).values()].reduce((s, p) => s + p.points, 0)).toBe(points);
  });

  it('an edited fact changes the points by the difference, one entry; the same facts again change nothing', () => {
    const first = profileDeltas(rules, { source: '官网咨询', industry: '教育' }, []);
    expect(first).toEqual([{ reasonCode: 'source', delta: 25, detail: '来源：官网咨询' }]);
    const ledger = first.map((d) => line(d.reasonCode, d.delta, 0, d.detail));
    expect(profileDeltas(rules, { source: '官网咨询', industry: '教育' }, ledger)).toEqual([]);
    expect(profileDeltas(rules, { source: '内容下载', industry: '制造业' }, ledger)).toEqual([
      { reasonCode: 'source', delta: -20, detail: '来源：内容下载' },
      { reasonCode: 'fit:industry', delta: 10, detail: '重点行业' },
    ]);
    expect(profileDeltas(rules, {}, ledger)).toEqual([{ reasonCode: 'source', delta: -25, detail: '来源（不再计分）' }]);
  });

  it.each([
    [{ industry: '制造业', size: '1000人以上', title: '总监', region: '华东' }, 'A'],
    [{ industry: '制造业', size: '200-999人' }, 'B'],
    [{ size: '200-999人' }, 'C'],
    [{ region: '华东' }, 'D'],
    [{ source: '官网咨询' }, 'D'],
  ])('grade of %j is %s (fit only, not the source)', (facts, grade) => {
    expect(gradeOf(rules, facts)).toBe(grade);
  });
});

describe('behaviour points with caps per period', () => {
  it.each([
    ['申请演示', [], 25],
    ['申请演示', [line('behaviour:申请演示', 25, -29)], 0],
    ['申请演示', [line('behaviour:申请演示', 25, -31)], 25],
    ['访问价格页', [line('behaviour:访问价格页', 8, -1)], 8],
    ['访问价格页', [line('behaviour:访问价格页', 8, -1), line('behaviour:访问价格页', 8, -2)], 0],
    ['访问价格页', [line('behaviour:访问价格页', 8, -1), line('behaviour:访问价格页', 4, -2)], 4],
    ['访问价格页', [line('behaviour:访问价格页', 8, -8), line('behaviour:访问价格页', 8, -9)], 8],
    ['下载资料', [line('behaviour:参加直播', 20, 0)], 5],
  ])('%s after %j scores %i', (type, ledger, points) => {
    expect(activityPoints(rules, type, T0, ledger)?.delta).toBe(points);
  });

  it('an unknown activity type scores nothing', () => {
    expect(activityPoints(rules, '发传真', T0, [])).toBeUndefined();
  });
});

describe('decay for silence, in tiers, each once per silence', () => {
  it.each([
    [13, 0, []],
    [14, 0, [14]],
    [29, 14, []],
    [30, 14, [30]],
    [61, 0, [14, 30, 60]],
    [61, 60, []],
  ])('silent %i days, decayed for %i: tiers %j due', (days, already, tiers) => {
    expect(decayDue(rules, T0, already, at(days)).map((t) => t.days)).toEqual(tiers);
  });

  it('the next tier is scheduled from the start of the silence; none after the last', () => {
    expect(nextDecayAt(rules, T0, 0)).toEqual(at(14));
    expect(nextDecayAt(rules, T0, 14)).toEqual(at(30));
    expect(nextDecayAt(rules, T0, 60)).toBeUndefined();
  });

  it.each([
    [50, -10, -10],
    [5, -10, -5],
    [0, -20, 0],
    [0, 5, 5],
  ])('score %i with %i → %i (never below zero)', (score, delta, applied) => {
    expect(clampDelta(score, delta)).toBe(applied);
  });
});

describe('crossing a threshold moves the lead on by a forward transition', () => {
  it.each([
    ['lead', 0, 39, undefined],
    ['lead', 0, 40, 'mql'],
    ['lead', 39, 40, 'mql'],
    ['lead', 40, 45, undefined],
    ['nurture', 30, 45, 'mql'],
    ['nurture', 50, 55, undefined],
    ['mql', 50, 59, undefined],
    ['mql', 50, 60, 'sql'],
    ['mql', 70, 60, undefined],
    ['lead', 0, 80, 'mql'],
    ['sql', 0, 99, undefined],
    ['disqualified', 0, 99, undefined],
  ])('%s from %i to %i → %s', (stage, before, score, to) => {
    expect(thresholdTarget(rules, journey, stage, score, before)?.to).toBe(to);
  });
});

describe('the top reasons', () => {
  it('sums per reason, strongest first, zero sums left out', () => {
    const ledger = [
      line('source', 25, 0, '来源：官网咨询'),
      line('fit:size', 15, 0, '大型企业'),
      line('decay', -10, 14, '沉默14天'),
      line('decay', -20, 30, '沉默30天'),
      line('fit:region', 5, 0, '重点地区'),
      line('fit:region', -5, 1, '地区（不再计分）'),
    ];
    const top = topReasons(ledger);
    expect(top).toEqual([
      { detail: '沉默30天', points: -30 },
      { detail: '来源：官网咨询', points: 25 },
      { detail: '大型企业', points: 15 },
    ]);
    expect(reasonsText(top)).toBe('沉默30天 −30；来源：官网咨询 +25；大型企业 +15');
  });
});
